/**
 * The ssh executor's session slots (src/executors/ssh.ts), against a stand-in ssh2 client whose
 * remote sessions close only when the test says: a command that timed out keeps its slot until
 * the host has closed its session, so a probe can never pile up more remote commands on a slow
 * host than the limit; waiting for a slot counts against the command's timeout; a closed
 * connection frees its slots.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'ssh2';
import t from 'tap';
import { SshExecutor } from '../../src/executors/ssh.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-sshsess-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const key = path.join(dir, 'id');
fs.writeFileSync(key, 'not read by the stand-in client');

/** A remote session that ends when `finish` is called (a signal or a close from us does not end it). */
class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  signals: string[] = [];
  closeAsked = false;
  signal(s: string): void {
    this.signals.push(s);
  }
  close(): void {
    this.closeAsked = true;
  }
  end(): void {}
  finish(code = 0, out = ''): void {
    if (out) this.emit('data', Buffer.from(out));
    this.emit('exit', code);
    this.emit('close');
  }
}

class FakeClient extends EventEmitter {
  readonly channels: FakeChannel[] = [];
  connect(): void {
    setImmediate(() => this.emit('ready'));
  }
  exec(_cmd: string, cb: (err: Error | undefined, ch: FakeChannel) => void): void {
    const ch = new FakeChannel();
    this.channels.push(ch);
    setImmediate(() => cb(undefined, ch));
  }
  end(): void {
    this.emit('close');
  }
}

function executor(maxSessions: number) {
  const client = new FakeClient();
  const ex = new SshExecutor(
    [
      {
        name: 'lb1',
        address: '198.18.0.21',
        port: 22,
        user: 'root',
        keyPath: key,
        sudo: false,
        knownHostsPath: key,
      },
    ],
    { insecureIgnoreHostKeys: true, maxSessions, newClient: () => client as unknown as Client },
  );
  return { ex, client };
}

t.test('a timed-out command holds its slot until the host closes its session', async (t) => {
  const { ex, client } = executor(2);
  const slow = await Promise.all([1, 2].map(() => ex.exec('lb1', ['ip', 'addr'], { timeoutMs: 100 })));
  t.same(
    slow.map((r) => r.timedOut),
    [true, true],
    'both timed out',
  );
  t.same(
    client.channels.map((c) => c.signals),
    [['KILL'], ['KILL']],
    'each was sent KILL',
  );
  t.equal(ex.openSessions('lb1'), 2, 'their sessions still count: the host has not closed them');

  // A reference timer of the same 200 ms started beside it: a starved machine delays both alike.
  const t0 = performance.now();
  const [waited, refMs] = await Promise.all([
    ex.exec('lb1', ['ip', 'addr'], { timeoutMs: 200 }),
    new Promise<number>((r) => setTimeout(() => r(performance.now() - t0), 200)),
  ]);
  t.ok(waited.timedOut, 'a third command finds no free session');
  t.match(waited.stderr, /no free session \(2 still open on the host\) within 200 ms/);
  t.equal(client.channels.length, 2, 'and opened none on the host');
  t.ok(
    waited.durationMs < refMs + 100,
    `waiting for a slot counted against its timeout (${Math.round(waited.durationMs)} ms; a 200 ms timer beside it took ${Math.round(refMs)})`,
  );

  client.channels[0]!.finish(137);
  t.equal(ex.openSessions('lb1'), 1, 'the host closed one: its slot is free');
  const next = ex.exec('lb1', ['ip', 'addr'], { timeoutMs: 1000 });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  client.channels[2]!.finish(0, 'inet 198.18.0.10/32\n');
  const r = await next;
  t.equal(r.code, 0);
  t.equal(r.stdout, 'inet 198.18.0.10/32\n');
  t.equal(ex.openSessions('lb1'), 1, 'a finished command frees its slot');
});

t.test('a command waiting for a slot runs when one frees within its timeout', async (t) => {
  const { ex, client } = executor(1);
  const first = ex.exec('lb1', ['true'], { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 20));
  const second = ex.exec('lb1', ['true'], { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 20));
  t.equal(client.channels.length, 1, 'the second waits');
  client.channels[0]!.finish(0);
  t.equal((await first).code, 0);
  await new Promise((r) => setTimeout(r, 20));
  client.channels[1]!.finish(0);
  t.equal((await second).code, 0, 'then runs');
});

t.test('a closed connection frees the slots of its sessions', async (t) => {
  const { ex, client } = executor(2);
  await Promise.all([1, 2].map(() => ex.exec('lb1', ['true'], { timeoutMs: 50 })));
  t.equal(ex.openSessions('lb1'), 2);
  client.end();
  t.equal(ex.openSessions('lb1'), 0, 'the connection is gone, and its sessions with it');
});
