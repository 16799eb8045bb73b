/**
 * Test helper: a real single-member etcd (Debian etcd, data in a temp dir, loopback only) and a
 * real lab apiserver process on 127.0.0.1 with freshly generated certificates.
 *
 *   const api = await startTestApiserver(t);          // t.teardown(api.stop) is registered
 *   const kc = api.kubeConfig();                       // @kubernetes/client-node KubeConfig
 *   await api.kubectl(['get', 'ns']);                  // real kubectl with the admin kubeconfig
 *
 * Options: extra apiserver flags (e.g. ['--endpoint-reconciler-interval=1s']), or an existing
 * etcd (`etcd: api.etcd`) to run several apiservers on one member, or a startTestEtcdCluster()
 * (`etcd: cluster`: every member goes into --etcd-servers, as in kubeadm's external etcd). stop()
 * kills every process the helper started (SIGKILL after a short grace) and removes the temp dir;
 * it is idempotent, and processes are also killed if the test process exits without calling it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureApiserverCert, ensureCa, ensureClientCert, writeKubeconfig } from '../../src/lab/pki/index.ts';
import { bundleFile, ensureBundles } from '../../src/util/bundle.mjs';
import { untracked, withoutTapHooks } from './env.ts';
import { freePort } from './net.ts';

export { freePort };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Anything with tap's `teardown` (a tap Test). */
export interface Teardownable {
  teardown(fn: () => unknown): void;
}

export interface TestEtcd {
  readonly endpoint: string;
  readonly dataDir: string;
  /** The current etcd process (replaced by restart()). */
  readonly proc: ChildProcess;
  /** Kills the process (SIGKILL by default) without removing its data. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts etcd again on the same ports and data dir; resolves when /health answers. */
  restart(): Promise<void>;
  /** Kills etcd and removes its temp dir (idempotent). */
  stop(): Promise<void>;
}

/** What the apiserver's --etcd-servers is taken from: a TestEtcd or a TestEtcdCluster. */
export interface EtcdServers {
  /** --etcd-servers: one URL, or a cluster's comma-separated client URLs. */
  readonly endpoint: string;
}

export interface TestEtcdMember {
  readonly name: string;
  /** http://127.0.0.1:<client port> (also serves /health and /metrics). */
  readonly endpoint: string;
  readonly proc: ChildProcess;
}

export interface TestEtcdCluster extends EtcdServers {
  readonly members: readonly TestEtcdMember[];
  /** Kills every member (SIGCONT first, so frozen ones die too) and removes the temp dir (idempotent). */
  stop(): Promise<void>;
}

export interface TestApiserverOptions<E extends EtcdServers = TestEtcd> {
  /** Extra apiserver flags, e.g. ['--endpoint-reconciler-interval=1s', '--master-lease-ttl=3s']. */
  readonly flags?: readonly string[];
  /** Loopback address to bind and advertise (default 127.0.0.1; 127.0.0.2 etc. work too). */
  readonly address?: string;
  /** Port to listen on (default: a free one). Apiservers on different loopback addresses may share one,
   *  as real control planes share 6443 (the endpoint reconciler writes one port for all). */
  readonly port?: number;
  /** Reuse this etcd or cluster instead of starting one (it is then not stopped by stop()). */
  readonly etcd?: E;
  /** Print the apiserver's and etcd's stderr (default: env HADRILL_TEST_LOG=1). */
  readonly log?: boolean;
}

export interface TestApiserver<E extends EtcdServers = TestEtcd> {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly address: string;
  /** Admin kubeconfig (client certificate CN=kubernetes-admin, O=system:masters). */
  readonly kubeconfigPath: string;
  /** Kubeconfig using the bearer token below. */
  readonly tokenKubeconfigPath: string;
  readonly token: string;
  readonly caFile: string;
  readonly etcdEndpoint: string;
  readonly etcd: E;
  readonly dir: string;
  readonly proc: ChildProcess;
  /** A client-node KubeConfig loaded from kubeconfigPath. */
  kubeConfig(): KubeConfig;
  /** Runs real kubectl with the admin kubeconfig (HOME is the temp dir, so no shared cache). */
  kubectl(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Resolves with the exit code/signal once the apiserver process has exited. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the apiserver and (if this helper started it) etcd, then removes the temp dir. */
  stop(): Promise<void>;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
const killAll = () => {
  for (const p of live) p.kill('SIGKILL');
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
};
process.on('exit', killAll);
// A test process killed by a signal (tap's timeout, Ctrl-C) must not leave etcd/apiservers behind.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = () => {
    killAll();
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  };
  process.on(sig, onSignal);
}

function track(proc: ChildProcess, name: string, log: boolean): ChildProcess {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  if (log) proc.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  else proc.stderr?.resume();
  proc.stdout?.resume();
  return proc;
}

async function kill(proc: ChildProcess, graceMs = 2000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGCONT');
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, proc?: ChildProcess) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
      throw new Error(
        `${what}: the process exited (${proc.exitCode ?? proc.signalCode}) before it was ready`,
      );
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms`);
}

/** The flags of one etcd member on 127.0.0.1 (`cluster`: name=peer URL of every member). */
function etcdArgs(name: string, dataDir: string, client: string, peer: string, cluster: string): string[] {
  return [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${cluster}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-level=error',
  ];
}

/** Starts a single-member etcd on 127.0.0.1 with free client and peer ports. */
export async function startTestEtcd(opts: { log?: boolean; dir?: string } = {}): Promise<TestEtcd> {
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'hadrill-etcd-')));
  const ownsDir = opts.dir === undefined;
  if (ownsDir) liveDirs.add(dir);
  const dataDir = path.join(dir, 'etcd');
  const [cp, pp] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${cp}`;
  const peer = `http://127.0.0.1:${pp}`;
  const args = etcdArgs('test', dataDir, client, peer, `test=${peer}`);
  const log = opts.log ?? process.env.HADRILL_TEST_LOG === '1';
  const launch = () => track(spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] }), 'etcd', log);
  let proc = launch();
  const ready = () => waitFor('etcd', 10_000, async () => (await fetch(`${client}/health`)).ok, proc);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await kill(proc);
    if (ownsDir) {
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    }
  };
  try {
    await ready();
  } catch (err) {
    await stop();
    throw err;
  }
  const self: TestEtcd = {
    endpoint: client,
    dataDir,
    get proc() {
      return proc;
    },
    kill: async (signal = 'SIGKILL') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill(signal);
      await gone;
    },
    restart: async () => {
      if (stopped) throw new Error('etcd was stopped; start a new one');
      await self.kill();
      proc = launch();
      await ready();
    },
    stop,
  };
  return self;
}

/**
 * Starts a `size`-member etcd cluster on 127.0.0.1 (plain http, free ports, data in one temp dir);
 * resolves when every member's /health answers (the cluster has a leader). Registers stop() with
 * t.teardown when t is given.
 */
export async function startTestEtcdCluster(
  size: number,
  t?: Teardownable,
  opts: { log?: boolean } = {},
): Promise<TestEtcdCluster> {
  const log = opts.log ?? process.env.HADRILL_TEST_LOG === '1';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-etcd-cluster-'));
  liveDirs.add(dir);
  const members: TestEtcdMember[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(members.map((m) => kill(m.proc)));
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  t?.teardown(stop);
  try {
    const ports: { name: string; client: string; peer: string }[] = [];
    for (let i = 1; i <= size; i++) {
      const [cp, pp] = [await freePort(), await freePort()];
      ports.push({ name: `m${i}`, client: `http://127.0.0.1:${cp}`, peer: `http://127.0.0.1:${pp}` });
    }
    const cluster = ports.map((p) => `${p.name}=${p.peer}`).join(',');
    for (const p of ports) {
      const args = etcdArgs(p.name, path.join(dir, p.name), p.client, p.peer, cluster);
      const proc = track(spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] }), `etcd ${p.name}`, log);
      members.push({ name: p.name, endpoint: p.client, proc });
    }
    await Promise.all(
      members.map((m) =>
        waitFor(`etcd ${m.name}`, 15_000, async () => (await fetch(`${m.endpoint}/health`)).ok, m.proc),
      ),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: members.map((m) => m.endpoint).join(','), members, stop };
}

/** Starts etcd (unless given) and one apiserver; registers stop() with t.teardown when t is given. */
export async function startTestApiserver<E extends EtcdServers = TestEtcd>(
  t?: Teardownable,
  opts: TestApiserverOptions<E> = {},
): Promise<TestApiserver<E>> {
  const log = opts.log ?? process.env.HADRILL_TEST_LOG === '1';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-api-'));
  liveDirs.add(dir);
  const cleanups: (() => Promise<void>)[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  };
  t?.teardown(stop);
  try {
    const own = opts.etcd ? undefined : await startTestEtcd({ log });
    if (own) cleanups.push(own.stop);
    // E is TestEtcd (the default) whenever no etcd is given
    const etcd = (opts.etcd ?? own) as E;
    const address = opts.address ?? '127.0.0.1';
    if (!address.startsWith('127.')) throw new Error(`test apiservers bind loopback only (got ${address})`);
    const pki = path.join(dir, 'pki');
    const ca = await ensureCa(pki);
    const serving = await ensureApiserverCert(pki, ca, { name: 'test', ip: address });
    const admin = await ensureClientCert(pki, ca, 'admin', 'kubernetes-admin', ['system:masters']);
    const token = `test-token-${Math.random().toString(36).slice(2)}`;
    const tokenFile = path.join(dir, 'tokens.csv');
    await writeFile(tokenFile, `${token},test-user,1000,"system:masters,testers"\n`);
    const port = opts.port ?? (await freePort(address));
    const url = `https://${address}:${port}`;
    const kubeconfigPath = await writeKubeconfig(path.join(dir, 'admin.kubeconfig'), {
      server: url,
      caFile: ca.cert,
      clientCert: admin.cert,
      clientKey: admin.key,
    });
    const tokenKubeconfigPath = await writeKubeconfig(path.join(dir, 'token.kubeconfig'), {
      server: url,
      caFile: ca.cert,
      token,
      userName: 'test-user',
    });
    // From the kube-apiserver bundle, as the lab runs it (fresh: rebuilt if a source changed).
    await ensureBundles(ROOT);
    const args = [
      '--max-semi-space-size=2',
      bundleFile(ROOT, 'kube-apiserver'),
      `--advertise-address=${address}`,
      `--bind-address=${address}`,
      `--secure-port=${port}`,
      `--etcd-servers=${etcd.endpoint}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.cert}`,
      `--token-auth-file=${tokenFile}`,
      ...(opts.flags ?? []),
    ];
    const [cmd, ...argv] = untracked([process.execPath, ...args]);
    const proc = track(
      spawn(cmd, argv, {
        cwd: ROOT,
        env: withoutTapHooks(),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      `apiserver ${address}`,
      log,
    );
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    cleanups.push(() => kill(proc));
    const kc = () => {
      const k = new KubeConfig();
      k.loadFromFile(kubeconfigPath);
      return k;
    };
    const agent = { ca: await import('node:fs').then((fs) => fs.readFileSync(ca.cert)) };
    await waitFor(
      'apiserver',
      15_000,
      async () => {
        const https = await import('node:https');
        return new Promise<boolean>((resolve) => {
          const req = https.get(`${url}/readyz`, { ...agent, timeout: 1000 }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          });
          req.on('error', () => resolve(false));
          req.on('timeout', () => req.destroy());
        });
      },
      proc,
    );
    return {
      url,
      port,
      address,
      kubeconfigPath,
      tokenKubeconfigPath,
      token,
      caFile: ca.cert,
      etcdEndpoint: etcd.endpoint,
      etcd,
      dir,
      proc,
      kubeConfig: kc,
      kubectl: (a, o = {}) => runKubectl(kubeconfigPath, dir, a, o),
      exited: () => exit,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function runKubectl(
  kubeconfig: string,
  home: string,
  args: readonly string[],
  o: { input?: string; timeoutMs?: number },
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { env: { ...process.env, HOME: home, KUBECONFIG: kubeconfig }, timeout: o.timeoutMs ?? 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
    else child.stdin?.end();
  });
}
