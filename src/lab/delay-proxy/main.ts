/**
 * The delay proxy as a program (proxy.ts): the lab's `network-degrade` drill runs it inside a lab
 * host's network namespace, where iptables (`-t nat OUTPUT ... -j REDIRECT --to-ports LPORT`, with
 * `-m owner ! --uid-owner 65534`) sends the host's outgoing etcd peer connections to it. It runs as
 * uid/gid 65534 so that its own upstream connections are not redirected back to it.
 *
 *   node delay-proxy.mjs --route 12380=198.18.0.12:2380:50:50 --route 12381=198.18.0.13:2380:50:50 \
 *     --jitter-ms 5 --for-s 300 --uid 65534 --gid 65534 --ready-file /tmp/delay-proxy.ready
 *
 * Exits 0 on SIGTERM/SIGINT or when --for-s has passed (it never outlives a drill that forgot it),
 * 2 on bad arguments, 1 when it cannot start (a port taken, no permission to change user, the ready
 * file not writable). The ready file is written after the switch to --uid: its directory must be
 * writable by that user. One of the project's bundles (src/util/bundle.mjs, `delay-proxy`): it
 * imports nothing outside this folder but Node's builtins, so the bundle shares nothing with the
 * others but esbuild's small runtime-helper chunk.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { type DelayProxy, type Route, startDelayProxy } from './proxy.ts';

const USAGE = `usage: delay-proxy --route LPORT=HOST:PORT:UPMS:DOWNMS [--route ...] --for-s N
                   [--jitter-ms N] [--uid N --gid N] [--ready-file PATH]
  --route       listen on 127.0.0.1:LPORT, connect to HOST:PORT, delay client->upstream by UPMS
                and upstream->client by DOWNMS milliseconds (repeatable, at least one)
  --jitter-ms   uniform jitter of every direction, +-N ms (default 0)
  --for-s       exit by itself after N seconds, 1..86400 (required)
  --uid, --gid  after listening, switch to this group and user (both or neither)
  --ready-file  after listening (and switching user), write the pid there (atomically, by rename)`;

/** What the arguments ask for. */
interface Config {
  readonly routes: readonly Route[];
  readonly jitterMs: number;
  readonly forS: number;
  readonly ids?: { readonly uid: number; readonly gid: number };
  readonly readyFile?: string;
}

type Parsed = { ok: true; config: Config } | { ok: false; error: string };

const MAX_ID = 2 ** 32 - 2;

/** A non-negative decimal number of milliseconds, or undefined. */
const msOf = (s: string): number | undefined => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined);
/** An integer in [min, max] written in decimal digits, or undefined. */
const intIn = (s: string, min: number, max: number): number | undefined => {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
};

function parseRoute(text: string): Route | string {
  const m = /^([^=]*)=([^:]*):([^:]*):([^:]*):([^:]*)$/.exec(text);
  if (!m) {
    return `--route ${text}: expected LPORT=HOST:PORT:UPMS:DOWNMS, e.g. 12380=198.18.0.12:2380:50:50 (HOST without ':', so no IPv6 literal)`;
  }
  const [, lport, host, port, up, down] = m as unknown as [string, string, string, string, string, string];
  const listenPort = intIn(lport, 1, 65535);
  if (listenPort === undefined) return `--route ${text}: LPORT '${lport}' must be a port 1..65535`;
  if (host.length === 0) return `--route ${text}: HOST is empty: give the upstream's address`;
  const upstreamPort = intIn(port, 1, 65535);
  if (upstreamPort === undefined) return `--route ${text}: PORT '${port}' must be a port 1..65535`;
  const upMs = msOf(up);
  if (upMs === undefined) return `--route ${text}: UPMS '${up}' must be milliseconds ≥ 0, e.g. 50`;
  const downMs = msOf(down);
  if (downMs === undefined) return `--route ${text}: DOWNMS '${down}' must be milliseconds ≥ 0, e.g. 50`;
  return { listenPort, host, port: upstreamPort, upMs, downMs };
}

function parseConfig(argv: readonly string[]): Parsed {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        route: { type: 'string', multiple: true },
        'jitter-ms': { type: 'string' },
        'for-s': { type: 'string' },
        uid: { type: 'string' },
        gid: { type: 'string' },
        'ready-file': { type: 'string' },
      },
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const routeArgs = (values.route as string[] | undefined) ?? [];
  if (routeArgs.length === 0)
    return { ok: false, error: 'give at least one --route LPORT=HOST:PORT:UPMS:DOWNMS' };
  const routes: Route[] = [];
  for (const text of routeArgs) {
    const r = parseRoute(text);
    if (typeof r === 'string') return { ok: false, error: r };
    const dup = routes.find((o) => o.listenPort === r.listenPort);
    if (dup) return { ok: false, error: `--route ${text}: LPORT ${r.listenPort} is used by another --route` };
    routes.push(r);
  }
  const jitterText = (values['jitter-ms'] as string | undefined) ?? '0';
  const jitterMs = msOf(jitterText);
  if (jitterMs === undefined)
    return { ok: false, error: `--jitter-ms '${jitterText}' must be milliseconds ≥ 0` };
  const forText = values['for-s'] as string | undefined;
  if (forText === undefined) {
    return {
      ok: false,
      error: '--for-s N is required (1..86400): the proxy exits by itself after N seconds',
    };
  }
  const forS = intIn(forText, 1, 86400);
  if (forS === undefined) return { ok: false, error: `--for-s '${forText}' must be whole seconds 1..86400` };
  const uidText = values.uid as string | undefined;
  const gidText = values.gid as string | undefined;
  if ((uidText === undefined) !== (gidText === undefined)) {
    return { ok: false, error: 'pass --uid and --gid together (e.g. --uid 65534 --gid 65534), or neither' };
  }
  let ids: Config['ids'];
  if (uidText !== undefined && gidText !== undefined) {
    const uid = intIn(uidText, 0, MAX_ID);
    if (uid === undefined) return { ok: false, error: `--uid '${uidText}' must be a numeric user id` };
    const gid = intIn(gidText, 0, MAX_ID);
    if (gid === undefined) return { ok: false, error: `--gid '${gidText}' must be a numeric group id` };
    ids = { uid, gid };
  }
  const readyFile = values['ready-file'] as string | undefined;
  if (readyFile === '') return { ok: false, error: '--ready-file is empty: give a path' };
  return {
    ok: true,
    config: { routes, jitterMs, forS, ...(ids && { ids }), ...(readyFile && { readyFile }) },
  };
}

const say = (line: string): void => {
  process.stderr.write(`delay-proxy[${process.pid}]: ${line}\n`);
};

/** Drops to `ids`: supplementary groups (as root), then the group, then the user (after which no way back). */
function dropPrivileges(ids: { uid: number; gid: number }): void {
  if (process.getuid?.() === 0) process.setgroups?.([ids.gid]);
  process.setgid?.(ids.gid);
  process.setuid?.(ids.uid);
}

function writeReadyFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  fs.renameSync(tmp, file);
}

/** At most this many connection errors are printed; the exit line counts them all. */
const MAX_ERROR_LINES = 20;

async function main(): Promise<void> {
  const parsed = parseConfig(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`delay-proxy: ${parsed.error}\n${USAGE}\n`);
    process.exit(2);
  }
  const { config } = parsed;
  let proxy: DelayProxy | undefined;
  let exiting = false;
  const exit = async (why: string): Promise<void> => {
    if (exiting) return;
    exiting = true;
    // close() destroys every connection, so it is quick; never hang on it regardless.
    setTimeout(() => process.exit(0), 2000).unref();
    if (proxy === undefined) {
      say(`exiting: ${why}, before listening`);
      process.exit(0);
    }
    const live = proxy.connections();
    await proxy.close();
    const s = proxy.stats();
    say(
      `exiting: ${why}; ${s.accepted} connections accepted, ${s.failed} failed, ${live} open at exit; ` +
        `most bytes queued in one direction ${s.peakQueuedBytes}`,
    );
    process.exit(0);
  };
  // From the start, so that nothing (not even a slow start) outlives --for-s.
  setTimeout(() => void exit(`--for-s ${config.forS} s passed`), config.forS * 1000);
  process.once('SIGTERM', () => void exit('SIGTERM'));
  process.once('SIGINT', () => void exit('SIGINT'));

  let errorLines = 0;
  try {
    proxy = await startDelayProxy({
      routes: config.routes,
      jitterMs: config.jitterMs,
      log: (line) => {
        errorLines++;
        if (errorLines <= MAX_ERROR_LINES) say(line);
        if (errorLines === MAX_ERROR_LINES) say('further connection errors are counted, not printed');
      },
    });
  } catch (err) {
    say(`cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  if (exiting) return; // a signal arrived while listening started: exit() is closing it
  let step = 'switch to the given --uid/--gid (the proxy must start as root for that)';
  try {
    if (config.ids) dropPrivileges(config.ids);
    step = `write the ready file ${config.readyFile} (its directory must be writable by uid ${process.getuid?.()})`;
    if (config.readyFile) writeReadyFile(config.readyFile);
  } catch (err) {
    say(`cannot ${step}: ${(err as Error).message}`);
    await proxy.close();
    process.exit(1);
  }
  const ports = proxy.ports();
  say(
    `listening for ${config.forS} s as uid ${process.getuid?.()} gid ${process.getgid?.()}: ` +
      config.routes
        .map((r, i) => `127.0.0.1:${ports[i]} -> ${r.host}:${r.port} (up ${r.upMs} ms, down ${r.downMs} ms)`)
        .join(', ') +
      `; jitter ±${config.jitterMs} ms`,
  );
}

await main();
