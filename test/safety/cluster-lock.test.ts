/**
 * The cluster lock (src/safety/cluster-lock.ts) with its real sh script, on the fake target's
 * three control planes, each a temp directory of its own (test/safety/lock-target.ts): one of
 * two racing drills wins; an expired lock is taken over; only the holder releases or renews;
 * a majority of the control planes is needed; values reach the file verbatim.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runLocal } from '../../src/executors/local.ts';
import {
  acquireClusterLock,
  LOCK_SCRIPT,
  lockArgv,
  parseLockOutput,
  releaseClusterLock,
  renewClusterLock,
} from '../../src/safety/cluster-lock.ts';
import { TargetError } from '../../src/util/errors.ts';
import { CPS } from '../faults/fake-target.ts';
import { lockTarget } from './lock-target.ts';

const fields = (file: string) =>
  Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

const nowS = () => Math.floor(Date.now() / 1000);

t.test('taken on every control plane: holder, token and times in a 0600 file in a 0700 dir', async (t) => {
  const target = lockTarget();
  const before = nowS();
  const lock = await acquireClusterLock(target, {
    token: 'aaa',
    holder: 'ann@m1 pid 1 drill d1 (etcd-partition)',
    ttlS: 1800,
  });
  t.same(lock.hosts, CPS);
  t.same(lock.unreachable, []);
  t.same(lock.replaced, []);
  for (const h of CPS) {
    const f = fields(target.file(h));
    t.equal(f.token, 'aaa');
    t.equal(f.holder, 'ann@m1 pid 1 drill d1 (etcd-partition)');
    t.ok(Number(f.started) >= before && Number(f.started) <= nowS(), 'started: the host clock now');
    t.equal(Number(f.expires) - Number(f.started), 1800, 'expires: started + ttl');
    t.equal(fs.statSync(target.file(h)).mode & 0o777, 0o600);
    t.equal(fs.statSync(path.dirname(target.file(h))).mode & 0o777, 0o700);
    t.notOk(fs.existsSync(`${target.file(h)}.mutex`), 'the mutex is gone');
  }
  t.equal(Date.parse(lock.expiresAt!) / 1000 - before >= 1800, true);
  t.equal(target.runs.get('lb1'), undefined, 'only control planes carry it');
});

t.test(
  'a second drill exits 3 naming the holder, start and expiry, and leaves the lock as it was',
  async (t) => {
    const target = lockTarget();
    await acquireClusterLock(target, { token: 'aaa', holder: 'ann@m1 pid 1 drill d1', ttlS: 600 });
    const before = fs.readFileSync(target.file('cp1'), 'utf8');
    const err = await acquireClusterLock(target, {
      token: 'bbb',
      holder: 'bob@m2 pid 2 drill d2',
      ttlS: 600,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof TargetError, 'a target error');
    t.equal((err as TargetError).exitCode, 3);
    const msg = (err as Error).message;
    t.match(
      msg,
      /another drill holds fake: ann@m1 pid 1 drill d1, since \d{4}-\d\d-\d\dT[\d:.]+Z, expires \d{4}-/,
    );
    t.match(msg, /lock \/var\/lib\/ha-drill\/drill\.lock on cp1/);
    t.match(
      msg,
      /npm run drill -- recover.*remove \/var\/lib\/ha-drill\/drill\.lock as root on cp1, cp2, cp3/,
    );
    t.equal(fs.readFileSync(target.file('cp1'), 'utf8'), before);
    for (const h of CPS) t.equal(fields(target.file(h)).token, 'aaa', `${h} still the first drill's`);
    t.equal(target.runs.get('cp2'), 1, 'the second drill stopped at the first host held');
  },
);

t.test('two drills racing for the cluster: exactly one wins, every time', async (t) => {
  for (let round = 0; round < 5; round++) {
    const target = lockTarget();
    const results = await Promise.allSettled([
      acquireClusterLock(target, { token: 'aaa', holder: 'a', ttlS: 600 }),
      acquireClusterLock(target, { token: 'bbb', holder: 'b', ttlS: 600 }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    t.equal(won.length, 1, `round ${round}: one winner`);
    const winner = (won[0] as PromiseFulfilledResult<{ token: string }>).value.token;
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    t.match(String(loser.reason), /another drill holds fake/);
    for (const h of CPS)
      t.equal(fields(target.file(h)).token, winner, `round ${round}: ${h} is the winner's`);
  }
});

t.test('the script alone: of twelve acquires of one file started together, one takes it', async (t) => {
  for (let round = 0; round < 2; round++) {
    const target = lockTarget();
    const file = target.file('cp1');
    // Each blocks opening a FIFO for reading, then runs the script: the first writer to open it
    // lets every blocked reader go at once (latecomers are let go by the next open).
    const go = path.join(target.root, 'go');
    t.equal((await runLocal(['mkfifo', go])).code, 0);
    const barrier = ['sh', '-c', 'cat "$1" >/dev/null; shift; exec "$@"', 'barrier', go];
    let finished = false;
    const running = Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runLocal([...barrier, ...lockArgv('acquire', file, `t${i}`, 60, `h${i}`)]),
      ),
    ).finally(() => {
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    while (!finished) {
      try {
        fs.closeSync(fs.openSync(go, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // no reader blocked right now
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const answers = await running;
    const states = answers.map((a) => parseLockOutput('cp1', a.stdout));
    t.same(
      answers.map((a) => a.code),
      Array(12).fill(0),
    );
    t.equal(states.filter((s) => s.status === 'taken').length, 1, `round ${round}: one taken`);
    t.equal(states.filter((s) => s.status === 'held').length, 11, `round ${round}: the others see it held`);
    const winner = states.find((s) => s.status === 'taken')!;
    t.equal(fields(file).token, 'info' in winner ? winner.info.token : '', 'the file is the winner’s');
  }
});

t.test('an expired lock is stale: taken over, its holder said', async (t) => {
  const target = lockTarget();
  for (const h of CPS) {
    fs.mkdirSync(path.dirname(target.file(h)), { recursive: true, mode: 0o700 });
    fs.writeFileSync(target.file(h), 'token=old\nholder=gone@m0 pid 9\nstarted=1000\nexpires=2000\n', {
      mode: 0o600,
    });
  }
  const lock = await acquireClusterLock(target, { token: 'new', holder: 'me', ttlS: 60 });
  t.same(lock.hosts, CPS);
  t.same(
    lock.replaced.map((r) => [r.host, r.info.holder, r.info.expiresAt]),
    CPS.map((h) => [h, 'gone@m0 pid 9', '1970-01-01T00:33:20.000Z']),
  );
  for (const h of CPS) t.equal(fields(target.file(h)).token, 'new');
});

t.test('a lock that has not expired yet is not stale', async (t) => {
  const target = lockTarget();
  fs.mkdirSync(path.dirname(target.file('cp1')), { recursive: true });
  fs.writeFileSync(target.file('cp1'), `token=old\nholder=alive\nstarted=1000\nexpires=${nowS() + 30}\n`);
  await t.rejects(
    acquireClusterLock(target, { token: 'new', holder: 'me', ttlS: 60 }),
    /another drill holds fake: alive/,
  );
  t.equal(fields(target.file('cp1')).token, 'old');
});

t.test('release: only the holder removes it; another token is refused; twice is harmless', async (t) => {
  const target = lockTarget();
  const lock = await acquireClusterLock(target, { token: 'aaa', holder: 'a', ttlS: 600 });
  const other = await releaseClusterLock(target.executor, { ...lock, token: 'zzz' });
  t.same(
    other.map((s) => s.status),
    ['not-ours', 'not-ours', 'not-ours'],
  );
  for (const h of CPS) t.ok(fs.existsSync(target.file(h)), `${h} still locked`);
  t.same(
    (await releaseClusterLock(target.executor, lock)).map((s) => s.status),
    ['released', 'released', 'released'],
  );
  for (const h of CPS) t.notOk(fs.existsSync(target.file(h)), `${h} unlocked`);
  t.same(
    (await releaseClusterLock(target.executor, lock)).map((s) => s.status),
    ['absent', 'absent', 'absent'],
  );
});

t.test(
  'renew: the holder extends the expiry and keeps the start; anyone else is told it is lost',
  async (t) => {
    const target = lockTarget();
    const lock = await acquireClusterLock(target, { token: 'aaa', holder: 'a', ttlS: 60 });
    const first = fields(target.file('cp2'));
    const states = await renewClusterLock(target.executor, lock, 7200);
    t.same(
      states.map((s) => s.status),
      ['taken', 'taken', 'taken'],
    );
    const after = fields(target.file('cp2'));
    t.equal(after.started, first.started, 'start kept');
    t.ok(Number(after.expires) >= nowS() + 7199, 'expiry moved to now + ttl');
    const lost = await renewClusterLock(target.executor, { ...lock, token: 'zzz' }, 7200);
    t.same(
      lost.map((s) => s.status),
      ['lost', 'lost', 'lost'],
    );
    t.equal(fields(target.file('cp2')).token, 'aaa');
  },
);

t.test('a majority of the control planes is needed, and is enough', async (t) => {
  const target = lockTarget();
  target.down.add('cp1');
  const lock = await acquireClusterLock(target, { token: 'aaa', holder: 'a', ttlS: 60 });
  t.same(lock.hosts, ['cp2', 'cp3']);
  t.same(
    lock.unreachable.map((u) => u.host),
    ['cp1'],
  );
  t.match(lock.unreachable[0]?.why, /Connection refused/);
  // A second drill that reaches only cp1 and cp3 still meets the first one on cp3.
  target.down.delete('cp1');
  target.down.add('cp2');
  await t.rejects(
    acquireClusterLock(target, { token: 'bbb', holder: 'b', ttlS: 60 }),
    /another drill holds fake: a/,
  );
  t.notOk(fs.existsSync(target.file('cp1')), 'cp1, taken on the way, released again');

  const lone = lockTarget();
  lone.down.add('cp1');
  lone.down.add('cp2');
  const err = await acquireClusterLock(lone, { token: 'ccc', holder: 'c', ttlS: 60 }).catch((e: Error) => e);
  t.equal((err as TargetError).exitCode, 3);
  t.match(
    (err as Error).message,
    /1 of 3 control-plane hosts took the lock, 2 needed \(cp1: ssh: .*refused; cp2:/,
  );
  t.notOk(fs.existsSync(lone.file('cp3')), 'the one host taken is released again');
});

t.test('values reach the file verbatim, never run by the shell', async (t) => {
  const target = lockTarget();
  const marker = path.join(target.root, 'ran');
  const holder = `it's "me" $(touch ${marker}) \`touch ${marker}\`; x\nline2`;
  await acquireClusterLock(target, { token: 'aaa', holder, ttlS: 60 });
  t.equal(fields(target.file('cp1')).holder, holder.replace('\n', '?'), 'one line, otherwise as given');
  t.notOk(fs.existsSync(marker), 'nothing in it was executed');
  t.match(
    LOCK_SCRIPT,
    /^set -u\nop=\$1 lock=\$2 token=\$3 ttl=\$4 holder=\$5\n/,
    'values only as positional parameters',
  );
});

t.test('a mutex left by a killed lock command is broken after 30 s, a fresh one is waited for', async (t) => {
  const target = lockTarget();
  const file = target.file('cp1');
  fs.mkdirSync(`${file}.mutex`, { recursive: true });
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(`${file}.mutex`, old, old);
  const r = await runLocal(lockArgv('acquire', file, 'aaa', 60, 'a'));
  t.equal(parseLockOutput('cp1', r.stdout).status, 'taken', r.stderr);

  const busy = lockTarget().file('cp1');
  fs.mkdirSync(`${busy}.mutex`, { recursive: true });
  const waiting = runLocal(lockArgv('acquire', busy, 'bbb', 60, 'b'));
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(fs.existsSync(busy), 'not taken while another command holds the mutex');
  fs.rmSync(`${busy}.mutex`, { recursive: true });
  t.equal(parseLockOutput('cp1', (await waiting).stdout).status, 'taken');
});

t.test("a mutex whose holder was killed is broken after 2 s, not 30; a live holder's never", async (t) => {
  // The torture test's kill while the lock was being taken left cp3's mutex behind, and recover
  // (which waits 10 s at most) could not release the lock there: the next drills found it held.
  const dead = lockTarget().file('cp1');
  fs.mkdirSync(`${dead}.mutex`, { recursive: true });
  const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim(); // a pid that has exited
  fs.writeFileSync(`${dead}.mutex/pid`, `${gone}\n`);
  const twoAgo = new Date(Date.now() - 3000);
  fs.utimesSync(`${dead}.mutex`, twoAgo, twoAgo);
  const t0 = Date.now();
  const r = await runLocal(lockArgv('acquire', dead, 'ccc', 60, 'c'));
  t.equal(parseLockOutput('cp1', r.stdout).status, 'taken', r.stderr);
  t.ok(Date.now() - t0 < 5000, `taken in ${Date.now() - t0} ms`);

  const live = lockTarget().file('cp1');
  fs.mkdirSync(`${live}.mutex`, { recursive: true });
  fs.writeFileSync(`${live}.mutex/pid`, `${process.pid}\n`);
  fs.utimesSync(`${live}.mutex`, twoAgo, twoAgo);
  const waiting = runLocal(lockArgv('acquire', live, 'ddd', 60, 'd'));
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(fs.existsSync(live), 'a live holder (this process) is waited for');
  fs.rmSync(`${live}.mutex`, { recursive: true });
  t.equal(parseLockOutput('cp1', (await waiting).stdout).status, 'taken');
});

t.test('an unusable lock directory is an error, not a lock', async (t) => {
  const target = lockTarget();
  fs.mkdirSync(path.join(target.root, 'cp1', 'var', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(target.root, 'cp1', 'var', 'lib', 'ha-drill'), 'a file');
  const r = await runLocal(lockArgv('acquire', target.file('cp1'), 'aaa', 60, 'a'));
  t.equal(r.code, 5);
  t.match(r.stderr, /cannot create .*ha-drill/);
});
