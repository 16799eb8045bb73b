import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { leaderKill } from '../../scenarios/leader-kill.ts';
import { buildRunResult, buildSuiteResult, phasesOf, summarizeFault } from '../../src/model/build.ts';
import type { RunMeta } from '../../src/model/result.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { isSecretField, REDACTED, redact, redactString } from '../../src/util/redact.ts';
import { apiserverKillRun, Timeline } from '../analysis/synthetic.ts';

const META: RunMeta = {
  scenario: 'apiserver-kill',
  target: 'lab',
  preset: 'fast',
  startedAt: '2026-11-22T02:40:00.000Z',
  finishedAt: '2026-11-22T02:41:00.000Z',
  harnessVersion: '0.1.0',
};
const analysis = { slos: resolveSlos({ scenario: apiserverKill }) };

t.test('redaction by field name', (t) => {
  for (const k of [
    'token',
    'bearerToken',
    'password',
    'etcdPassword',
    'client-key-data',
    'clientKey',
    'key',
    'sshKey',
    'privateKey',
    'apiKey',
    'secret',
    'Authorization',
    'credentials',
    'passphrase',
  ]) {
    t.ok(isSecretField(k), k);
  }
  for (const k of ['keyPath', 'taint', 'object', 'keepalive', 'name', 'holderIdentity', 'monkeys'])
    t.notOk(isSecretField(k), k);
  const input = {
    target: {
      kubeconfig: { users: [{ name: 'admin', user: { token: 'abc', 'client-key-data': 'LS0t' } }] },
      keyPath: '/root/.ssh/id',
    },
    hosts: [
      { sshKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n-----END OPENSSH PRIVATE KEY-----', password: '' },
    ],
    n: 1,
    nothing: null,
  };
  const out = redact(input);
  t.same(out, {
    target: {
      kubeconfig: { users: [{ name: 'admin', user: { token: REDACTED, 'client-key-data': REDACTED } }] },
      keyPath: '/root/.ssh/id',
    },
    hosts: [{ sshKey: REDACTED, password: '' }],
    n: 1,
    nothing: null,
  });
  t.equal(input.target.kubeconfig.users[0]?.user.token, 'abc', 'input untouched');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.doesNotThrow(() => redact(cyclic));
  t.end();
});

t.test('redaction inside strings', (t) => {
  t.equal(
    redactString('GET /api -H "Authorization: Bearer eyJhbGciOi.abcdefgh.ijk"'),
    `GET /api -H "Authorization: Bearer ${REDACTED}"`,
  );
  t.equal(redactString('kubectl --token s3cr3t-value get pods'), `kubectl --token ${REDACTED} get pods`);
  t.equal(
    redactString('etcdctl --password=hunter2 member list'),
    `etcdctl --password=${REDACTED} member list`,
  );
  t.equal(redactString('url?access_token=abc123&x=1'), `url?access_token=${REDACTED}&x=1`);
  t.equal(redactString('{"secret":"v"}'), `{"secret":"${REDACTED}"}`);
  t.equal(
    redactString('key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n'),
    `key:\n${REDACTED}\n`,
  );
  t.equal(redactString('token expired, retrying'), 'token expired, retrying', 'prose stays readable');
  t.equal(redactString('jwt eyJhbGciOiJSUzI1.eyJzdWIiOiJ4.c2ln'), `jwt ${REDACTED}`);
  // Values inside strings (issue 13): a kubeconfig line, sshpass, a URL's userinfo.
  t.equal(
    redactString('line 7:     client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRF'),
    `line 7:     client-key-data: ${REDACTED}`,
  );
  t.equal(redactString('"client-key-data":"LS0tLS1C"'), `"client-key-data":"${REDACTED}"`);
  t.equal(redactString('sshpass -p hunter2 ssh root@cp1'), `sshpass -p ${REDACTED} ssh root@cp1`);
  t.equal(
    redactString('GET https://admin:s3cr3t@198.18.0.10:6443/api failed'),
    `GET https://admin:${REDACTED}@198.18.0.10:6443/api failed`,
  );
  t.equal(redactString('ssh root@cp1 -p 22'), 'ssh root@cp1 -p 22', 'user@host without a password stays');
  t.equal(
    redactString('certificate-authority-data: LS0tCA=='),
    'certificate-authority-data: LS0tCA==',
    'a CA certificate is public',
  );
  t.end();
});

t.test('every sink: CLI errors and the live output go out redacted', async (t) => {
  const { messageOf } = await import('../../src/util/errors.ts');
  t.equal(
    messageOf(new Error('kubeconfig x.yaml line 3: client-key-data: LS0tsecret')),
    `kubeconfig x.yaml line 3: client-key-data: ${REDACTED}`,
  );
  const { LiveReporter } = await import('../../src/reporters/live.ts');
  let written = '';
  const live = new LiveReporter({ stream: { write: (s: string) => (written += s), isTTY: false } });
  live.onEvent({
    atMs: 1200,
    wallTime: '2026-12-02T00:00:01.200Z',
    source: 'runner',
    type: 'note',
    message: 'heal via sshpass -p hunter2 ssh root@cp1',
  });
  t.match(written, 'heal via sshpass -p [REDACTED] ssh root@cp1', 'a note in the live output');
  t.notMatch(written, /hunter2/);
});

t.test('buildRunResult: analysis, phases, fault, verdict; redacted and frozen', (t) => {
  const timeline = [
    ...apiserverKillRun(),
    {
      atMs: 44_500,
      wallTime: '2026-11-22T02:40:44.500Z',
      source: 'api',
      type: 'error' as const,
      message: 'request failed: Authorization: Bearer abcdefghijklmnop',
    },
  ];
  const r = buildRunResult({
    meta: { ...META, params: { token: 'x', apiserver: 'cp2' } },
    timeline,
    analysis,
  });
  t.equal(r.kind, 'run');
  t.equal(r.verdict, 'pass');
  t.equal(r.verdictMessage, '6/6 SLOs pass');
  t.equal(r.phases.length, 6);
  t.match(r.fault, {
    status: 'proven',
    fault: 'apiserver-kill',
    injectedAtMs: 10_000,
    heal: { status: 'done', atMs: 40_000, doneMs: 41_000 },
  });
  t.equal(r.meta.params?.token, REDACTED);
  t.match(
    r.timeline.find((e) => e.type === 'error'),
    { message: `request failed: Authorization: Bearer ${REDACTED}` },
  );
  t.ok(Object.isFrozen(r) && Object.isFrozen(r.measurements[0]) && Object.isFrozen(r.timeline));
  t.throws(() => {
    (r as { verdict: string }).verdict = 'fail';
  });
  t.end();
});

t.test('combined verdict: fail > unknown > pass, aborted, preflight, heal error, no proof', (t) => {
  const failing = buildRunResult({
    meta: META,
    timeline: apiserverKillRun(),
    analysis: {
      ...analysis,
      slos: resolveSlos({ scenario: apiserverKill, cli: [{ name: 'rto_s', op: '<', threshold: 1 }] }),
    },
  });
  t.match(failing, { verdict: 'fail', verdictMessage: '5/6 SLOs pass; failed: rto_s' });
  const noReadback = apiserverKillRun().filter((e) => e.type !== 'readback');
  t.match(buildRunResult({ meta: META, timeline: noReadback, analysis }), {
    verdict: 'unknown',
    verdictMessage: '4/6 SLOs pass; unknown: rpo_lost_writes, rpo_window_s',
  });
  t.match(
    buildRunResult({
      meta: META,
      timeline: apiserverKillRun(),
      analysis,
      aborted: { signal: 'SIGINT', atMs: 20_000 },
    }),
    {
      verdict: 'aborted',
      aborted: { signal: 'SIGINT' },
    },
  );
  const pre = buildRunResult({
    meta: META,
    timeline: new Timeline().phases([['preflight', 0, 500]]).events,
    analysis,
    preflight: { ok: false, message: 'etcd has 2 healthy members, want 3' },
  });
  t.match(pre, {
    verdict: 'unknown',
    verdictMessage: /preflight failed, nothing injected: etcd has 2/,
    measurements: [],
  });
  t.same(pre.findings, []);
  const healErr = [
    ...apiserverKillRun(),
    {
      atMs: 41_500,
      wallTime: '',
      source: 'fault',
      type: 'heal.error' as const,
      fault: 'apiserver-kill',
      error: 'ssh: connection refused',
    },
  ];
  t.match(buildRunResult({ meta: META, timeline: healErr, analysis }), {
    verdict: 'fail',
    verdictMessage: /heal failed: ssh: connection refused/,
  });
  const noProof = new Timeline().add(10, {
    type: 'fault.invoke',
    fault: 'apiserver-kill',
    target: { host: 'cp2' },
  }).events;
  t.match(buildRunResult({ meta: META, timeline: noProof, analysis }), {
    verdict: 'unknown',
    verdictMessage: 'fault unproven; no measurement',
  });
  t.end();
});

t.test('phases and fault summaries from partial timelines', (t) => {
  const tl = new Timeline()
    .add(0, { type: 'phase', phase: 'preflight', state: 'start' })
    .add(100, { type: 'phase', phase: 'preflight', state: 'end', ok: false, message: 'no LB' })
    .add(200, { type: 'phase', phase: 'observe', state: 'start' })
    .add(250, { type: 'phase', phase: 'heal', state: 'end' });
  t.same(phasesOf(tl.events), [
    { phase: 'preflight', startMs: 0, endMs: 100, ok: false, message: 'no LB' },
    { phase: 'observe', startMs: 200, endMs: null },
  ]);
  t.same(summarizeFault([]), { status: 'none', heal: { status: 'not-run' } });
  const inv = new Timeline()
    .add(1, { type: 'fault.invoke', fault: 'f', target: { host: 'h' } })
    .add(2, { type: 'heal.invoke', fault: 'f' });
  t.match(summarizeFault(inv.events), { status: 'unproven', heal: { status: 'invoked', atMs: 2 } });
  t.end();
});

t.test('suite result: worst of runs, aborted wins', (t) => {
  const pass = buildRunResult({ meta: META, timeline: apiserverKillRun(), analysis });
  const unknown = buildRunResult({
    meta: { ...META, scenario: 'leader-kill' },
    timeline: [],
    analysis: { slos: resolveSlos({ scenario: leaderKill }) },
  });
  const smeta = {
    name: 'all',
    target: 'lab',
    startedAt: META.startedAt,
    finishedAt: META.finishedAt,
    harnessVersion: '0.1.0',
  };
  t.match(buildSuiteResult(smeta, [pass, unknown]), {
    kind: 'suite',
    verdict: 'unknown',
    verdictMessage: '2 scenario(s): 1 pass, 1 unknown',
  });
  t.match(buildSuiteResult(smeta, [pass]), { verdict: 'pass' });
  const aborted = buildRunResult({
    meta: META,
    timeline: apiserverKillRun(),
    analysis,
    aborted: { signal: 'SIGTERM' },
  });
  t.match(buildSuiteResult(smeta, [pass, aborted]), { verdict: 'aborted' });
  t.match(buildSuiteResult(smeta, []), { verdict: 'unknown', verdictMessage: 'no scenario ran' });
  t.end();
});

t.test('exit codes: gate, preflight, aborted, unknown', async (t) => {
  const { exitCodeFor } = await import('../../src/model/exit.ts');
  const pass = buildRunResult({ meta: META, timeline: apiserverKillRun(), analysis });
  const fail = buildRunResult({
    meta: META,
    timeline: apiserverKillRun(),
    analysis: {
      ...analysis,
      slos: resolveSlos({ scenario: apiserverKill, cli: [{ name: 'rto_s', op: '<', threshold: 1 }] }),
    },
  });
  const unknown = buildRunResult({ meta: META, timeline: [], analysis });
  const pre = buildRunResult({ meta: META, timeline: [], analysis, preflight: { ok: false, message: 'x' } });
  const aborted = buildRunResult({ meta: META, timeline: [], analysis, aborted: { signal: 'SIGINT' } });
  t.equal(exitCodeFor(pass, { gate: true }), 0);
  t.equal(exitCodeFor(fail, { gate: false }), 0, 'without --gate the drill ran');
  t.equal(exitCodeFor(fail, { gate: true }), 1);
  t.equal(exitCodeFor(unknown, { gate: true }), 1, 'a gate does not pass on what it could not measure');
  t.equal(exitCodeFor(unknown, { gate: true, unknownFails: false }), 0);
  t.equal(exitCodeFor(pre, { gate: false }), 3);
  t.equal(exitCodeFor(aborted, { gate: true }), 130);
  const smeta = {
    name: 'all',
    target: 'lab',
    startedAt: META.startedAt,
    finishedAt: META.finishedAt,
    harnessVersion: '0.1.0',
  };
  t.equal(exitCodeFor(buildSuiteResult(smeta, [pass, fail]), { gate: true }), 1);
});
