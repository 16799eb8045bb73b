/**
 * Lab lifecycle: `up` (idempotent: builds what is missing, starts what is stopped, waits until
 * healthy), `down` (removes every namespace, link, rule and process the lab made, also of a
 * half-built or killed run) and the saved config a drill attaches to.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runLocal } from '../executors/local.ts';
import { clusterHealth } from '../probes/etcd-health.ts';
import { KubeAccess } from '../probes/kube.ts';
import { apiserversCheck, describeProblems, onProblemsChange, waitSteadyState } from '../probes/steady.ts';
import { TargetError, UserError } from '../util/errors.ts';
import { waitFor } from '../util/time.ts';
import { labLayers } from './components.ts';
import type { LabConfig, LabOptions } from './config.ts';
import {
  defaultStateDir,
  etcdHosts,
  etcdTopology,
  hostRoot,
  hostsByRole,
  labConfig,
  labKubeconfigPath,
  lbOptions,
} from './config.ts';
import { EtcdMembers } from './etcd.ts';
import { ensureHost } from './host.ts';
import { markControlPlane } from './mark-control-plane.ts';
import { waitMonitoring } from './monitoring.ts';
import { addressHolders, createNetwork, listNetns, removeNetwork } from './network.ts';
import { ensurePackages, requireRoot } from './packages.ts';
import { markedPids, terminate } from './procs.ts';
import { SAVED, savedConfig } from './saved.ts';
import { Supervisor } from './supervisor.ts';
import { LabTarget, labTopology } from './target.ts';

export { requireLab, savedConfig } from './saved.ts';

export interface UpResult {
  readonly config: LabConfig;
  readonly elapsedMs: number;
  readonly reused: boolean;
}

export interface UpOptions extends LabOptions {
  readonly log?: (line: string) => void;
  readonly timeoutMs?: number;
}

export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  requireRoot('lab up');
  const cfg = labConfig(opts);
  const saved = savedConfig(cfg.stateDir);
  const lbText = (c: LabConfig) => JSON.stringify(lbOptions(c));
  const members = (c: LabConfig) => `${etcdHosts(c).length} ${etcdTopology(c)}`;
  const lbCount = (c: LabConfig) => hostsByRole(c, 'lb').length;
  if (
    saved &&
    (saved.preset !== cfg.preset ||
      saved.workers !== cfg.workers ||
      members(saved) !== members(cfg) ||
      lbCount(saved) !== lbCount(cfg) ||
      saved.prefix !== cfg.prefix ||
      lbText(saved) !== lbText(cfg) ||
      saved.timings.apiserver.shutdownDelayS !== cfg.timings.apiserver.shutdownDelayS ||
      (saved.timings.apiserver.shutdownSendRetryAfter ?? false) !==
        (cfg.timings.apiserver.shutdownSendRetryAfter ?? false))
  ) {
    const delay = (c: LabConfig) =>
      `apiserver shutdown delay ${c.timings.apiserver.shutdownDelayS} s${c.timings.apiserver.shutdownSendRetryAfter ? ' with --shutdown-send-retry-after' : ''}`;
    throw new UserError(
      `a lab is already up with preset '${saved.preset}', ${members(saved)} etcd members, ${lbCount(saved)} LB(s), ${saved.workers} worker(s), LB options ${lbText(saved)} and ${delay(saved)}; run 'npm run lab -- down' before bringing up preset '${cfg.preset}' with ${members(cfg)} etcd members, ${lbCount(cfg)} LB(s), ${cfg.workers} worker(s), LB options ${lbText(cfg)} and ${delay(cfg)}`,
    );
  }
  if (!saved && (await leftovers(cfg.prefix, cfg.stateDir))) {
    log('removing leftovers of an earlier lab run');
    await down({ stateDir: cfg.stateDir, prefix: cfg.prefix });
  }
  ensurePackages(log);
  fs.mkdirSync(cfg.stateDir, { recursive: true });
  fs.writeFileSync(path.join(cfg.stateDir, SAVED), `${JSON.stringify(cfg, null, 2)}\n`);
  log(`network: bridge ${cfg.bridge} ${cfg.hostIp}/${cfg.prefixLength}, ${cfg.hosts.length} hosts`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const at = (what: string) => log(`${what} at ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // The cluster's files (keys and certificates: the longest part) beside the network; each host
  // its own node paths and hostname (src/lab/host.ts) before anything runs in it. The files are
  // written under the state directory, which the hosts bind-mount: they need no host running.
  const [layers] = await Promise.all([
    labLayers(cfg),
    createNetwork(cfg).then(() => Promise.all(cfg.hosts.map((h) => ensureHost(cfg, h)))),
  ]);
  const sup = new Supervisor(cfg.stateDir);
  for (const layer of layers) {
    const toStart = layer.specs.filter((s) => sup.state(s.host, s.name).state !== 'running');
    if (toStart.length === 0) continue;
    if (layer.after === 'apiservers-ready') {
      await waitApiserversReady(cfg, timeoutMs);
      at(`every apiserver ready for ${layer.name}`);
    }
    log(`starting ${layer.name} on ${toStart.map((s) => s.host).join(', ')}`);
    await Promise.all(toStart.map((s) => sup.start(s)));
  }
  await waitHealthy(cfg, timeoutMs, at);
  return { config: cfg, elapsedMs: performance.now() - started, reused: saved !== undefined };
}

/**
 * Waits until etcd has one leader agreed by all members, the VIP is on the MASTER LB and it
 * accepts TCP, the control planes are marked, steady state holds and monitoring is up; `reached`
 * hears each step as it is reached (`lab up` logs them with their time).
 */
export async function waitHealthy(
  cfg: LabConfig,
  timeoutMs: number,
  reached: (what: string) => void = () => {},
): Promise<void> {
  const etcd = new EtcdMembers(cfg);
  try {
    await waitFor(
      async () => {
        const h = clusterHealth(await etcd.statusAll());
        if (!h.healthy) throw new Error(h.problems.join('; '));
        return true;
      },
      { timeoutMs, intervalMs: 100, what: 'etcd to elect a leader' },
    );
  } catch (err) {
    throw new TargetError(`lab not healthy: ${(err as Error).message}. Logs: ${cfg.stateDir}/<host>/*.log`);
  } finally {
    etcd.close();
  }
  reached('etcd: one leader');
  // VRRP settled: the VIP on the MASTER (lb1, priority 101). Right after start its
  // check_apiserver.sh may still fail (weight -2: 99 < lb2's 100), so lb2 can hold the VIP for a
  // moment before lb1 preempts it; a drill starting then would see that move as part of its fault.
  const lbs = hostsByRole(cfg, 'lb');
  await waitFor(
    async () => {
      const holders = await addressHolders(cfg.vip, lbs);
      if (holders.length !== 1 || holders[0] !== lbs[0]!.name)
        throw new Error(`VIP ${cfg.vip} held by [${holders.join(', ')}], not (yet) by ${lbs[0]!.name}`);
      await tcpConnect(cfg.vip, cfg.apiPort, 1000);
      return true;
    },
    { timeoutMs, intervalMs: 100, what: `the VIP ${cfg.vip}:${cfg.apiPort} to accept connections` },
  ).catch((err: Error) => {
    throw new TargetError(`lab not healthy: ${err.message}. Logs: ${cfg.stateDir}/lb*/*.log`);
  });
  reached(`VIP on ${lbs[0]!.name}, accepting connections`);
  // The Kubernetes layer: the control planes marked as kubeadm does once their Nodes registered,
  // then apiservers ready, nodes Ready, leader leases held, endpoints complete.
  const target = new LabTarget(cfg);
  const kube = new KubeAccess(labKubeconfigPath(cfg));
  await Promise.all(
    hostsByRole(cfg, 'control-plane').map((h) =>
      markControlPlane(kube, target.topology.apiUrl, h.name, timeoutMs),
    ),
  ).catch((err: Error) => {
    throw new TargetError(`lab not healthy: ${err.message}. Logs: ${cfg.stateDir}/<host>/*.log`);
  });
  reached('control planes registered and marked');
  const s = await waitSteadyState(target, kube, timeoutMs, {
    notYet: onProblemsChange((problems) => reached(`waiting for ${problems}`)),
    expect: { retryPeriodS: cfg.timings.leaderElection.retryPeriodS },
  });
  if (!s.ok) {
    throw new TargetError(`lab not healthy: ${describeProblems(s)}. Logs: ${cfg.stateDir}/<host>/*.log`);
  }
  reached('steady state');
  await waitMonitoring(cfg, timeoutMs).catch((err: Error) => {
    throw new TargetError(`lab not healthy: ${err.message}. Logs: ${cfg.stateDir}/mon1/*.log`);
  });
}

/**
 * Waits until every control plane's apiserver answers `GET /readyz` with 200, directly and
 * anonymously, as the LB's health check asks it (src/lab/haproxy.ts; the `guide` check, a TLS
 * handshake, passes by then too): steady state's own apiservers check.
 */
async function waitApiserversReady(cfg: LabConfig, timeoutMs: number): Promise<void> {
  const kube = new KubeAccess(labKubeconfigPath(cfg));
  const topology = labTopology(cfg);
  await waitFor(
    async () => {
      const c = await apiserversCheck({ topology }, kube);
      if (!c.ok) throw new Error(c.detail);
      return true;
    },
    { timeoutMs, intervalMs: 100, what: 'every apiserver to answer /readyz' },
  ).catch((err: Error) => {
    throw new TargetError(`lab not healthy: ${err.message}. Logs: ${cfg.stateDir}/<host>/pods/`);
  });
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host, port });
    const t = setTimeout(() => s.destroy(new Error(`connect ${host}:${port} timed out`)), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

async function leftovers(prefix: string, stateDir: string): Promise<boolean> {
  return (
    (await listNetns(prefix)).length > 0 || markedPids(`${stateDir}:`).length > 0 || fs.existsSync(stateDir)
  );
}

export interface DownResult {
  readonly elapsedMs: number;
  readonly stoppedProcesses: number;
  readonly removedNetns: readonly string[];
}

/** Tears everything down; safe on a half-built, killed or already removed lab. */
export async function down(opts: { stateDir?: string; prefix?: string } = {}): Promise<DownResult> {
  const started = performance.now();
  requireRoot('lab down');
  const stateDir = opts.stateDir ?? defaultStateDir();
  const prefix = opts.prefix ?? savedConfig(stateDir)?.prefix ?? labConfig().prefix;
  const sup = new Supervisor(stateDir);
  const pids = new Set<number>(sup.strays());
  for (const c of sup.components()) if (c.state.state === 'running') pids.add(c.state.pid);
  for (const ns of await listNetns(prefix)) for (const pid of await netnsPids(ns)) pids.add(pid);
  await Promise.all([...pids].map((pid) => terminate(pid, { graceMs: 2000 })));
  const removed = await removeNetwork(prefix);
  keepLogs(stateDir);
  fs.rmSync(stateDir, { recursive: true, force: true });
  return { elapsedMs: performance.now() - started, stoppedProcesses: pids.size, removedNetns: removed.netns };
}

/**
 * Keeps the logs of the lab being removed in `<stateDir>.last-logs/` for post-mortems: the
 * supervisor's (`<host>/*.log`) and the static pods' container logs (`<host>/pods/`, the host's
 * /var/log/pods).
 */
function keepLogs(stateDir: string): void {
  if (!fs.existsSync(stateDir)) return;
  const dest = `${stateDir}.last-logs`;
  fs.rmSync(dest, { recursive: true, force: true });
  for (const host of fs.readdirSync(stateDir)) {
    const d = path.join(stateDir, host);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.log'))) {
      fs.mkdirSync(path.join(dest, host), { recursive: true });
      fs.copyFileSync(path.join(d, f), path.join(dest, host, f));
    }
    const pods = path.join(hostRoot(stateDir, host), 'var/log/pods');
    if (fs.existsSync(pods)) fs.cpSync(pods, path.join(dest, host, 'pods'), { recursive: true });
  }
}

async function netnsPids(ns: string): Promise<number[]> {
  const res = await runLocal(['ip', 'netns', 'pids', ns]);
  return res.stdout
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}
