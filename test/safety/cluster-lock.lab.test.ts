/**
 * The cluster lock on the real lab (src/safety/cluster-lock.ts, src/cli/lock.ts): the script
 * runs inside each control plane (nsenter) and the file lands in each host's own /run/hadrill; a
 * second holder is refused; the Lease kube-system/ha-drill is created, renewed and deleted by
 * the lab's apiserver as upstream's would (POST, PUT with resourceVersion, DELETE with
 * preconditions); a drill started while another holds the cluster exits 3 before any fault.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hostsByRole } from '../../src/lab/config.ts';
import { hostPath } from '../../src/lab/host.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { acquireClusterLock, releaseClusterLock } from '../../src/safety/cluster-lock.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import { deleteLockLease, LOCK_LEASE, writeLockLease } from '../../src/safety/lock-lease.ts';
import { runCli } from '../helpers/cli.ts';
import { labForTest } from '../helpers/lab.ts';

const cfg = await labForTest(t, 'fast');
const target = new LabTarget(cfg);
t.teardown(() => target.close());
const cps = hostsByRole(cfg, 'control-plane').map((h) => h.name);
const file = (host: string) => hostPath(cfg.stateDir, host, '/run/hadrill/drill.lock');

t.test('taken in every control plane’s own /run/hadrill, refused to a second holder, released', async (t) => {
  const started = performance.now();
  const lock = await acquireClusterLock(target, { token: 'lab-a', holder: 'lab test A', ttlS: 300 });
  t.comment(`acquired on ${cps.length} hosts in ${(performance.now() - started).toFixed(0)} ms`);
  t.same(lock.hosts, cps);
  for (const h of cps) {
    t.match(fs.readFileSync(file(h), 'utf8'), /^token=lab-a\nholder=lab test A\n/);
    t.equal(fs.statSync(file(h)).mode & 0o777, 0o600);
  }
  await t.rejects(acquireClusterLock(target, { token: 'lab-b', holder: 'lab test B', ttlS: 300 }), {
    exitCode: 3,
    message: /another drill holds .*: lab test A, since/,
  });
  const released = await releaseClusterLock(target.executor, lock);
  t.same(
    released.map((s) => s.status),
    cps.map(() => 'released'),
  );
  for (const h of cps) t.notOk(fs.existsSync(file(h)), `${h} unlocked`);
});

t.test('the Lease: created, renewed by the same holder, deleted only by it', async (t) => {
  const kube = new KubeAccess(target.topology.kubeconfigPath);
  const api = target.topology.apiUrl;
  const url = `${api}/apis/coordination.k8s.io/v1/namespaces/${LOCK_LEASE.namespace}/leases/${LOCK_LEASE.name}`;
  const holder = async () => {
    const r = await kube.get(url, { timeoutMs: 3000, keepBody: true });
    return r.status === 404 ? null : (JSON.parse(r.body ?? '{}').spec?.holderIdentity as string);
  };
  t.equal(await writeLockLease(kube, api, 'lab test A', 300), undefined, 'created');
  t.equal(await holder(), 'lab test A');
  t.equal(
    await writeLockLease(kube, api, 'lab test A', 300),
    undefined,
    'renewed (PUT with resourceVersion)',
  );
  t.equal(await deleteLockLease(kube, api, 'lab test B'), 'the Lease names lab test A');
  t.equal(await holder(), 'lab test A', 'not deleted by another holder');
  t.equal(await deleteLockLease(kube, api, 'lab test A'), undefined);
  t.equal(await holder(), null, 'gone');
});

t.test(
  'a drill while another holds the cluster: exit 3 naming it, no fault, its lock untouched',
  async (t) => {
    const lock = await acquireClusterLock(target, {
      token: 'other',
      holder: 'someone@elsewhere pid 1',
      ttlS: 600,
    });
    t.teardown(() => releaseClusterLock(target.executor, lock).then(() => {}));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-lock-lab-'));
    t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const journal = path.join(tmp, 'journal.jsonl');
    // The drill (a child process) journals into a file of this test's own.
    const saved = process.env.HADRILL_JOURNAL;
    process.env.HADRILL_JOURNAL = journal;
    t.teardown(() => {
      if (saved === undefined) delete process.env.HADRILL_JOURNAL;
      else process.env.HADRILL_JOURNAL = saved;
    });
    const r = await runCli('drill', ['apiserver-kill', '--report-dir', path.join(tmp, 'reports')], {
      timeoutMs: 120_000,
    });
    t.equal(r.code, 3, r.stderr);
    t.match(
      r.stderr,
      /another drill holds .*: someone@elsewhere pid 1, since .* \/run\/hadrill\/drill\.lock on cp/,
    );
    t.same(new HealJournal(journal).entries(), [], 'no fault journaled');
    t.same(new HealJournal(journal).heldLocks(), [], 'its own lock entry closed');
    t.notOk(fs.existsSync(path.join(tmp, 'reports')), 'no report');
    for (const h of cps)
      t.match(fs.readFileSync(file(h), 'utf8'), /^token=other\n/, `${h} still the other's`);
  },
);
