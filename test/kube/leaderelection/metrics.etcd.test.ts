/**
 * /metrics on the secure ports of the real kube-scheduler and kube-controller-manager processes
 * against our apiserver on real etcd, authenticated as kubeadm configures them: the controller-
 * manager with --client-ca-file, the scheduler with the CA the apiserver publishes (read with
 * --authentication-kubeconfig). Without a certificate /metrics is 403 (system:anonymous) while
 * /healthz answers; with the cluster CA's prometheus certificate: leader_election_master_status
 * for the lease, the scheduler's queue and attempts, the node lifecycle's pass histogram, the
 * process metrics, and a clean `promtool check metrics`.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { freePort, startTestApiserver } from '../../helpers/apiserver.ts';
import { bucketBounds, httpsGet, prometheusCert, promtoolCheck } from '../../helpers/https.ts';
import { leaderElectArgs, spawnComponent, until } from './procs.ts';

const api = await startTestApiserver(t);
const prometheus = await prometheusCert(api.dir);
const core = api.kubeConfig().makeApiClient(CoreV1Api);

async function component(main: string, own: string[]) {
  const port = await freePort();
  const c = await spawnComponent(t, main, [
    ...leaderElectArgs(api.kubeconfigPath, 'cp1'),
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    ...own,
  ]);
  const url = (p: string) => `https://127.0.0.1:${port}${p}`;
  await until(`${main} serving`, 15_000, async () => (await httpsGet(url('/healthz'))).status === 200);
  return { c, url, scrape: () => httpsGet(url('/metrics'), { client: prometheus }) };
}

const leading = (name: string) => new RegExp(`^leader_election_master_status\\{name="${name}"\\} 1$`, 'm');

t.test('kube-scheduler: CA from extension-apiserver-authentication, scheduler_* metrics', async (t) => {
  const s = await component('scheduler/main.ts', [`--authentication-kubeconfig=${api.kubeconfigPath}`]);
  const anon = await httpsGet(s.url('/metrics'));
  t.equal(anon.status, 403, 'no certificate: system:anonymous, forbidden');
  t.match(anon.body, /cannot get path \\"\/metrics\\"/);
  await until('the client CA read and leadership', 15_000, async () =>
    leading('kube-scheduler').test((await s.scrape()).body),
  );
  await core.createNamespacedPod({
    namespace: 'default',
    body: { metadata: { name: 'nowhere' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
  });
  await until('the pod found unschedulable', 10_000, async () =>
    /^scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} 1$/m.test(
      (await s.scrape()).body,
    ),
  );
  const r = await s.scrape();
  t.match(r.body, /^scheduler_pending_pods\{queue="unschedulable"\} 1$/m);
  for (const q of ['active', 'backoff', 'gated'])
    t.match(r.body, new RegExp(`^scheduler_pending_pods\\{queue="${q}"\\} 0$`, 'm'));
  t.same(
    bucketBounds(r.body, 'scheduler_scheduling_attempt_duration_seconds'),
    [...Array.from({ length: 15 }, (_, i) => String(0.001 * 2 ** i)), '+Inf'],
    'ExponentialBuckets(0.001, 2, 15)',
  );
  t.match(r.body, /^process_start_time_seconds \S+$/m);
  const lint = await promtoolCheck(r.body);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});

t.test('kube-controller-manager: --client-ca-file, node_collector_* metrics', async (t) => {
  const cm = await component('controller-manager/main.ts', [
    `--client-ca-file=${api.caFile}`,
    `--authentication-kubeconfig=${api.kubeconfigPath}`,
    '--node-monitor-period=200ms',
  ]);
  t.equal((await httpsGet(cm.url('/metrics'))).status, 403);
  t.equal((await httpsGet(cm.url('/readyz'))).status, 200, 'health paths always allowed');
  await until('leading and a monitor pass', 15_000, async () => {
    const b = (await cm.scrape()).body;
    return (
      leading('kube-controller-manager').test(b) &&
      /^node_collector_update_all_nodes_health_duration_seconds_count [1-9]/m.test(b)
    );
  });
  const r = await cm.scrape();
  t.match(r.body, /^# TYPE leader_election_master_status gauge$/m);
  t.same(
    bucketBounds(r.body, 'node_collector_update_all_nodes_health_duration_seconds'),
    [...Array.from({ length: 8 }, (_, i) => String(0.01 * 4 ** i)), '+Inf'],
    'ExponentialBuckets(0.01, 4, 8)',
  );
  const lint = await promtoolCheck(r.body);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});
