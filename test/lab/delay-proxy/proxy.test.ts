/**
 * The delay proxy on loopback (127.0.0.1 only): a round trip takes the route's up + down delay
 * (and not much more); jitter never reorders the bytes; 16 MiB arrive intact with the queued bytes
 * bounded by the high-water mark plus one chunk, and a reader that stops reading pauses the writer
 * instead of growing the queue; half-close propagates both ways; close() destroys live
 * connections; a refused upstream closes the client's connection.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Test } from 'tap';
import t from 'tap';
import {
  type DelayProxy,
  HIGH_WATER_BYTES,
  type Route,
  startDelayProxy,
} from '../../../src/lab/delay-proxy/proxy.ts';
import { freePort } from '../../helpers/net.ts';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;

/** Resolves when `check()` holds, polling every 5 ms; rejects after `ms`, naming `what`. */
async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A server on 127.0.0.1 whose connections are handled by `onConnection`; closed at teardown. */
async function server(t: Test, onConnection: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => srv.close(() => r()));
  });
  return (srv.address() as net.AddressInfo).port;
}

/** An echo server: every byte back, and its end when the client's end arrives. */
const echoServer = (t: Test) => server(t, (s) => s.pipe(s));

async function proxy(
  t: Test,
  route: Omit<Route, 'listenPort'>,
  o: { jitterMs?: number; random?: () => number; log?: (l: string) => void } = {},
): Promise<{ proxy: DelayProxy; port: number }> {
  const p = await startDelayProxy({ routes: [{ listenPort: 0, ...route }], jitterMs: o.jitterMs ?? 0, ...o });
  t.teardown(() => p.close());
  return { proxy: p, port: p.ports()[0]! };
}

function connect(t: Test, port: number, allowHalfOpen = false): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port, allowHalfOpen }, () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
    t.teardown(() => s.destroy());
  });
}

/** The next `n` bytes `s` receives. */
function read(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.off('data', onData);
        s.off('close', onClose);
        s.pause();
        const all = Buffer.concat(parts);
        if (all.length > n) s.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onClose = () => reject(new Error(`connection closed after ${got} of ${n} bytes`));
    s.on('data', onData);
    s.once('close', onClose);
    s.resume();
  });
}

/** Milliseconds of one request/response of `msg` over `s`. */
async function roundTrip(s: net.Socket, msg: string): Promise<number> {
  const t0 = performance.now();
  s.write(msg);
  const got = await read(s, Buffer.byteLength(msg));
  const ms = performance.now() - t0;
  if (got.toString() !== msg) throw new Error(`echo of '${msg}' came back as '${got}'`);
  return ms;
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

/**
 * `roundTrip` beside a reference that takes the same steps without the proxy, in the same event
 * loop at the same moment: a timer of the route's up delay (60 ms), a round trip straight to the
 * echo server, a timer of its down delay (40 ms), and that round trip again (the proxy's two
 * hops through the event loop). What starves this process (the unit lane runs at nice 19 beside
 * the lab) delays both alike, its timers and its reads; only what the proxy adds beyond its timers
 * makes the round trip longer than the reference. (With timers alone as the reference, a starved
 * run of 2026-12-04 failed: reference 967 ms, round trip 1161 ms, its four more reads each late.)
 */
async function besideReference(
  s: net.Socket,
  direct: net.Socket,
  msg: string,
): Promise<{ ms: number; refMs: number }> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const t0 = performance.now();
  const ref = sleep(60)
    .then(() => roundTrip(direct, 'ref'))
    .then(() => sleep(40))
    .then(() => roundTrip(direct, 'ref'))
    .then(() => performance.now() - t0);
  const ms = await roundTrip(s, msg);
  return { ms, refMs: await ref };
}

t.test(
  'a round trip takes up + down delay, plus no more than the direct round trip and a margin',
  async (t) => {
    const echo = await echoServer(t);
    const direct = await connect(t, echo);
    await roundTrip(direct, 'warm');
    const { proxy: p, port } = await proxy(t, { host: HOST, port: echo, upMs: 60, downMs: 40 });
    const c = await connect(t, port);
    const first = await besideReference(c, direct, 'hello'); // includes the proxy's connect to the echo server
    const second = await besideReference(c, direct, 'again');
    for (const [what, { ms, refMs }] of [
      ['first', first],
      ['second', second],
    ] as const) {
      t.ok(ms >= 100, `${what} round trip ${ms.toFixed(1)} ms ≥ 60 + 40 ms`);
      t.ok(
        ms < refMs + 150,
        `${what} round trip ${ms.toFixed(1)} ms < 60 + 40 ms timers and two direct round trips (took ${refMs.toFixed(1)}) + 150`,
      );
    }
    t.equal(p.connections(), 1);
    t.equal(p.stats().accepted, 1);
  },
);

t.test('jitter that would reorder chunks never reorders the bytes', async (t) => {
  const echo = await echoServer(t);
  // Alternating top and bottom of ±40 ms around 20 ms: every other chunk would overtake the one before.
  let draws = 0;
  const random = () => (draws++ % 2 === 0 ? 0.999 : 0);
  const { port } = await proxy(t, { host: HOST, port: echo, upMs: 20, downMs: 20 }, { jitterMs: 40, random });
  const c = await connect(t, port);
  const messages = Array.from({ length: 40 }, (_, i) => `<${String(i).padStart(3, '0')}>`);
  const expected = messages.join('');
  const reply = read(c, expected.length);
  for (const m of messages) {
    c.write(m);
    // Let each message leave as its own segment (a separate chunk at the proxy), most of the time.
    await new Promise((r) => setTimeout(r, 2));
  }
  t.equal((await reply).toString(), expected, 'every byte back, in order');
  t.ok(draws >= 2 * 2, `jitter was drawn (${draws} draws)`);
});

/** `total` bytes of varied content in 64 KiB chunks (no two neighbours alike: reordering shows in the hash). */
function* chunks(total: number): Generator<Buffer> {
  const block = Buffer.alloc(MiB + 64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let sent = 0, k = 0; sent < total; k++) {
    const n = Math.min(64 * 1024, total - sent);
    const off = (k * 7919) % MiB;
    const c = Buffer.from(block.subarray(off, off + n));
    c.writeUInt32BE(k, 0);
    sent += n;
    yield c;
  }
}

t.test('16 MiB through the proxy and back arrive intact, with the queues bounded', async (t) => {
  const echo = await echoServer(t);
  const { proxy: p, port } = await proxy(t, { host: HOST, port: echo, upMs: 5, downMs: 5 });
  const c = await connect(t, port);
  const total = 16 * MiB;
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    c.on('data', (d: Buffer) => {
      got.update(d);
      received += d.length;
      if (received === total) resolve();
    });
    c.once('close', () => reject(new Error(`closed after ${received} of ${total} bytes`)));
  });
  for (const chunk of chunks(total)) {
    sent.update(chunk);
    if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  }
  await done;
  t.equal(received, total);
  t.equal(got.digest('hex'), sent.digest('hex'), 'sha256 of what came back = of what was sent');
  const s = p.stats();
  t.ok(s.largestChunkBytes > 0 && s.largestChunkBytes <= 1 * MiB, `chunks as read (${s.largestChunkBytes})`);
  t.ok(
    s.peakQueuedBytes <= HIGH_WATER_BYTES + s.largestChunkBytes,
    `peak queued ${s.peakQueuedBytes} ≤ ${HIGH_WATER_BYTES} + one chunk (${s.largestChunkBytes})`,
  );
});

t.test('a reader that stops reading pauses the writer: the queue stops at the high-water mark', async (t) => {
  let sink: net.Socket | undefined;
  const hash = createHash('sha256');
  let received = 0;
  let sinkEnded = false;
  const port = await server(t, (s) => {
    sink = s;
    s.pause(); // reads nothing until the test resumes it
    s.on('data', (d: Buffer) => {
      hash.update(d);
      received += d.length;
    });
    s.on('end', () => {
      sinkEnded = true;
      s.end();
    });
  });
  const { proxy: p, port: lport } = await proxy(t, { host: HOST, port, upMs: 1, downMs: 1 });
  const c = await connect(t, lport);
  const sent = createHash('sha256');
  let total = 0;
  const engaged = () => p.stats().peakQueuedBytes > HIGH_WATER_BYTES;
  const gen = chunks(256 * MiB);
  // Write until the proxy has queued more than the high-water mark (the kernel's buffers between
  // the proxy and the sink are full: their size depends on tcp_rmem/tcp_wmem, not assumed here) and
  // then until the client itself is held back: the proxy no longer reads it.
  while (!(engaged() && c.writableNeedDrain)) {
    if (total >= 200 * MiB) {
      t.fail(`no backpressure after ${total} bytes (peak queued ${p.stats().peakQueuedBytes})`);
      break;
    }
    const chunk = gen.next().value as Buffer;
    sent.update(chunk);
    total += chunk.length;
    if (!c.write(chunk)) {
      await Promise.race([new Promise((r) => c.once('drain', r)), until('the high-water mark', engaged)]);
    }
  }
  t.ok(c.writableNeedDrain, 'the client is held back while the sink reads nothing');
  t.ok(sink, 'the sink has its connection');
  sink!.resume();
  for (let i = 0; i < 32; i++) {
    const chunk = gen.next().value as Buffer;
    sent.update(chunk);
    total += chunk.length;
    if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  }
  c.end();
  await until('the sink to see the end', () => sinkEnded, 10_000);
  t.equal(received, total, `${total} bytes arrived`);
  t.equal(hash.digest('hex'), sent.digest('hex'), 'sha256 of what arrived = of what was sent');
  const s = p.stats();
  t.ok(
    s.peakQueuedBytes > HIGH_WATER_BYTES && s.peakQueuedBytes <= HIGH_WATER_BYTES + s.largestChunkBytes,
    `peak queued ${s.peakQueuedBytes}: above ${HIGH_WATER_BYTES} (engaged), at most one chunk (${s.largestChunkBytes}) above`,
  );
  await closed(c);
  await until('the proxy to drop the connection', () => p.connections() === 0);
});

t.test(
  'half-close: the client’s end reaches the server after the data, the reply still flows back',
  async (t) => {
    let serverSawEnd = false;
    const port = await server(t, (s) => {
      let text = '';
      s.setEncoding('utf8').on('data', (d: string) => {
        text += d;
      });
      s.on('end', () => {
        serverSawEnd = true;
        // Answers only after the client's end: the reply travels a half-closed connection.
        setTimeout(() => s.end(text.toUpperCase()), 10);
      });
    });
    const { proxy: p, port: lport } = await proxy(t, { host: HOST, port, upMs: 20, downMs: 20 });
    const c = await connect(t, lport, true);
    let reply = '';
    let clientSawEnd = false;
    c.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
    });
    const ended = new Promise<void>((r) =>
      c.on('end', () => {
        clientSawEnd = true;
        r();
      }),
    );
    c.write('abc');
    c.end('def');
    await ended;
    t.ok(serverSawEnd, 'the server saw the end');
    t.ok(clientSawEnd, 'the client saw the end');
    t.equal(reply, 'ABCDEF', 'the data before each end arrived in full');
    await closed(c);
    await until('the proxy to drop the connection', () => p.connections() === 0);
    t.equal(p.stats().failed, 0, 'no error on either side');
  },
);

t.test('close() stops listening and destroys live connections', async (t) => {
  const echo = await echoServer(t);
  const { proxy: p, port } = await proxy(t, { host: HOST, port: echo, upMs: 1, downMs: 1 });
  const c = await connect(t, port);
  await roundTrip(c, 'x');
  t.equal(p.connections(), 1);
  await p.close();
  await closed(c);
  t.equal(p.connections(), 0);
  await t.rejects(connect(t, port), { code: 'ECONNREFUSED' }, 'no longer listening');
  await p.close(); // a second close is harmless
});

t.test('an upstream that refuses closes the client’s connection', async (t) => {
  const dead = await freePort(); // nothing listens there
  const lines: string[] = [];
  const { proxy: p, port } = await proxy(
    t,
    { host: HOST, port: dead, upMs: 5, downMs: 5 },
    { log: (l) => lines.push(l) },
  );
  const c = await connect(t, port);
  c.write('anyone?');
  await closed(c);
  await until('the proxy to drop the connection', () => p.connections() === 0);
  t.equal(p.stats().failed, 1);
  t.match(lines, [/-> 127\.0\.0\.1:\d+: upstream connection: ECONNREFUSED/]);
});

t.test('bad routes are refused with what to fix', async (t) => {
  const route: Route = { listenPort: 0, host: HOST, port: 1, upMs: 1, downMs: 1 };
  await t.rejects(startDelayProxy({ routes: [], jitterMs: 0 }), /at least one route/);
  await t.rejects(
    startDelayProxy({ routes: [{ ...route, upMs: -5 }], jitterMs: 0 }),
    /route 1 .*upMs .* got -5/,
  );
  await t.rejects(startDelayProxy({ routes: [{ ...route, port: 0 }], jitterMs: 0 }), /port must be .* got 0/);
  await t.rejects(startDelayProxy({ routes: [route], jitterMs: Number.NaN }), /jitterMs .* got NaN/);
  const taken = await echoServer(t);
  await t.rejects(
    startDelayProxy({ routes: [route, { ...route, listenPort: taken }], jitterMs: 0 }),
    /cannot listen on 127\.0\.0\.1:\d+ .*EADDRINUSE: another process has that port/,
  );
});
