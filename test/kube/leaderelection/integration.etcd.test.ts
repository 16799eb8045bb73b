/**
 * Leader election against the real lab apiserver (one etcd + one apiserver on loopback): in-process
 * candidates over LeaseLock, then real scheduler processes (release on SIGTERM, standby takes over).
 */
import t from 'tap';
import { LeaderElector } from '../../../src/kube/leaderelection/elector.ts';
import { LeaseLock } from '../../../src/kube/leaderelection/leaselock.ts';
import { makeClients } from '../../../src/kube/runtime/kube.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { expectLog, LE_TIMINGS, leaderElectArgs, spawnComponent, until } from './procs.ts';

const { LEASE_MS, RENEW_MS, RETRY_MS, JITTER } = LE_TIMINGS;

t.test('leader election over a real Lease', async (t) => {
  t.setTimeout(55_000);
  const api = await startTestApiserver(t);
  const kc = api.kubeConfig();
  const clients = makeClients(kc, 2000);
  const readLease = (name: string) => clients.coord.readNamespacedLease({ name, namespace: 'kube-system' });

  const candidate = (id: string, release: boolean) => {
    const events: string[] = [];
    const el = new LeaderElector({
      lock: new LeaseLock(clients.coord, 'kube-system', 'le-test', id),
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
      releaseOnCancel: release,
      callbacks: {
        onStartedLeading: () => events.push('started'),
        onStoppedLeading: () => events.push('stopped'),
      },
    });
    const ac = new AbortController();
    const done = el.run(ac.signal);
    return { el, events, ac, done };
  };

  await t.test(
    'in-process candidates: acquire, hard stop, takeover after the lease duration, release',
    async (t) => {
      const a = candidate('hostA_1', false);
      await until('A leads', 5000, async () => a.el.isLeader());
      let lease = await readLease('le-test');
      t.equal(lease.spec?.holderIdentity, 'hostA_1');
      t.equal(lease.spec?.leaseDurationSeconds, LEASE_MS / 1000);
      t.equal(lease.spec?.leaseTransitions, 0);
      t.ok(lease.spec?.acquireTime && lease.spec?.renewTime, 'acquireTime and renewTime set');
      const b = candidate('hostB_2', true);
      await new Promise((r) => setTimeout(r, LEASE_MS + RETRY_MS));
      t.notOk(b.el.isLeader(), 'B stays a follower while A renews');
      const renewed = await readLease('le-test');
      t.ok(
        new Date(String(renewed.spec?.renewTime)).getTime() >
          new Date(String(lease.spec?.renewTime)).getTime(),
        'A renews',
      );
      // hard stop of A: no release
      const stoppedAt = Date.now();
      a.ac.abort();
      await a.done;
      t.equal(
        (await readLease('le-test')).spec?.holderIdentity,
        'hostA_1',
        'no release without ReleaseOnCancel',
      );
      await until('B leads', LEASE_MS + 3 * RETRY_MS * (1 + JITTER) + 2000, async () => b.el.isLeader());
      const took = Date.now() - stoppedAt;
      t.ok(took >= LEASE_MS - RETRY_MS, `takeover ${took} ms after A stopped (lease ${LEASE_MS} ms)`);
      t.ok(
        took <= LEASE_MS + RETRY_MS * (1 + JITTER) + 1000,
        `takeover within lease + jittered retry (${took} ms)`,
      );
      lease = await readLease('le-test');
      t.equal(lease.spec?.holderIdentity, 'hostB_2');
      t.equal(lease.spec?.leaseTransitions, 1, 'leaseTransitions incremented');
      // graceful stop of B: release
      const c = candidate('hostC_3', false);
      await new Promise((r) => setTimeout(r, RETRY_MS));
      const releasedAt = Date.now();
      b.ac.abort();
      t.equal(await b.done, 'cancelled');
      lease = await readLease('le-test');
      t.equal(lease.spec?.holderIdentity ?? '', '', 'released: empty holder');
      t.equal(lease.spec?.leaseDurationSeconds, 1, 'released: 1 s');
      await until('C leads', 5000, async () => c.el.isLeader());
      t.ok(
        Date.now() - releasedAt < RETRY_MS * (1 + JITTER) + 1000,
        `C took over ${Date.now() - releasedAt} ms after release`,
      );
      t.equal((await readLease('le-test')).spec?.leaseTransitions, 2);
      c.ac.abort();
      await c.done;
    },
  );

  const leFlags = (host: string) => leaderElectArgs(api.kubeconfigPath, host);
  const holder = async (name: string) => (await readLease(name)).spec?.holderIdentity ?? '';

  await t.test(
    'scheduler processes: SIGTERM releases, standby takes over within ~a retry period',
    async (t) => {
      const s1 = await spawnComponent(t, 'scheduler/main.ts', leFlags('cp1'));
      await until('cp1 scheduler leads', 15_000, async () =>
        (await holder('kube-scheduler')).startsWith('cp1_'),
      );
      const s2 = await spawnComponent(t, 'scheduler/main.ts', leFlags('cp2'));
      await until('cp2 scheduler starts', 15_000, async () =>
        s2.out.join('').includes('leader election candidate'),
      );
      const before = await readLease('kube-scheduler');
      const t0 = Date.now();
      s1.child.kill('SIGTERM');
      t.equal(await s1.exited, 0, 'exits 0 on SIGTERM');
      t.match(s1.out.join(''), /released leader lease/);
      await until('cp2 scheduler leads', 10_000, async () =>
        (await holder('kube-scheduler')).startsWith('cp2_'),
      );
      const took = Date.now() - t0;
      t.ok(took < 1000 + RETRY_MS * (1 + JITTER) + 1000, `takeover ${took} ms after SIGTERM`);
      const after = await readLease('kube-scheduler');
      t.equal(after.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
      await expectLog(t, s2, /\d{4}-\d\d-\d\dT[\d:.]+Z kube-scheduler\[cp2\] started leading/);
      s2.child.kill('SIGKILL');
      await s2.exited;
    },
  );
});
