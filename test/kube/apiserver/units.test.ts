/** Pure parts of the apiserver: flags, selectors, patches, token file, admission. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { defaultTolerationSeconds } from '../../../src/kube/apiserver/admission.ts';
import { loadTokenFile, parseCsvLine } from '../../../src/kube/apiserver/auth.ts';
import { parseFlags } from '../../../src/kube/apiserver/flags.ts';
import { apiserverId } from '../../../src/kube/apiserver/identity.ts';
import { applyPatch, mergePatch } from '../../../src/kube/apiserver/patch.ts';
import { parseFieldSelector, parseLabelSelector } from '../../../src/kube/apiserver/selectors.ts';
import { FlagError } from '../../../src/kube/runtime/flags.ts';

t.test('flags: defaults from upstream, errors name the flag', async (t) => {
  const base = ['--etcd-servers=http://127.0.0.1:2379', '--tls-cert-file=c', '--tls-private-key-file=k'];
  const f = parseFlags([...base, '--advertise-address', '198.18.0.11']);
  t.equal(f.securePort, 6443);
  t.equal(f.bindAddress, '0.0.0.0');
  t.equal(f.masterLeaseTtlMs, 15_000);
  t.equal(f.endpointReconcilerIntervalMs, 10_000);
  t.equal(f.identityLeaseDurationSeconds, 3600);
  t.equal(f.identityLeaseRenewIntervalSeconds, 10);
  t.equal(f.shutdownDelayMs, 0);
  t.equal(f.defaultNotReadyTolerationSeconds, 300);
  t.equal(f.endpointReconcilerType, 'lease');
  const bad: [string[], RegExp][] = [
    [[...base, '--advertise-address=1.2.3'], /--advertise-address/],
    [[...base, '--bind-address=127.0.0.1', '--secure-port=0'], /--secure-port/],
    [[...base, '--bind-address=127.0.0.1', '--master-lease-ttl=15'], /--master-lease-ttl: .*no unit/],
    [
      [...base, '--bind-address=127.0.0.1', '--master-lease-ttl=500ms'],
      /--master-lease-ttl=500ms: must be at least 1s/,
    ],
    [[...base, '--bind-address=127.0.0.1', '--endpoint-reconciler-type=x'], /--endpoint-reconciler-type=x/],
    [[...base], /--advertise-address is required/],
    [[...base, '--bind-address=127.0.0.1', '--etcd-servers=127.0.0.1:2379'], /--etcd-servers/],
    [[...base, '--bind-address=127.0.0.1', 'positional'], /unexpected argument/],
  ];
  for (const [argv, re] of bad) {
    t.throws(() => parseFlags(argv), re);
    t.throws(() => parseFlags(argv), FlagError, `${argv.at(-1)}: a FlagError (main exits 2)`);
  }
  let err: unknown;
  try {
    parseFlags(['--nope']);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof FlagError, 'a FlagError (main exits 2)');
  t.match(String(err), /unknown flag --nope/);
});

t.test('label selectors', async (t) => {
  const o = (labels: Record<string, string>) => ({ metadata: { labels } });
  t.ok(parseLabelSelector('a=b')(o({ a: 'b' })));
  t.notOk(parseLabelSelector('a=b')(o({ a: 'c' })));
  t.ok(parseLabelSelector('a!=b')(o({})));
  t.ok(parseLabelSelector('a in (x,y),b notin (z)')(o({ a: 'y', b: 'q' })));
  t.notOk(parseLabelSelector('a in (x,y)')(o({})));
  t.ok(parseLabelSelector('!a')(o({ b: '1' })));
  t.ok(parseLabelSelector('app.kubernetes.io/name')(o({ 'app.kubernetes.io/name': 'x' })));
  t.ok(parseLabelSelector('')(o({})));
  t.throws(() => parseLabelSelector('a in (x'));
  t.ok(
    parseFieldSelector('spec.nodeName=w1,metadata.name!=p')({
      metadata: { name: 'q' },
      spec: { nodeName: 'w1' },
    }),
  );
  t.ok(parseFieldSelector('spec.nodeName=')({ metadata: {}, spec: {} }));
});

t.test('patches', async (t) => {
  t.same(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] }), {
    a: 1,
    b: { d: 3, e: 4 },
    f: [1],
  });
  const pod = {
    metadata: { name: 'p', finalizers: ['a'] },
    spec: {
      containers: [
        { name: 'a', image: '1' },
        { name: 'b', image: '1' },
      ],
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
  const smp = applyPatch(
    'application/strategic-merge-patch+json',
    pod,
    JSON.stringify({
      metadata: { finalizers: ['b'] },
      spec: {
        containers: [
          { name: 'b', image: '2' },
          { name: 'a', $patch: 'delete' },
        ],
        '$setElementOrder/containers': [],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    }),
  );
  t.same(smp.spec.containers, [{ name: 'b', image: '2' }]);
  t.same(smp.status.conditions, [
    { type: 'Ready', status: 'True' },
    { type: 'PodScheduled', status: 'True' },
  ]);
  t.same(smp.metadata.finalizers, ['a', 'b']);
  t.notOk('$setElementOrder/containers' in smp.spec, 'directives are dropped');
  const jp = applyPatch(
    'application/json-patch+json',
    pod,
    JSON.stringify([{ op: 'remove', path: '/metadata/finalizers' }]),
  );
  t.notOk(jp.metadata.finalizers);
  t.same(pod.metadata.finalizers, ['a'], 'the input is not mutated');
  t.throws(
    () =>
      applyPatch('application/json-patch+json', pod, '[{"op":"test","path":"/metadata/name","value":"x"}]'),
    {
      code: 422,
    },
  );
  t.throws(() => applyPatch('text/plain', pod, '{}'), { code: 415 });
});

t.test('token file and identity id', async (t) => {
  t.same(parseCsvLine('tok,user,uid,"g1,g2"'), ['tok', 'user', 'uid', 'g1,g2']);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-tok-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'tokens.csv');
  await writeFile(f, 'abc,alice,1,"system:masters,dev"\n\n# comment\ndef,bob,2\n');
  const tokens = loadTokenFile(f);
  t.same(tokens.get('abc'), { name: 'alice', uid: '1', groups: ['system:masters', 'dev'] });
  t.same(tokens.get('def')?.groups, []);
  await writeFile(f, 'only-a-token\n');
  t.throws(() => loadTokenFile(f), /tokens\.csv:1/);
  t.match(apiserverId('cp1'), /^apiserver-[a-z2-7]{26}$/);
  t.equal(apiserverId('cp1'), apiserverId('cp1'));
  t.not(apiserverId('cp1'), apiserverId('cp2'));
});

t.test('DefaultTolerationSeconds', async (t) => {
  const cfg = { notReadyTolerationSeconds: 30, unreachableTolerationSeconds: 40 };
  const p1 = { spec: {} as Record<string, unknown> };
  defaultTolerationSeconds(p1, cfg);
  t.same(
    (p1.spec.tolerations as { key: string; tolerationSeconds: number }[]).map((x) => [
      x.key,
      x.tolerationSeconds,
    ]),
    [
      ['node.kubernetes.io/not-ready', 30],
      ['node.kubernetes.io/unreachable', 40],
    ],
  );
  const p2 = { spec: { tolerations: [{ operator: 'Exists' }] } };
  defaultTolerationSeconds(p2, cfg);
  t.equal(p2.spec.tolerations.length, 1, 'a wildcard toleration tolerates both');
  const p3 = {
    spec: {
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
  defaultTolerationSeconds(p3, cfg);
  t.equal(p3.spec.tolerations.length, 3, 'a NoSchedule toleration does not count');
});
