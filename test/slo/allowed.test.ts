/**
 * The cluster pin (src/slo/allowed.ts): which entry of allowedContexts a cluster matches, every
 * field that differs named, the entry to write printed (and it pins the cluster when written),
 * --allow-any-context as the only way past it.
 */
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { type ClusterIdentity, checkClusterPinned, entryFor, mismatches } from '../../src/slo/allowed.ts';
import { type AllowedCluster, parseDrillConfig } from '../../src/slo/config.ts';

const ssh: ClusterIdentity = {
  target: 'ssh',
  describe: 'inventory prod.yaml',
  context: 'kubernetes-admin@kubernetes',
  server: { url: 'https://10.0.0.10:6443' },
  hosts: ['10.0.0.11', '10.0.0.12', '10.0.0.13'],
};
const kind: ClusterIdentity = {
  target: 'kind',
  describe: 'kind cluster ha',
  context: 'kind-ha',
  server: { unknown: 'no allowedContexts entry for it pins a server' },
};
const pinned: AllowedCluster = {
  context: 'kubernetes-admin@kubernetes',
  server: 'https://10.0.0.10:6443/',
  hosts: ['10.0.0.13', '10.0.0.11', '10.0.0.12'],
};
const on = { allowAnyContext: false, configFile: 'drill.yaml' };
const refusal = (
  entries: readonly AllowedCluster[] | undefined,
  id: ClusterIdentity,
  o: { allowAnyContext: boolean; configFile?: string } = on,
): string => {
  try {
    checkClusterPinned(entries, id, o);
  } catch (err) {
    t.equal((err as { exitCode?: number }).exitCode, 2, 'a user error: exit 2');
    return (err as Error).message;
  }
  throw new Error('not refused');
};

t.test('an entry with the context, server and hosts pins an ssh cluster', async (t) => {
  t.same(
    checkClusterPinned([pinned], ssh, on),
    { kind: 'pinned', notes: [] },
    'host order and a trailing / do not matter',
  );
  const other = { ...pinned, server: 'https://10.9.0.10:6443' };
  t.same(
    checkClusterPinned([other, pinned], ssh, on).kind,
    'pinned',
    'the second entry of the same context fits',
  );
});

t.test('no entry: exit 2 with the entry to write and --allow-any-context', async (t) => {
  for (const entries of [undefined, []]) {
    const m = refusal(entries, ssh);
    t.match(
      m,
      /^--target ssh needs the cluster pinned \(inventory prod\.yaml, context kubernetes-admin@kubernetes\)/,
    );
    t.match(m, /list it under allowedContexts in the drill config drill\.yaml:/);
    t.match(m, /or pass --allow-any-context/);
    // The printed entry, written into a config, pins this cluster.
    const yaml = m
      .split('\n')
      .filter((l) => l.startsWith('    '))
      .join('\n');
    const config = parseDrillConfig(yaml, [...SCENARIO_CATALOGUE.keys()]);
    t.same(config.allowedContexts, [
      {
        context: 'kubernetes-admin@kubernetes',
        server: 'https://10.0.0.10:6443',
        hosts: ['10.0.0.11', '10.0.0.12', '10.0.0.13'],
      },
    ]);
    t.equal(checkClusterPinned(config.allowedContexts, ssh, on).kind, 'pinned');
  }
  t.match(refusal(undefined, kind, { allowAnyContext: false }), /in a drill config \(--config FILE\)/);
});

t.test('--allow-any-context: unpinned, and said', async (t) => {
  const r = checkClusterPinned([], ssh, { allowAnyContext: true });
  t.same(r.kind, 'unpinned');
  t.match(
    r.kind === 'unpinned' && r.note,
    /--allow-any-context: inventory prod\.yaml \(context kubernetes-admin@kubernetes\) is not checked/,
  );
});

t.test('a context not listed is named, with the listed ones', async (t) => {
  const m = refusal([{ context: 'kind-drill' }, { context: 'staging' }], ssh);
  t.match(
    m,
    /kube context 'kubernetes-admin@kubernetes' \(inventory prod\.yaml\) is not in allowedContexts \(kind-drill, staging\)/,
  );
  t.match(
    m,
    /add it in the drill config drill\.yaml:\n {4}allowedContexts:\n {6}- context: kubernetes-admin@kubernetes/,
  );
});

t.test('ssh: a bare context name is not enough (every kubeadm admin.conf has it)', async (t) => {
  const m = refusal([{ context: 'kubernetes-admin@kubernetes' }], ssh);
  t.match(m, /allowedContexts\[0\]\.server: not pinned \(a context name alone fits every kubeadm cluster\)/);
  t.match(m, /allowedContexts\[0\]\.hosts: not pinned/);
  t.match(m, /write this entry in the drill config drill\.yaml:/);
});

t.test('each field that differs is named, with both values', async (t) => {
  t.same(mismatches({ ...pinned, server: 'https://10.9.0.10:6443' }, ssh).problems, [
    "server: the kubeconfig's is https://10.0.0.10:6443, the entry says https://10.9.0.10:6443",
  ]);
  t.same(mismatches({ ...pinned, hosts: ['10.0.0.11', '10.0.0.12', '10.0.0.99'] }, ssh).problems, [
    'hosts: the inventory has 10.0.0.13, the entry does not',
    'hosts: the entry has 10.0.0.99, the inventory does not',
  ]);
  const m = refusal(
    [
      { ...pinned, hosts: ['10.0.0.11'] },
      { ...pinned, server: 'https://x:6443' },
    ],
    ssh,
  );
  t.match(m, /allowedContexts\[0\]\.hosts: the inventory has 10\.0\.0\.12, 10\.0\.0\.13/);
  t.match(
    m,
    /allowedContexts\[1\]\.server: the kubeconfig's is https:\/\/10\.0\.0\.10:6443, the entry says https:\/\/x:6443/,
  );
});

t.test('ssh: an inventory api.url other than the server is pinned too', async (t) => {
  const lb = { ...ssh, apiUrl: 'https://lb.example:6443' };
  t.same(mismatches(pinned, lb).problems, [
    "apiUrl: not pinned (the inventory's api.url https://lb.example:6443 is not the kubeconfig's server)",
  ]);
  t.same(mismatches({ ...pinned, apiUrl: 'https://lb.example:6443' }, lb).problems, []);
  t.same(mismatches({ ...pinned, apiUrl: 'https://other:6443' }, lb).problems, [
    "apiUrl: the inventory's api.url is https://lb.example:6443, the entry says https://other:6443",
  ]);
  t.same(mismatches({ ...pinned, apiUrl: 'https://lb.example:6443' }, ssh).problems, [
    'apiUrl: the inventory sets no api.url (or it is the server), the entry says https://lb.example:6443',
  ]);
  t.same(entryFor(lb).apiUrl, 'https://lb.example:6443', 'the entry to write has it');
});

t.test('kind: the context pins it; a server when known; hosts cannot be pinned', async (t) => {
  t.same(checkClusterPinned([{ context: 'kind-ha' }], kind, on), { kind: 'pinned', notes: [] });
  t.same(entryFor(kind), { context: 'kind-ha' }, 'the entry to write: the context');
  const unknown = checkClusterPinned([{ context: 'kind-ha', server: 'https://127.0.0.1:41234' }], kind, on);
  t.same(unknown, {
    kind: 'pinned',
    notes: ['server not compared (context only): no allowedContexts entry for it pins a server'],
  });
  const known = { ...kind, server: { url: 'https://127.0.0.1:41234' } };
  t.same(
    entryFor(known),
    { context: 'kind-ha', server: 'https://127.0.0.1:41234' },
    'a known server is in it',
  );
  t.same(
    checkClusterPinned([{ context: 'kind-ha', server: 'https://127.0.0.1:41234' }], known, on).kind,
    'pinned',
  );
  t.match(
    refusal([{ context: 'kind-ha', server: 'https://127.0.0.1:5555' }], known),
    /allowedContexts\[0\]\.server: the kubeconfig's is https:\/\/127\.0\.0\.1:41234, the entry says https:\/\/127\.0\.0\.1:5555/,
  );
  t.match(
    refusal([{ context: 'kind-ha', hosts: ['kind-ha-control-plane'] }], kind),
    /allowedContexts\[0\]\.hosts: cannot be pinned on --target kind .*: remove them/,
  );
  t.match(
    refusal([{ context: 'kind-ha' }], { ...kind, context: 'kind-prod', describe: 'kind cluster prod' }),
    /kube context 'kind-prod' \(kind cluster prod\) is not in allowedContexts \(kind-ha\)/,
  );
});
