/**
 * kube-controller-manager processes against the real lab apiserver: a SIGKILLed leader is replaced once
 * the lease has not changed for a lease duration; a leader that cannot renew exits 1 ("leaderelection lost").
 */
import t from 'tap';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { LE_TIMINGS, leaderElectArgs, spawnComponent, until } from '../leaderelection/procs.ts';

const { LEASE_MS, RENEW_MS, RETRY_MS, JITTER } = LE_TIMINGS;

t.test('controller-manager leader election', async (t) => {
  t.setTimeout(55_000);
  const api = await startTestApiserver(t);
  const clients = makeClients(api.kubeConfig(), 2000);
  const holder = async () =>
    (await clients.coord.readNamespacedLease({ name: 'kube-controller-manager', namespace: 'kube-system' }))
      .spec?.holderIdentity ?? '';
  const flags = (host: string) => leaderElectArgs(api.kubeconfigPath, host);

  // two candidates start together; whichever wins is the leader to kill
  const procs = {
    cp1: await spawnComponent(t, 'controller-manager/main.ts', flags('cp1')),
    cp2: await spawnComponent(t, 'controller-manager/main.ts', flags('cp2')),
  };
  let first: 'cp1' | 'cp2' = 'cp1';
  await until('a leader', 15_000, async () => {
    const h = await holder();
    if (h.startsWith('cp1_') || h.startsWith('cp2_')) first = h.startsWith('cp1_') ? 'cp1' : 'cp2';
    return h !== '';
  });
  const second = first === 'cp1' ? 'cp2' : 'cp1';
  const m1 = procs[first];
  const m2 = procs[second];
  await until('the standby observes the leader', 15_000, () => m2.text().includes('new leader observed'));
  const t0 = Date.now();
  m1.child.kill('SIGKILL');
  await m1.exited;
  t.ok((await holder()).startsWith(`${first}_`), 'no release after SIGKILL');
  await until('the standby leads', 10_000, async () => (await holder()).startsWith(`${second}_`));
  const took = Date.now() - t0;
  t.ok(
    took >= LEASE_MS - RETRY_MS && took <= LEASE_MS + 2 * RETRY_MS * (1 + JITTER) + 1000,
    `takeover ${took} ms after SIGKILL (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms x jitter)`,
  );
  // the Lease flips before the new leader's log line reaches us
  await until('the new leader logs', 5000, () => m2.text().includes('node lifecycle controller started'));
  t.match(m2.text(), /started leading/);

  // the API goes away: the leader cannot renew and exits 1 once the renew deadline has passed
  const apiGone = Date.now();
  api.proc.kill('SIGKILL');
  const code = await m2.exited;
  const lost = Date.now() - apiGone;
  t.equal(code, 1, 'exits 1 when leadership is lost');
  t.match(m2.text(), /leaderelection lost/);
  t.ok(lost <= RENEW_MS + 2 * RETRY_MS + 2000, `lost leadership ${lost} ms after the API went away`);
});

t.test('bad flags exit 2 with a message naming the flag', async (t) => {
  // started together: each is a separate tsx process
  const bad = await spawnComponent(t, 'controller-manager/main.ts', [
    '--kubeconfig',
    '/nonexistent',
    '--node-monitor-grace-period=40',
  ]);
  const le = await spawnComponent(t, 'controller-manager/main.ts', [
    '--kubeconfig',
    '/nonexistent',
    '--leader-elect-lease-duration=5s',
    '--leader-elect-renew-deadline=10s',
  ]);
  const kc = await spawnComponent(t, 'controller-manager/main.ts', ['--kubeconfig', '/nonexistent']);
  const rate = await spawnComponent(t, 'controller-manager/main.ts', ['--node-eviction-rate=fast']);
  const sched = await spawnComponent(t, 'scheduler/main.ts', ['--lab-hostname=cp1']);
  t.equal(await bad.exited, 2);
  t.match(bad.text(), /--node-monitor-grace-period: invalid duration '40'/);
  t.equal(await le.exited, 2);
  t.match(le.text(), /--leader-elect-lease-duration .* must be greater than --leader-elect-renew-deadline/);
  t.equal(await kc.exited, 2);
  t.match(kc.text(), /--kubeconfig \/nonexistent: file not found/);
  t.equal(await rate.exited, 2);
  t.match(rate.text(), /^kube-controller-manager: --node-eviction-rate: 'fast' is not a number\n/);
  t.equal(await sched.exited, 2);
  t.match(
    sched.text(),
    /^kube-scheduler: --kubeconfig is required\n\(run kube-scheduler --help for all flags\)/,
  );
});
