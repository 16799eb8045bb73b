/**
 * The detection probe and the monitoring client against a real Prometheus and Alertmanager
 * (Debian's binaries) on loopback: an always-true rule with `for: 2s` goes pending, then firing,
 * Alertmanager posts it to the probe's webhook receiver; the client reads back the stack's own
 * intervals, rules and group_wait. No lab, no root: both listen on 127.0.0.1 only.
 */
// hadrill-test: unit waits (alone: 8.1 s of wall time, 0.6 s of CPU; scripts/run-files.mjs)
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { activeAlerts, getText } from '../../src/monitoring/client.ts';
import { type MonitoringStack, readAlerting } from '../../src/monitoring/stack.ts';
import { alertsProbe } from '../../src/probes/alerts.ts';
import type { ProbeContext } from '../../src/probes/types.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { TimelineRecorder } from '../../src/timeline/recorder.ts';
import { waitFor } from '../../src/util/time.ts';
import { testTmp } from '../helpers/temp.ts';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const procs: ChildProcess[] = [];
t.teardown(() => {
  for (const p of procs) p.kill('SIGKILL');
});

function start(argv: string[], log: string): void {
  const out = fs.openSync(log, 'w');
  const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out, out] });
  procs.push(p);
}

t.test('pending, firing and the webhook notification of a real rule', async (t) => {
  const dir = testTmp('alerts-');
  const [promPort, amPort, hookPort] = [await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(
    path.join(dir, 'rules.yaml'),
    [
      'groups:',
      '  - name: drill-test',
      '    rules:',
      '      - alert: DrillAlwaysTrue',
      '        expr: vector(1)',
      '        for: 2s',
      '        labels: { severity: warning }',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: [${path.join(dir, 'rules.yaml')}]`,
      `alerting: { alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:${amPort}"] } ] } ] }`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    [
      'route: { receiver: drill, group_by: [alertname], group_wait: 1s, group_interval: 2s }',
      `receivers: [ { name: drill, webhook_configs: [ { url: "http://127.0.0.1:${hookPort}/", send_resolved: true } ] } ]`,
      '',
    ].join('\n'),
  );
  const recorder = new TimelineRecorder();
  const abort = new AbortController();
  const stack: MonitoringStack = {
    prometheus: { url: `http://127.0.0.1:${promPort}` },
    alertmanager: { url: `http://127.0.0.1:${amPort}` },
    webhook: { host: '127.0.0.1', port: hookPort },
    pollMs: 250,
    origin: 'test',
  };
  // The receiver listens before the stack starts, as in a drill (probes start before the fault).
  const run = alertsProbe(stack).run({
    sink: recorder.sink('alerts'),
    nowMs: () => recorder.clock.nowMs(),
    signal: abort.signal,
    maxRunMs: 60_000,
    // Not used by this probe: it talks to the stack, not to the cluster.
    target: undefined as never,
    kube: undefined as never,
  } satisfies ProbeContext);
  start(
    [
      'prometheus-alertmanager',
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    path.join(dir, 'am.log'),
  );
  start(
    [
      'prometheus',
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      // Prometheus learns of its Alertmanagers through service discovery, which sends its first
      // targets only after 5 s (prometheus discovery/manager.go updatert); an alert that fired
      // before that is sent again only after the resend delay (default 1m, rules/alerting.go
      // needsSending). The lab's Prometheus runs long before a drill; here the rule fires at once.
      '--rules.alert.resend-delay=1s',
    ],
    path.join(dir, 'prom.log'),
  );
  // Both ready (a loaded machine may start either one late).
  for (const [what, e] of [
    ['Prometheus', stack.prometheus],
    ['Alertmanager', stack.alertmanager!],
  ] as const)
    await waitFor(() => getText(e, '-/ready').then(() => true), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${what} ready`,
    });

  const ctx = await readAlerting(stack);
  t.same(
    [ctx.scrapeIntervalS, ctx.scrapeTimeoutS, ctx.evaluationIntervalS, ctx.groupWaitS, ctx.pollIntervalS],
    [1, 1, 1, 1, 0.25],
    'the intervals are the stack’s own, read back',
  );
  t.match(ctx.rules, [{ name: 'DrillAlwaysTrue', expr: 'vector(1)', forS: 2, severity: 'warning' }]);

  await waitFor(
    async () => {
      if (!eventsOf(recorder.events(), 'alert.notify').some((e) => e.alert === 'DrillAlwaysTrue'))
        throw new Error('no notification yet');
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the webhook notification' },
  );
  abort.abort();
  await run;
  const alerts = eventsOf(recorder.events(), 'alert').filter((e) => e.alert === 'DrillAlwaysTrue');
  t.same(
    alerts.map((e) => e.state),
    ['pending', 'firing'],
    'pending first, then firing, each recorded once',
  );
  const [pending, firing] = alerts;
  t.ok(
    firing!.atMs - pending!.atMs >= 1500,
    `firing ${firing!.atMs - pending!.atMs} ms after pending (for: 2s)`,
  );
  const notify = eventsOf(recorder.events(), 'alert.notify')[0]!;
  t.match(notify, { status: 'firing', receiver: 'drill', labels: { alertname: 'DrillAlwaysTrue' } });
  t.ok(notify.atMs >= firing!.atMs - 300, 'notified after it fired (within one poll)');
  t.same(firing!.labels, { alertname: 'DrillAlwaysTrue', severity: 'warning' });
  t.match((await activeAlerts(stack.prometheus))[0], { state: 'firing' });
});

/** The probe polling an alerts API on loopback `port` every 50 ms, for `maxRunMs` at most. */
const pollEvery50ms = (port: number, recorder: TimelineRecorder, signal: AbortSignal, maxRunMs: number) =>
  alertsProbe({ prometheus: { url: `http://127.0.0.1:${port}` }, pollMs: 50, origin: 'test' }).run({
    sink: recorder.sink('alerts'),
    nowMs: () => recorder.clock.nowMs(),
    signal,
    maxRunMs,
    // Not used by this probe: it talks to the stack, not to the cluster.
    target: undefined as never,
    kube: undefined as never,
  });

t.test('an unreachable Prometheus is one note, not one per poll', async (t) => {
  const recorder = new TimelineRecorder();
  const abort = new AbortController();
  const port = await freePort();
  const run = pollEvery50ms(port, recorder, abort.signal, 600);
  await run;
  const notes = eventsOf(recorder.events(), 'note');
  t.equal(notes.length, 1);
  t.match(notes[0]!.message, /alerts API: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/alerts: .*ECONNREFUSED/);
});

t.test("an alert's first appearance carries when the previous answer was asked for", async (t) => {
  // A scripted alerts API: each answer in turn, the last one repeated. The server notes when each
  // request arrived, on the run's clock: the poll that got answer k was sent before arrival k.
  const recorder = new TimelineRecorder();
  const X = { alertname: 'X', severity: 'warning' };
  const Y = { alertname: 'Y' };
  const answers: ({ labels: Record<string, string>; state: string }[] | 'error')[] = [
    [{ labels: Y, state: 'pending' }],
    [],
    'error',
    [{ labels: X, state: 'pending' }],
    [{ labels: X, state: 'firing' }],
    [],
    [{ labels: X, state: 'pending' }],
  ];
  const arrived: number[] = [];
  const server = http.createServer((_req, res) => {
    const k = arrived.push(recorder.clock.nowMs()) - 1;
    const a = answers[Math.min(k, answers.length - 1)]!;
    if (a === 'error') res.writeHead(503).end('{"status":"error","error":"scripted"}');
    else res.writeHead(200).end(JSON.stringify({ status: 'success', data: { alerts: a } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const abort = new AbortController();
  const run = pollEvery50ms(port, recorder, abort.signal, 5_000);
  await waitFor(async () => arrived.length >= answers.length + 1 || Promise.reject(new Error('polling')), {
    timeoutMs: 10_000,
    intervalMs: 20,
    what: 'every scripted answer asked for',
  });
  abort.abort();
  await run;
  const alerts = eventsOf(recorder.events(), 'alert');
  t.same(
    alerts.map((e) => `${e.alert} ${e.state}`),
    ['Y pending', 'Y inactive', 'X pending', 'X firing', 'X inactive', 'X pending'],
  );
  const [yPending, , xPending, xFiring, , xAgain] = alerts;
  t.equal(yPending!.unseenAtMs, undefined, 'in the first answer: nothing is known of before it');
  // X first appears in answer 3; answer 2 failed, answer 1 (empty) is the previous answer: its
  // poll was sent after answer 0 arrived and before answer 1 arrived.
  const unseen = xPending!.unseenAtMs;
  t.ok(
    unseen !== undefined && unseen >= arrived[0]! && unseen <= arrived[1]!,
    `X pending: unseen since ${unseen} ms, the empty answer asked for in [${arrived[0]}, ${arrived[1]}] ms (not the failed poll at ${arrived[2]} ms)`,
  );
  t.equal(xFiring!.unseenAtMs, undefined, 'a state change of a listed alert is no first appearance');
  const again = xAgain!.unseenAtMs;
  t.ok(
    again !== undefined && again >= arrived[4]! && again <= arrived[5]!,
    `X pending again: unseen since ${again} ms, the empty answer asked for in [${arrived[4]}, ${arrived[5]}] ms`,
  );
});
