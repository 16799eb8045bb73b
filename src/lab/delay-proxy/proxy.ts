/**
 * A delaying L4 TCP proxy: the lab's stand-in for `tc qdisc ... netem delay` (this kernel has no
 * netem). For every route it listens on 127.0.0.1:listenPort; each accepted connection gets its own
 * connection to host:port (plain TCP: TLS passes through untouched), and the bytes of each direction
 * go through a DelayLine (delay-line.ts): up = client → upstream, down = upstream → client.
 *
 * Per direction:
 *  - one queue of chunks with their release times, and one timer, for the chunk at its head;
 *  - byte order kept (release times never decrease, and chunks leave in arrival order);
 *  - bounded memory: the bytes received and not yet flushed by the writing socket (our queue plus
 *    the socket's own buffer, counted until write()'s callback) above HIGH_WATER_BYTES pause the
 *    reading socket; under LOW_WATER_BYTES resume it. While write() has returned false, no further
 *    chunk is written until 'drain';
 *  - a chunk that arrives before the upstream connection is open waits in the queue (its delay
 *    counts from its arrival);
 *  - half-close: when the reading side ends, the writing side is ended after the last queued chunk
 *    was written (both sockets allowHalfOpen).
 * An error on either socket, or either socket closing before both of its halves finished cleanly,
 * destroys both.
 */
import net from 'node:net';
import { checkMs, DelayLine, type Random } from './delay-line.ts';

/** Reading pauses when more than this many bytes of one direction are queued or unflushed. */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** A paused reading side resumes when its direction is under this many bytes. */
export const LOW_WATER_BYTES = 1024 * 1024;

export interface Route {
  /** Listens on 127.0.0.1:listenPort (0: any free port, see DelayProxy.ports()). */
  readonly listenPort: number;
  /** The upstream address connected to for every accepted connection. */
  readonly host: string;
  readonly port: number;
  /** Delay of the bytes client → upstream, ms. */
  readonly upMs: number;
  /** Delay of the bytes upstream → client, ms. */
  readonly downMs: number;
}

export interface DelayProxyOptions {
  readonly routes: readonly Route[];
  /** ± uniform jitter of every direction, ms. */
  readonly jitterMs: number;
  /** Uniform in [0, 1), for the jitter; Math.random unless a test injects one. */
  readonly random?: Random;
  /** One line per connection that failed (which socket, the error code); nothing by default. */
  readonly log?: (line: string) => void;
}

/** What the bounded-memory rule let through, for tests and the exit line. */
export interface ProxyStats {
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Connections ended by an error on either socket (upstream refused, reset, ...). */
  readonly failed: number;
  /** The most bytes one direction ever had queued or unflushed. */
  readonly peakQueuedBytes: number;
  /** The largest single chunk read from a socket. */
  readonly largestChunkBytes: number;
}

export interface DelayProxy {
  /** The ports listened on, in route order (the chosen ones for listenPort 0). */
  ports(): readonly number[];
  /** Connections (client and upstream socket pairs) not yet closed. */
  connections(): number;
  stats(): ProxyStats;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

const describe = (r: Route) => `127.0.0.1:${r.listenPort} -> ${r.host}:${r.port}`;

/** Throws, naming the route and what to fix, unless every route is usable. */
function checkRoutes(routes: readonly Route[]): void {
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new Error('routes must list at least one route (listenPort, host, port, upMs, downMs)');
  }
  const seen = new Set<number>();
  for (const [i, r] of routes.entries()) {
    const where = `route ${i + 1} (${describe(r)})`;
    if (!Number.isInteger(r.listenPort) || r.listenPort < 0 || r.listenPort > 65535) {
      throw new Error(`${where}: listenPort must be an integer 0..65535, got ${String(r.listenPort)}`);
    }
    if (r.listenPort !== 0 && seen.has(r.listenPort)) {
      throw new Error(`${where}: listenPort ${r.listenPort} is used by an earlier route: give each its own`);
    }
    seen.add(r.listenPort);
    if (typeof r.host !== 'string' || r.host.length === 0) {
      throw new Error(`${where}: host must be a non-empty host name or address`);
    }
    if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) {
      throw new Error(`${where}: port must be an integer 1..65535, got ${String(r.port)}`);
    }
    checkMs(`${where}: upMs`, r.upMs);
    checkMs(`${where}: downMs`, r.downMs);
  }
}

/** A FIFO of chunks with an index head: shift() without moving the array each time. */
class ChunkQueue {
  private items: { chunk: Buffer; at: number }[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(chunk: Buffer, at: number): void {
    this.items.push({ chunk, at });
  }

  peek(): { chunk: Buffer; at: number } | undefined {
    return this.items[this.head];
  }

  shift(): { chunk: Buffer; at: number } | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Counters {
  peakQueuedBytes: number;
  largestChunkBytes: number;
}

/** One direction of one connection: reads `src`, delays, writes `dst`. */
class Direction {
  private readonly queue = new ChunkQueue();
  private timer: NodeJS.Timeout | undefined;
  /** Bytes read from src and not yet flushed by dst (queued, or in dst's buffer). */
  private pending = 0;
  private paused = false;
  /** dst.write() returned false: wait for 'drain'. */
  private blocked = false;
  private srcEnded = false;
  private dstEnded = false;
  private stopped = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly line: DelayLine,
    private readonly counters: Counters,
    /** Whether dst is connected (the upstream socket is not, at first). */
    private dstOpen: boolean,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.pump();
    });
    dst.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** dst has connected: write what is due. */
  open(): void {
    this.dstOpen = true;
    this.pump();
  }

  /** Drops the queue and the timer (both sockets are being destroyed). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.clear();
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.queue.push(chunk, this.line.releaseAt(performance.now()));
    this.pending += chunk.length;
    if (chunk.length > this.counters.largestChunkBytes) this.counters.largestChunkBytes = chunk.length;
    if (this.pending > this.counters.peakQueuedBytes) this.counters.peakQueuedBytes = this.pending;
    if (this.pending > HIGH_WATER_BYTES && !this.paused) {
      this.paused = true;
      this.src.pause();
    }
    this.pump();
  }

  /** A chunk left dst's buffer. */
  private flushed(bytes: number): void {
    this.pending -= bytes;
    if (this.paused && this.pending < LOW_WATER_BYTES && !this.stopped) {
      this.paused = false;
      this.src.resume();
    }
  }

  /** Writes every due chunk (while dst takes them), then arms the timer for the head, or ends dst. */
  private pump(): void {
    if (this.stopped || !this.dstOpen) return;
    for (;;) {
      if (this.blocked) return;
      const head = this.queue.peek();
      if (head === undefined) break;
      const now = performance.now();
      if (head.at > now) {
        // One timer per direction, for the head; a timer that fired a little early re-arms here.
        if (this.timer === undefined) {
          this.timer = setTimeout(
            () => {
              this.timer = undefined;
              this.pump();
            },
            Math.max(1, Math.ceil(head.at - now)),
          );
        }
        return;
      }
      this.queue.shift();
      const bytes = head.chunk.length;
      if (!this.dst.write(head.chunk, () => this.flushed(bytes))) this.blocked = true;
    }
    if (this.srcEnded && !this.dstEnded) {
      this.dstEnded = true;
      this.dst.end();
    }
  }
}

/** Starts listening on every route; resolves once all listen, rejects (closing any) if one cannot. */
export async function startDelayProxy(o: DelayProxyOptions): Promise<DelayProxy> {
  checkRoutes(o.routes);
  checkMs('jitterMs', o.jitterMs);
  const random = o.random ?? Math.random;
  const log = o.log ?? (() => {});
  const counters: Counters = { peakQueuedBytes: 0, largestChunkBytes: 0 };
  let accepted = 0;
  let failed = 0;
  const live = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const servers: net.Server[] = [];

  const accept = (route: Route, client: net.Socket): void => {
    accepted++;
    const upstream = net.connect({ host: route.host, port: route.port, allowHalfOpen: true });
    const pair = { client, upstream };
    live.add(pair);
    client.setNoDelay(true);
    const up = new Direction(
      client,
      upstream,
      new DelayLine({ delayMs: route.upMs, jitterMs: o.jitterMs, random }),
      counters,
      false,
    );
    const down = new Direction(
      upstream,
      client,
      new DelayLine({ delayMs: route.downMs, jitterMs: o.jitterMs, random }),
      counters,
      true,
    );
    let closed = 0;
    const destroyBoth = (): void => {
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
    };
    upstream.once('connect', () => {
      upstream.setNoDelay(true);
      up.open();
    });
    for (const [socket, name] of [
      [client, 'client'],
      [upstream, 'upstream'],
    ] as const) {
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // The first error of the pair is its cause; whatever follows the destroy is not news.
        if (!up.isStopped) {
          failed++;
          log(`${describe(route)}: ${name} connection: ${err.code ?? err.message}`);
        }
        destroyBoth();
      });
      socket.once('close', (hadError) => {
        // A socket that read its end and finished writing closed cleanly: the other direction may
        // still hold delayed bytes for the other socket, which it ends when it has written them.
        if (hadError || !(socket.readableEnded && socket.writableFinished)) destroyBoth();
        if (++closed === 2) live.delete(pair);
      });
    }
  };

  const listen = (route: Route): Promise<net.Server> =>
    new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true }, (client) => accept(route, client));
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new Error(
            `cannot listen on 127.0.0.1:${route.listenPort} (the route to ${route.host}:${route.port}): ${err.code ?? err.message}` +
              (err.code === 'EADDRINUSE' ? ': another process has that port, pick a free one' : ''),
          ),
        );
      });
      server.listen({ host: '127.0.0.1', port: route.listenPort }, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => log(`${describe(route)}: listener: ${err.message}`));
        resolve(server);
      });
    });

  const closeAll = async (): Promise<void> => {
    const waits = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const { client, upstream } of live) {
      client.destroy();
      upstream.destroy();
    }
    await Promise.all(waits);
  };

  for (const route of o.routes) {
    try {
      servers.push(await listen(route));
    } catch (err) {
      await closeAll();
      throw err;
    }
  }
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);

  let closing: Promise<void> | undefined;
  return {
    ports: () => ports,
    connections: () => live.size,
    stats: () => ({ accepted, failed, ...counters }),
    close: () => {
      closing ??= closeAll();
      return closing;
    },
  };
}
