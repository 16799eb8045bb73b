/**
 * Version-aware upstream defaults, the origin of every timing input, and the reader filling every
 * input a cluster does not set (so no measurement loses its window for an unset value).
 */
import t from 'tap';
import { expectedWindow } from '../../src/analysis/expected.ts';
import type { ExecResult, Executor } from '../../src/executors/types.ts';
import {
  describeOrigins,
  graceDefault,
  manifestVersion,
  parseKubeVersion,
  withDefaults,
} from '../../src/targets/defaults.ts';
import { readTimings } from '../../src/targets/kubeadm-profile-timings.ts';

const kcm = (tag: string, flags = '') =>
  `spec:\n  containers:\n  - command:\n    - kube-controller-manager\n${flags}    image: registry.k8s.io/kube-controller-manager:${tag}\n`;

t.test('versions from image tags; grace 40 s before v1.32, 50 s from v1.32', (t) => {
  t.match(manifestVersion(kcm('v1.36.1'), 'kube-controller-manager'), {
    major: 1,
    minor: 36,
    text: 'v1.36.1',
  });
  t.equal(manifestVersion('image: nginx:1.2.3', 'kube-controller-manager'), undefined);
  t.match(parseKubeVersion('v1.31.0-rc.1'), { minor: 31 });
  t.match(graceDefault(parseKubeVersion('v1.31.9')), {
    value: 40,
    rule: /before v1\.32, controller-manager v1\.31\.9/,
  });
  t.match(graceDefault(parseKubeVersion('v1.32.0')), { value: 50, rule: /since v1\.32 \(PR 126287\)/ });
  t.match(graceDefault(undefined), { value: 50, rule: /version unknown/ });
  t.end();
});

t.test('withDefaults fills only what is unset, LB defaults only with LBs', (t) => {
  const d = withDefaults({
    leaseDurationS: 20,
    origins: { leaseDurationS: { kind: 'configured', where: 'x' } },
  });
  t.equal(d.leaseDurationS, 20);
  t.same(d.origins?.leaseDurationS, { kind: 'configured', where: 'x' });
  t.equal(d.retryPeriodS, 2);
  t.equal(d.fall, undefined, 'no haproxy defaults without an haproxy');
  const lb = withDefaults({}, { lb: 'haproxy', vrrp: true, controllerManager: parseKubeVersion('v1.36.1') });
  t.match(lb, {
    checkInterMs: 2000,
    fall: 3,
    rise: 2,
    advertIntS: 1,
    vrrpVersion: 2,
    nodeMonitorGracePeriodS: 50,
  });
  t.ok(
    describeOrigins(lb).includes(
      'nodeMonitorGracePeriodS 50: default since v1.32 (PR 126287), controller-manager v1.36.1',
    ),
  );
  t.end();
});

/** An executor answering `cat <file>` from a map, per host. */
function fakeExecutor(files: Record<string, Record<string, string>>): Executor {
  return {
    hosts: Object.keys(files),
    async exec(host: string, argv: readonly string[]): Promise<ExecResult> {
      const file = /^cat\s+(\S+)$/.exec(argv.at(-1) ?? '')?.[1] ?? '';
      const text = files[host]?.[file];
      return { host, argv, code: text === undefined ? 1 : 0, stdout: text ?? '', stderr: '' } as ExecResult;
    },
    async close() {},
  } as unknown as Executor;
}

t.test('a default kubeadm cluster: every window present, each input with its origin', async (t) => {
  const ex = fakeExecutor({
    cp1: {
      '/etc/kubernetes/manifests/kube-controller-manager.yaml': kcm(
        'v1.31.2',
        '    - --node-monitor-period=5s\n',
      ),
    },
    lb1: {
      '/etc/haproxy/haproxy.cfg':
        'defaults\n  timeout connect 5s\n  timeout check 3s\nbackend b\n  server cp1 10.0.0.1:6443 check\n',
      '/etc/keepalived/keepalived.conf': 'vrrp_instance VI_1 {\n  priority 101\n}\n',
    },
    lb2: { '/etc/keepalived/keepalived.conf': 'vrrp_instance VI_1 {\n  priority 100\n}\n' },
  });
  const r = await readTimings(ex, { controlPlane: 'cp1', worker: 'w1', lbs: ['lb1', 'lb2'] });
  t.match(r.controllerManager, { text: 'v1.31.2' });
  t.match(r.timings, {
    nodeMonitorGracePeriodS: 40,
    nodeMonitorPeriodS: 5,
    checkInterMs: 2000,
    fall: 3,
    checkTimeoutMs: 3000,
    checkConnectTimeoutMs: 5000,
    advertIntS: 1,
    priority: 100,
  });
  t.same(r.timings.origins?.nodeMonitorPeriodS, {
    kind: 'configured',
    where: '/etc/kubernetes/manifests/kube-controller-manager.yaml on cp1',
  });
  t.match(r.timings.origins?.nodeMonitorGracePeriodS, {
    kind: 'default',
    rule: /before v1\.32, controller-manager v1\.31\.2/,
  });
  t.match(r.timings.origins?.masterLeaseTtlS, { kind: 'default', rule: /pkg\/controlplane\/instance\.go/ });
  t.match(r.timings.origins?.fall, { kind: 'default', rule: /DEF_FALLTIME/ });
  t.match(r.timings.origins?.priority, { kind: 'configured', where: /keepalived\.conf on lb1/ });
  t.ok(r.missing.includes('kubelet on w1'));
  for (const name of [
    'node_notready_s',
    'pod_eviction_s',
    'endpoint_removal_s',
    'lease_reelection_s',
    'vip_takeover_s',
    'lb_failover_s',
    'etcd_leader_election_s',
    'apiserver_unready_s',
  ] as const) {
    t.ok(expectedWindow(name, r.timings), `${name} keeps its window on a default cluster`);
  }
  // haproxy defaults: 2 + 2 × 2 + 3 × (min(5, 2) + 3) = 21 s
  t.equal(expectedWindow('lb_failover_s', r.timings)?.max, 21);
});

t.test("the target's own fallback keeps the upstream rule when it is the upstream value", async (t) => {
  const r = await readTimings(fakeExecutor({}), { lbs: [] }, {}, { retryPeriodS: 2, leaseDurationS: 60 });
  t.match(r.timings.origins?.retryPeriodS, { kind: 'default', rule: /component-base/ });
  t.same(r.timings.origins?.leaseDurationS, { kind: 'default', rule: "the target's own default" });
  t.equal(r.timings.leaseDurationS, 60);
});
