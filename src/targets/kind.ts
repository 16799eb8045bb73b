/**
 * The kind target: an HA kind cluster's node containers (kind-nodes.ts); the kubeconfig from
 * `kind get kubeconfig`; `docker exec` into nodes with the kubeadm profile; the
 * `-external-load-balancer` container as the only LB (a single point of failure; Envoy since kind
 * v0.32, HAProxy before), handled with docker on the harness (kind-profile.ts). etcd is reached
 * over TLS with kubeadm's healthcheck client, copied out of a control plane. This run's files
 * (kubeconfig, etcd client key, LB config) live in a fresh 0700 directory removed at close, and
 * at exit if the run dies first.
 *
 * Three ways to open it:
 * - a drill: docker with an engine and kind must be there (else TargetError, exit 3, nothing
 *   done); `--create` creates the cluster from a kind config when absent and deletes it after;
 * - a plan (`dryRun`): the live cluster when an engine answers and the cluster exists (read-only);
 *   otherwise planned from `--create` or kind-configs/ha-3cp.yaml (kind-config.ts), with notes
 *   saying what a drill would read from the live cluster instead;
 * - a heal (`healOnly`, `drill recover`): docker and the node containers only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerExecutor, type LocalRunner } from '../executors/docker.ts';
import { runLocal } from '../executors/local.ts';
import { TargetError, UserError } from '../util/errors.ts';
import type { TimingInputs } from './defaults.ts';
import { DEFAULT_KIND_CONFIG, kindNetwork, kindNodeNames, readKindConfig } from './kind-config.ts';
import { readLbTimings } from './kind-lb.ts';
import { discoverNodes, type KindNode, kindTopology, need, requireKindTools } from './kind-nodes.ts';
import { type KindLbLink, KindProfile } from './kind-profile.ts';
import { readTimings } from './kubeadm-profile-timings.ts';
import { kubeconfigServer } from './ssh.ts';
import type { HostRole, Target, Topology } from './types.ts';

export {
  CLUSTER_LABEL,
  discoverNodes,
  type KindNode,
  kindTopology,
  lbKind,
  parseNodeList,
  ROLE_LABEL,
  requireKindTools,
} from './kind-nodes.ts';

export interface KindOpenOptions {
  readonly cluster?: string;
  /** Create the cluster from this kind config when it does not exist (and delete it after). */
  readonly create?: string;
  readonly run?: LocalRunner;
  readonly log?: (line: string) => void;
  /** Plan only: nothing is created; without an engine or cluster, planned from a kind config. */
  readonly dryRun?: boolean;
  /** For replaying heals: docker and the node containers only (no kind, kubeconfig or certificates). */
  readonly healOnly?: boolean;
}

interface KindTargetParts {
  readonly run: LocalRunner;
  readonly log: (line: string) => void;
  readonly lbLink?: KindLbLink;
  /** This run's private directory (absent when planned from a config or opened for a heal). */
  readonly files?: string;
  readonly cleanup: () => Promise<void>;
  /** What a plan should say about where it comes from (printed by `--dry-run`). */
  readonly notes?: readonly string[];
}

export class KindTarget implements Target {
  readonly executor: DockerExecutor;
  readonly profile: KindProfile;
  readonly notes: readonly string[];
  constructor(
    readonly cluster: string,
    readonly topology: Topology,
    private readonly parts: KindTargetParts,
  ) {
    this.notes = parts.notes ?? [];
    this.executor = new DockerExecutor(
      topology.hosts.filter((h) => !h.roles.includes('lb')).map((h) => h.name),
      parts.run,
    );
    const cps = topology.hosts.filter((h) => h.roles.includes('etcd'));
    this.profile = new KindProfile(
      topology.lbs[0],
      {
        etcdMembers: cps.map((h) => ({ name: h.name, peerUrl: `https://${h.address}:2380` })),
        hosts: new Map(topology.hosts.map((h) => [h.name, { address: h.address, nodeName: h.nodeName }])),
      },
      parts.lbLink,
    );
  }

  /** The nodes' inputs (upstream defaults where unset) and the LB's health check (kind-lb.ts). */
  async timings(): Promise<TimingInputs> {
    const first = (r: HostRole) => this.topology.hosts.find((h) => h.roles.includes(r))?.name;
    const { timings, missing } = await readTimings(this.executor, {
      controlPlane: first('control-plane'),
      worker: first('worker'),
      lbs: [],
    });
    // The LB container is read on the harness side (it is not an executor host).
    const lb = this.topology.lbs[0];
    const fromLb =
      lb && this.parts.files ? await readLbTimings(this.parts.run, lb, this.parts.files) : undefined;
    if (lb && !fromLb) missing.push(`LB config on ${lb}`);
    if (missing.length > 0)
      this.parts.log(`timings: could not read ${missing.join(', ')} (upstream defaults used)`);
    // The nodes' inputs win where both have one (the LB part has only the LB's own).
    const lbTimings: TimingInputs = fromLb?.timings ?? {};
    return { ...lbTimings, ...timings, origins: { ...lbTimings.origins, ...timings.origins } };
  }

  async close(): Promise<void> {
    try {
      await this.executor.close();
    } finally {
      await this.parts.cleanup();
    }
  }
}

/** A fresh 0700 directory for this run's files: removed by `remove()`, or at exit if never called. */
function privateDir(cluster: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hadrill-kind-${cluster}-`));
  const remove = () => {
    process.off('exit', remove);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { dir, remove };
}

/** kubeadm's etcd healthcheck client, copied out of a control plane into `dir` (0600 files). */
async function etcdClientTls(run: LocalRunner, cp: string, dir: string) {
  const pki = { caFile: 'ca.crt', certFile: 'healthcheck-client.crt', keyFile: 'healthcheck-client.key' };
  const tls: Record<string, string> = {};
  for (const [k, f] of Object.entries(pki)) {
    const pem = await need(
      run,
      ['docker', 'exec', cp, 'cat', `/etc/kubernetes/pki/etcd/${f}`],
      `cannot read /etc/kubernetes/pki/etcd/${f} from ${cp}`,
      'is the node a kubeadm control plane?',
    );
    tls[k] = path.join(dir, f);
    fs.writeFileSync(tls[k], pem, { mode: 0o600 });
  }
  return tls as { caFile: string; certFile: string; keyFile: string };
}

/** What a drill reads from the live cluster and a plan from a config cannot. */
const LIVE_READS =
  'a drill reads from the live cluster instead: node addresses and the LB network (docker inspect; container names stand in here), ' +
  "the LB's implementation (Envoy since kind v0.32, HAProxy before), the kubeconfig (kind get kubeconfig), " +
  "etcd's client certificates (/etc/kubernetes/pki/etcd/healthcheck-client.* in a control plane) and the HA timings " +
  '(static-pod manifests, kubelet config, the LB health checks); scenarios that aim by the live cluster (leader-kill, the etcd leader) need it';

/** Why a plan comes from a kind config: `short` for the plan-only line, `full` for the notes. */
interface PlannedWhy {
  readonly short: string;
  readonly full: string;
}

function plannedTarget(
  cluster: string,
  config: string,
  why: PlannedWhy,
  o: { run: LocalRunner; log: (l: string) => void },
): KindTarget {
  const planned = kindNodeNames(cluster, readKindConfig(config));
  const nodes: KindNode[] = planned.map((n) => ({ ...n, ip: n.name, image: '' }));
  const lb = planned.find((n) => n.role === 'external-load-balancer')?.name;
  const apiUrl = `https://${lb ?? `${cluster}-control-plane`}:6443`;
  const from = `planned from ${path.relative(process.cwd(), config) || config}`;
  // planOnly: nothing of the cluster is contacted (the names in it resolve nowhere), so an aim
  // read live (the etcd leader, the lease holder) asks for its flag, as on a lab that is down.
  const topology = {
    ...kindTopology(cluster, nodes, `<kind get kubeconfig --name ${cluster}>`, apiUrl),
    planOnly: `${from} (${why.short})`,
  };
  const notes = [`${from}: ${why.full}`, LIVE_READS];
  for (const n of notes) o.log(n);
  return new KindTarget(cluster, topology, {
    run: o.run,
    log: o.log,
    lbLink: { network: kindNetwork() },
    cleanup: async () => {},
    notes,
  });
}

/** A kind cluster name as kind accepts it (its context is `kind-<name>`); returns it. */
export function checkClusterName(cluster: string): string {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(cluster))
    throw new UserError(`--cluster '${cluster}': use lowercase letters, digits, '-' and '.'`);
  return cluster;
}

export async function openKindTarget(o: KindOpenOptions = {}): Promise<KindTarget> {
  const run = o.run ?? runLocal;
  const log = o.log ?? (() => {});
  const cluster = checkClusterName(o.cluster ?? 'kind');
  // A bad --create is bad input whatever the engine: say so before anything else.
  if (o.create) readKindConfig(o.create);
  const network = kindNetwork();
  if (o.dryRun) {
    const engine = await run(['docker', 'version', '--format', '{{.Server.Version}}'], {
      timeoutMs: 20_000,
    }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
    if (engine.code !== 0) {
      const why = (engine.stderr || engine.stdout).trim().split('\n')[0] || `exit ${engine.code}`;
      const short = 'no Docker engine answered';
      return plannedTarget(
        cluster,
        o.create ?? DEFAULT_KIND_CONFIG,
        { short, full: `${short} (${why})` },
        {
          run,
          log,
        },
      );
    }
  } else await requireKindTools(run, !o.healOnly);
  let created = false;
  let nodes: KindNode[];
  try {
    nodes = await discoverNodes(cluster, run, network);
  } catch (err) {
    if (!o.create || o.healOnly) throw err;
    if (o.dryRun) {
      const short = `no cluster '${cluster}' yet: a drill creates it`;
      const full = `${short} (kind create cluster --name ${cluster} --config ${o.create}) and deletes it after`;
      return plannedTarget(cluster, o.create, { short, full }, { run, log });
    }
    log(`creating kind cluster '${cluster}' from ${o.create} (deleted again after the drill)`);
    await need(
      run,
      ['kind', 'create', 'cluster', '--name', cluster, '--config', o.create, '--wait', '5m'],
      `kind create cluster --name ${cluster} failed`,
      'see the output above; kind needs a Docker engine with enough memory',
    );
    created = true;
    nodes = await discoverNodes(cluster, run, network);
  }
  const lbNode = nodes.find((n) => n.role === 'external-load-balancer');
  const lbLink = { network: lbNode?.network ?? network, ip: lbNode?.ip || undefined };
  const deleteCreated = async () => {
    if (!created) return;
    log(`deleting kind cluster '${cluster}' (created by this drill)`);
    await run(['kind', 'delete', 'cluster', '--name', cluster], { timeoutMs: 300_000 });
  };
  if (o.healOnly) {
    const topology = kindTopology(cluster, nodes, `<kind get kubeconfig --name ${cluster}>`, '');
    return new KindTarget(cluster, topology, { run, log, lbLink, cleanup: deleteCreated });
  }
  const files = privateDir(cluster);
  const notes: string[] = [];
  let topology: Topology;
  try {
    const kubeconfigPath = path.join(files.dir, 'kubeconfig');
    const kc = await run(['kind', 'get', 'kubeconfig', '--name', cluster], { timeoutMs: 20_000 }).catch(
      () => undefined,
    );
    let apiUrl = `https://${cluster}-external-load-balancer:6443`;
    if (kc?.code === 0) {
      fs.writeFileSync(kubeconfigPath, kc.stdout, { mode: 0o600 });
      apiUrl = kubeconfigServer(kc.stdout, kubeconfigPath);
    } else if (!o.dryRun) {
      throw new TargetError(
        `kind get kubeconfig --name ${cluster} failed: ${kc?.stderr.trim() ?? 'kind not runnable'}`,
      );
    } else notes.push(`no kubeconfig (kind get kubeconfig --name ${cluster} failed): the API is not read`);
    topology = kindTopology(cluster, nodes, kubeconfigPath, apiUrl);
    const cp = topology.etcd[0]?.host;
    if (cp) {
      const dir = path.join(files.dir, 'etcd');
      fs.mkdirSync(dir, { mode: 0o700 });
      const tls = await etcdClientTls(run, cp, dir).catch((err: Error) => {
        if (!o.dryRun) throw err;
        notes.push(`etcd cannot be read: its client certificates could not be copied (${err.message})`);
        return undefined;
      });
      if (tls) topology = { ...topology, etcd: topology.etcd.map((e) => ({ ...e, tls })) };
    }
  } catch (err) {
    files.remove();
    await deleteCreated();
    throw err;
  }
  for (const n of notes) log(n);
  return new KindTarget(cluster, topology, {
    run,
    log,
    lbLink,
    files: files.dir,
    notes,
    cleanup: async () => {
      files.remove();
      await deleteCreated();
    },
  });
}
