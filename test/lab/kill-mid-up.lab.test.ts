/**
 * The lab CLI killed with SIGKILL in the middle of `up`: `down` leaves nothing behind (no
 * namespace, link, process), and a later `up` finishes the job. Real processes, as root.
 * npm test runs this file first (it starts from no lab) and leaves the healthy lab it completed
 * for the files after it; test/lab/down.lab.test.ts, last, takes a complete lab down.
 */
// hadrill-test: lab first (npm test runs this file before the others: it leaves the default lab up)
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { defaultStateDir } from '../../src/lab/config.ts';
import { down } from '../../src/lab/lab.ts';
import { listNetns } from '../../src/lab/network.ts';
import { sleep, waitFor } from '../../src/util/time.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { holdLabLock, nothingOfTheLabLeft } from '../helpers/lab.ts';

const lab = (...args: string[]) =>
  runCli('lab', args, { timeoutMs: 120_000 }).then((r) => ({
    ...r,
    out: r.stdout + r.stderr,
  }));

await holdLabLock(t);
await down();
// Under npm test (HADRILL_TEST_KEEP_LAB=1) the lab the last test completed stays up for the next
// file, if it is healthy (test/helpers/lab.ts reuses only a lab in steady state).
t.teardown(async () => {
  if (process.env.HADRILL_TEST_KEEP_LAB !== '1') await down();
});

async function killMidUp(t: Test, afterMs: number): Promise<void> {
  const child = spawnCli('lab', ['up', '--preset', 'fast'], { stdio: 'ignore' });
  // Wait until the run is visibly under way (its state dir exists), then a bit more.
  await waitFor(async () => (fs.existsSync(defaultStateDir()) ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 20,
    what: 'lab up to start',
  });
  await sleep(afterMs);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.pass(`lab CLI killed ${afterMs} ms into up`);
}

t.test('bad input: unknown command and bad flag values exit 2 and say what to fix', async (t) => {
  const unknown = await lab('upp');
  t.equal(unknown.code, 2);
  t.match(
    unknown.stderr,
    /unknown lab command 'upp': use up, down, status, kubeconfig, stop, start or inventory/,
  );
  const workers = await lab('up', '--workers', '9');
  t.equal(workers.code, 2);
  t.match(workers.stderr, /--workers must be a whole number from 1 to 3/);
  const members = await lab('up', '--etcd-members', '4');
  t.equal(members.code, 2);
  t.match(members.stderr, /--etcd-members must be 3 or 5 \(an odd number of etcd members/);
  const lbs = await lab('up', '--lbs', '3');
  t.equal(lbs.code, 2);
  t.match(lbs.stderr, /--lbs must be 1 \(haproxy alone, a single point of failure\) or 2/);
  const preset = await lab('up', '--preset', 'turbo');
  t.equal(preset.code, 2);
  t.match(preset.stderr, /--preset must be one of seeds, fast/);
  const check = await lab('up', '--lb-check', 'tcp');
  t.equal(check.code, 2);
  t.match(check.stderr, /readyz.*guide/, 'names the health checks to choose from');
  t.same(await listNetns('hadr'), [], 'bad input changed nothing');
  const status = await lab('status');
  t.equal(status.code, 3, 'status without a lab is a target error');
  t.match(status.stderr, /no lab is up.*npm run lab -- up/);
});

t.test('killed mid-up, then down: nothing is left', async (t) => {
  await killMidUp(t, 1200);
  const res = await lab('down');
  t.equal(res.code, 0, 'lab down succeeds');
  if (res.code !== 0) t.comment(res.out);
  t.match(res.stdout, /lab down in [\d.]+ s/);
  await nothingOfTheLabLeft(t);
  const again = await lab('down');
  t.equal(again.code, 0, 'down on an already removed lab succeeds');
});

t.test('killed mid-up, then up again: the lab completes and is healthy', async (t) => {
  await killMidUp(t, 800);
  const res = await lab('up', '--preset', 'fast');
  t.equal(res.code, 0, 'lab up completes');
  if (res.code !== 0) t.comment(res.out);
  t.match(res.stdout, /healthy/);
  const st = await lab('status', '--json');
  t.equal(st.code, 0, 'status exits 0');
  const status = JSON.parse(st.stdout) as { problems: string[]; vipHolders: string[]; etcdLeader?: string };
  t.same(status.problems, []);
  t.equal(status.vipHolders.length, 1);
  t.ok(status.etcdLeader);
  // haproxy starts once every apiserver is ready (src/lab/components.ts): its first checks pass,
  // so no backend went DOWN and waited for `rise` good checks (which delayed the kubelets'
  // registration by one backoff step, 3–4 s).
  t.match(res.stderr, /every apiserver ready for haproxy at [\d.]+ s/);
  for (const lb of ['lb1', 'lb2']) {
    const log = fs.readFileSync(path.join(defaultStateDir(), lb, 'haproxy.log'), 'utf8');
    const run = log.slice(log.lastIndexOf('\n--- ') + 1);
    t.match(run, /^--- \S+ start haproxy/, `${lb}: haproxy's last start`);
    t.notMatch(run, /Server apiserverbackend\/\S+ is DOWN/, `${lb}: no backend DOWN since haproxy started`);
  }
  const clash = await lab('up', '--preset', 'seeds');
  t.equal(clash.code, 2, 'a different preset over a running lab is a user error');
  t.match(clash.stderr, /run 'npm run lab -- down' before/);
  const five = await lab('up', '--preset', 'fast', '--etcd-members', '5');
  t.equal(five.code, 2, 'five members over a running three-member lab is a user error');
  t.match(
    five.stderr,
    /already up with preset 'fast', 3 stacked etcd members, 2 LB\(s\).*with 5 stacked etcd members/,
  );
});
