/**
 * kind-configs/: each is a kind v1alpha4 Cluster with three control planes and two workers; every
 * kubeadmConfigPatches entry parses as a kubeadm (or kubelet) config document whose extraArgs
 * are string flags of the right component; the seeds config carries the seeds' timings, which
 * the harness's own flag parser reads back the way it reads them from a node.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import {
  controllerManagerTimings,
  etcdTimings,
  parseDuration,
} from '../../src/targets/kubeadm-profile-timings.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const dir = path.join(PROJECT_ROOT, 'kind-configs');
const KUBEADM_KINDS = new Set([
  'ClusterConfiguration',
  'InitConfiguration',
  'JoinConfiguration',
  'KubeletConfiguration',
  'KubeProxyConfiguration',
]);
/** Flags each component takes (the ones these configs may set). */
const KNOWN: Record<string, Set<string>> = {
  controllerManager: new Set([
    'node-monitor-grace-period',
    'node-monitor-period',
    'leader-elect',
    'leader-elect-lease-duration',
    'leader-elect-renew-deadline',
    'leader-elect-retry-period',
  ]),
  scheduler: new Set([
    'leader-elect',
    'leader-elect-lease-duration',
    'leader-elect-renew-deadline',
    'leader-elect-retry-period',
  ]),
  etcd: new Set(['heartbeat-interval', 'election-timeout']),
};

const load = (f: string) => YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;

for (const file of ['ha-3cp.yaml', 'ha-3cp-seeds.yaml']) {
  t.test(file, async (t) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    t.match(text, /^# .+/, 'starts with a comment saying what it is for');
    const c = load(file);
    t.equal(c.kind, 'Cluster');
    t.equal(c.apiVersion, 'kind.x-k8s.io/v1alpha4');
    const roles = (c.nodes as { role: string }[]).map((n) => n.role);
    t.equal(roles.filter((r) => r === 'control-plane').length, 3, 'three control planes');
    t.equal(roles.filter((r) => r === 'worker').length, 2, 'two workers');
    t.ok(roles.every((r) => r === 'control-plane' || r === 'worker'));
    for (const p of (c.kubeadmConfigPatches as string[] | undefined) ?? []) {
      const doc = YAML.parse(p) as Record<string, unknown>;
      t.ok(KUBEADM_KINDS.has(doc.kind as string), `patch kind ${doc.kind}`);
      if (doc.kind !== 'ClusterConfiguration') continue;
      const sections: [string, Record<string, unknown> | undefined][] = [
        ['controllerManager', (doc.controllerManager as { extraArgs?: Record<string, unknown> })?.extraArgs],
        ['scheduler', (doc.scheduler as { extraArgs?: Record<string, unknown> })?.extraArgs],
        ['etcd', (doc.etcd as { local?: { extraArgs?: Record<string, unknown> } })?.local?.extraArgs],
      ];
      for (const [comp, args] of sections) {
        for (const [k, v] of Object.entries(args ?? {})) {
          t.ok(KNOWN[comp]!.has(k), `${comp} flag ${k} is known`);
          t.type(v, 'string', `${comp} ${k}: kubeadm extraArgs values are strings`);
          if (/period|duration|deadline/.test(k))
            t.ok(parseDuration(v as string) !== undefined, `${k}=${v} is a duration`);
        }
      }
    }
  });
}

t.test('the seeds config carries the seeds timings', async (t) => {
  const patch = YAML.parse((load('ha-3cp-seeds.yaml').kubeadmConfigPatches as string[])[0]!) as {
    controllerManager: { extraArgs: Record<string, string> };
    etcd: { local: { extraArgs: Record<string, string> } };
  };
  // As the flags appear in the static-pod manifest kubeadm renders from them.
  const asFlags = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `    - --${k}=${v}`)
      .join('\n');
  t.same(controllerManagerTimings(asFlags(patch.controllerManager.extraArgs)), {
    nodeMonitorGracePeriodS: 40,
    nodeMonitorPeriodS: 5,
    leaseDurationS: 15,
    retryPeriodS: 2,
  });
  t.same(etcdTimings(asFlags(patch.etcd.local.extraArgs)), { etcdHeartbeatMs: 250, etcdElectionMs: 2500 });
  t.notOk(load('ha-3cp.yaml').kubeadmConfigPatches, 'ha-3cp.yaml keeps upstream timings');
});
