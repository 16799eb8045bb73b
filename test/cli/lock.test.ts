/**
 * The drill's hold on its cluster (src/cli/lock.ts) and `recover` releasing a killed drill's
 * lock (src/safety/recover.ts releaseLeftLocks), on the fake target running the real lock script
 * (test/safety/lock-target.ts): journaled before it is taken, renewed by a loop that stops, released
 * after the heal or kept while a fault is pending, the Lease written and deleted best effort.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { holdClusterLock, lockPlanLine } from '../../src/cli/lock.ts';
import type { HttpResult, KubeAccess } from '../../src/probes/kube.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import { releaseLeftLocks } from '../../src/safety/recover.ts';
import { CPS } from '../faults/fake-target.ts';
import { testTmp } from '../helpers/temp.ts';
import { lockTarget } from '../safety/lock-target.ts';

const REF = { kind: 'lab', stateDir: '/x' } as const;
const journal = () => new HealJournal(path.join(testTmp('lockj-'), 'j.jsonl'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = (file: string) => /^token=(.*)$/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
const expires = (file: string) => Number(/^expires=(\d+)$/m.exec(fs.readFileSync(file, 'utf8'))?.[1]);

/** An API that answers every request with `status` (a GET with a Lease) and records the methods. */
function kube(status: number) {
  const methods: string[] = [];
  const k: Pick<KubeAccess, 'request'> = {
    async request(method) {
      methods.push(method);
      const body =
        method === 'GET' ? JSON.stringify({ metadata: { resourceVersion: '1' }, spec: {} }) : undefined;
      return { ok: status < 300, status, latencyMs: 1, ...(body ? { body } : {}) } as HttpResult;
    },
  };
  return { k, methods };
}

t.test('journaled, taken, released after the heal; the Lease written and deleted', async (t) => {
  const target = lockTarget();
  const j = journal();
  const lines: string[] = [];
  const api = kube(404);
  // Read before the lock is taken: a slow machine may take seconds to reach the check below.
  const takenFrom = Math.floor(Date.now() / 1000);
  const held = await holdClusterLock({
    target,
    kube: api.k,
    journal: j,
    ref: REF,
    scenarios: ['etcd-partition'],
    deadlineMs: 20 * 60_000,
    log: (l) => lines.push(l),
  });
  t.match(
    held.lock.holder,
    new RegExp(`^.+@${os.hostname()} pid ${process.pid} drill \\S+ \\(etcd-partition\\)$`),
  );
  t.same(
    j.heldLocks().map((e) => [e.lock.token, e.lock.hosts, e.target]),
    [[held.lock.token, CPS, REF]],
  );
  t.same(j.entries(), [], 'not a fault entry');
  for (const h of CPS) t.equal(token(target.file(h)), held.lock.token);
  // ttl = deadline + margin: the lock outlives the deadline by the heal's margin.
  t.ok(
    expires(target.file('cp1')) >= takenFrom + 20 * 60 + 600,
    'expires no earlier than the deadline + the margin from when it was taken',
  );
  t.match(
    lines.join('\n'),
    /cluster lock taken on cp1, cp2, cp3 \(\/var\/lib\/ha-drill\/drill\.lock, expires 20/,
  );
  await held.end();
  for (const h of CPS) t.notOk(fs.existsSync(target.file(h)), `${h} unlocked`);
  t.same(j.heldLocks(), [], 'marked released');
  t.match(lines.at(-1), /cluster lock released on cp1, cp2, cp3/);
  t.same(
    api.methods,
    ['GET', 'POST', 'GET'],
    'Lease: read, created; read at release (gone: nothing to delete)',
  );
});

t.test('a fault still pending: the lock stays for recover, which releases it by its token', async (t) => {
  const target = lockTarget();
  const j = journal();
  const lines: string[] = [];
  const held = await holdClusterLock({
    target,
    journal: j,
    ref: REF,
    scenarios: ['lb-stop'],
    deadlineMs: 60_000,
    log: (l) => lines.push(l),
  });
  j.begin({ id: 'f1', scenario: 'lb-stop', target: REF, fault: 'link-down', summary: 'lb1 down', heal: [] });
  await held.end();
  t.match(
    lines.at(-1),
    /cluster lock kept \(expires .*\): a fault is still pending; 'npm run drill -- recover' heals it/,
  );
  for (const h of CPS) t.equal(token(target.file(h)), held.lock.token, `${h} still locked`);
  t.equal(j.heldLocks().length, 1);

  // recover: the fault healed, then the lock goes; another drill's lock on a host is left alone.
  j.done('f1', 'recover');
  fs.writeFileSync(target.file('cp3'), 'token=other\nholder=bob\nstarted=1\nexpires=9999999999\n');
  const said: string[] = [];
  const r = await releaseLeftLocks(
    j,
    async () => ({ kind: 'open', target }),
    (l) => said.push(l),
  );
  t.same(r, { released: 1, left: 0 });
  t.notOk(fs.existsSync(target.file('cp1')));
  t.equal(token(target.file('cp3')), 'other', "another drill's lock untouched");
  t.match(said.join('\n'), /cp3: the lock there is no longer ours \(bob/);
  t.match(
    said.join('\n'),
    /released the cluster lock of .* \(\/var\/lib\/ha-drill\/drill\.lock on cp1, cp2, cp3\)/,
  );
  t.same(j.heldLocks(), []);
  j.compact();
  t.same(j.heldLocks(), [], 'compaction keeps nothing released');
});

t.test('recover with a host unreachable: the lock entry stays for the next recover', async (t) => {
  const target = lockTarget();
  const j = journal();
  await holdClusterLock({
    target,
    journal: j,
    ref: REF,
    scenarios: ['x'],
    deadlineMs: 60_000,
    log: () => {},
  });
  target.down.add('cp2');
  const said: string[] = [];
  t.same(
    await releaseLeftLocks(
      j,
      async () => ({ kind: 'open', target }),
      (l) => said.push(l),
    ),
    { released: 0, left: 1 },
  );
  t.match(said.join('\n'), /cp2: ssh: .*refused/);
  t.equal(j.heldLocks().length, 1);
  j.compact();
  t.equal(j.heldLocks().length, 1, 'compaction keeps a held lock');
  target.down.delete('cp2');
  t.same(await releaseLeftLocks(j, async () => ({ kind: 'open', target })), { released: 1, left: 0 });
});

t.test('refused by another drill: exit 3, and the journal entry is closed', async (t) => {
  const target = lockTarget();
  const first = await holdClusterLock({
    target,
    journal: journal(),
    ref: REF,
    scenarios: ['a'],
    deadlineMs: 60_000,
    log: () => {},
  });
  const j = journal();
  await t.rejects(
    holdClusterLock({ target, journal: j, ref: REF, scenarios: ['b'], deadlineMs: 60_000, log: () => {} }),
    {
      exitCode: 3,
      message: new RegExp(`another drill holds fake: ${first.lock.holder.replace(/[()]/g, '\\$&')}`),
    },
  );
  t.same(j.heldLocks(), []);
});

t.test(
  'renewed while the drill runs: the expiry follows now + ttl, the Lease too; stops at end',
  async (t) => {
    const target = lockTarget();
    const api = kube(200);
    const held = await holdClusterLock({
      target,
      kube: api.k,
      journal: journal(),
      ref: REF,
      scenarios: ['x'],
      deadlineMs: 0,
      marginS: 5,
      renewEveryMs: 50,
      log: () => {},
    });
    const first = expires(target.file('cp1'));
    const runs = target.runs.get('cp1') ?? 0;
    await sleep(1300);
    // Each renewal runs the lock script on every host: under load (the unit lane runs at nice 19
    // beside the lab) a round can take longer than its period, so wait for them, bounded.
    const puts = () => api.methods.filter((m) => m === 'PUT').length;
    for (let until = Date.now() + 15_000; Date.now() < until; await sleep(50))
      if ((target.runs.get('cp1') ?? 0) > runs + 3 && puts() >= 3) break;
    t.ok(expires(target.file('cp1')) > first, 'expiry moved on');
    t.ok((target.runs.get('cp1') ?? 0) > runs + 3, 'several renewals');
    t.ok(puts() >= 3, 'the Lease renewed');
    await held.end();
    const after = target.runs.get('cp1');
    await sleep(200);
    t.equal(target.runs.get('cp1'), after, 'no renewal after the end');
  },
);

t.test('the renewal stops by itself past the deadline plus its limit, and says so', async (t) => {
  const target = lockTarget();
  const lines: string[] = [];
  const held = await holdClusterLock({
    target,
    journal: journal(),
    ref: REF,
    scenarios: ['x'],
    deadlineMs: 100,
    marginS: 5,
    renewEveryMs: 50,
    renewLimitMs: 200,
    log: (l) => lines.push(l),
  });
  await sleep(600);
  const stopped = target.runs.get('cp1');
  await sleep(300);
  t.equal(target.runs.get('cp1'), stopped, 'no renewal after the limit');
  t.match(
    lines.join('\n'),
    /cluster lock no longer renewed \(the drill ran far past its deadline\); it expires in 5 s/,
  );
  await held.end();
  t.notOk(fs.existsSync(target.file('cp1')), 'still released at the end');
});

t.test('the plan names the file, the hosts and the Lease', async (t) => {
  t.equal(
    lockPlanLine(lockTarget()),
    'lock: /var/lib/ha-drill/drill.lock on cp1, cp2, cp3 (a majority must take it; a drill holding it makes this one exit 3), Lease kube-system/ha-drill for visibility; released after the verified heal',
  );
});

t.test(
  'recover: a lock taken with --insecure-ignore-host-keys is released only when asked again',
  async (t) => {
    const { recoverCommand } = await import('../../src/cli/safety.ts');
    const j = journal();
    j.lockTaken({
      id: 'lock-1',
      target: { kind: 'ssh', inventory: '/nonexistent/inventory.yaml', insecureHostKeys: true },
      lock: { token: 't', path: '/var/lib/ha-drill/drill.lock', hosts: ['cp1'], holder: 'ann@m1' },
    });
    const said: string[] = [];
    t.equal(await recoverCommand(j, (l) => said.push(l)), 0);
    t.match(said.join('\n'), /nothing to recover: the heal journal has no pending fault/);
    t.match(
      said.join('\n'),
      /cluster lock of ann@m1: cannot reach the target: it was taken with --insecure-ignore-host-keys: run 'npm run drill -- recover --insecure-ignore-host-keys'/,
    );
    t.equal(j.heldLocks().length, 1, 'still journaled');
  },
);
