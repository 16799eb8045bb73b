/**
 * The kind target: an HA kind cluster's node containers, found by the labels
 * `io.x-k8s.kind.cluster` / `io.x-k8s.kind.role`; the kubeconfig from `kind get kubeconfig`;
 * `docker exec` into nodes with the kubeadm profile; the `-external-load-balancer` container as
 * the only LB (a single point of failure; Envoy since kind v0.32, HAProxy before). `--create`
 * creates the cluster from a kind config and deletes it after only when this run created it.
 * Missing docker, an unreachable engine or a missing kind binary: TargetError (exit 3), nothing done.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerExecutor, type LocalRunner } from '../executors/docker.ts';
import { runLocal } from '../executors/local.ts';
import { TargetError, UserError } from '../util/errors.ts';
import { KindProfile } from './kind-profile.ts';
import { readTimings } from './kubeadm-profile-timings.ts';
import { kubeconfigServer, UPSTREAM_DEFAULTS } from './ssh.ts';
import type { HaTimings, HostRole, Target, Topology } from './types.ts';

export const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const ROLE_LABEL = 'io.x-k8s.kind.role';

export interface KindNode {
  readonly name: string;
  /** control-plane | worker | external-load-balancer */
  readonly role: string;
  readonly ip: string;
  readonly image: string;
}

/** `docker ps` lines `name\trole\timage` → nodes (addresses filled from `docker inspect`). */
export function parseNodeList(out: string): Omit<KindNode, 'ip'>[] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name = '', role = '', image = ''] = l.split('\t');
      return { name, role, image };
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

export const lbKind = (image: string): 'envoy' | 'haproxy' | 'unknown' =>
  /envoy/i.test(image) ? 'envoy' : /haproxy/i.test(image) ? 'haproxy' : 'unknown';

export function kindTopology(
  cluster: string,
  nodes: readonly KindNode[],
  kubeconfigPath: string,
  apiUrl: string,
): Topology {
  const roles = (r: string): HostRole[] =>
    r === 'control-plane'
      ? ['control-plane', 'etcd']
      : r === 'worker'
        ? ['worker']
        : r === 'external-load-balancer'
          ? ['lb']
          : [];
  const cps = nodes.filter((n) => n.role === 'control-plane');
  const lbs = nodes.filter((n) => n.role === 'external-load-balancer');
  const lb = lbs[0];
  const lbNote = lb ? `, LB ${lbKind(lb.image)}: single point of failure` : '';
  return {
    kind: 'kind',
    name: `kind-${cluster}${lbNote ? ` (${lbNote.slice(2)})` : ''}`,
    hosts: nodes.map((n) => ({
      name: n.name,
      roles: roles(n.role),
      address: n.ip,
      nodeName: n.role === 'control-plane' || n.role === 'worker' ? n.name : undefined,
    })),
    apiUrl,
    apiservers: cps.map((n) => ({ host: n.name, ip: n.ip, url: `https://${n.ip}:6443` })),
    etcd: cps.map((n) => ({ host: n.name, member: n.name, url: `https://${n.ip}:2379` })),
    lbs: lbs.map((n) => n.name),
    kubeconfigPath,
  };
}

const need = async (run: LocalRunner, argv: string[], what: string, fix: string): Promise<string> => {
  const r = await run(argv, { timeoutMs: 20_000 }).catch((e: Error) => ({
    code: 127,
    stdout: '',
    stderr: e.message,
  }));
  if (r.code !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
    throw new TargetError(`${what}${why ? ` (${why})` : ''}: ${fix}`);
  }
  return r.stdout;
};

/** docker (with a reachable engine) and kind must be there; says which is missing and what to do. */
export async function requireKindTools(run: LocalRunner = runLocal, needKind = true): Promise<void> {
  await need(
    run,
    ['docker', 'version', '--format', '{{.Server.Version}}'],
    '--target kind needs a Docker engine and none answers',
    'install Docker and start it (docker version must show a Server), or use --target lab',
  );
  if (needKind)
    await need(
      run,
      ['kind', 'version'],
      '--target kind needs the kind binary',
      'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), or use --target lab',
    );
}

/** Lists the cluster's containers; a cluster without control planes is a TargetError. */
export async function discoverNodes(cluster: string, run: LocalRunner = runLocal): Promise<KindNode[]> {
  const ps = await need(
    run,
    [
      'docker',
      'ps',
      '-a',
      '--filter',
      `label=${CLUSTER_LABEL}=${cluster}`,
      '--format',
      `{{.Names}}\t{{.Label "${ROLE_LABEL}"}}\t{{.Image}}`,
    ],
    'docker ps failed',
    'check that the Docker engine is running',
  );
  const listed = parseNodeList(ps);
  if (!listed.some((n) => n.role === 'control-plane')) {
    throw new TargetError(
      `no kind cluster '${cluster}' (no container labelled ${CLUSTER_LABEL}=${cluster}): create it with 'kind create cluster --name ${cluster} --config kind-configs/ha-3cp.yaml', or pass --create`,
    );
  }
  return Promise.all(
    listed.map(async (n) => {
      const ip = await need(
        run,
        ['docker', 'inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', n.name],
        `docker inspect ${n.name} failed`,
        'check the container',
      );
      return { ...n, ip: ip.trim().split(/\s+/)[0] ?? '' };
    }),
  );
}

export interface KindOpenOptions {
  readonly cluster?: string;
  /** Create the cluster from this kind config when it does not exist (and delete it after). */
  readonly create?: string;
  readonly run?: LocalRunner;
  readonly log?: (line: string) => void;
  /** Plan only: no cluster is created and `kind` is only asked for the kubeconfig when present. */
  readonly dryRun?: boolean;
}

export class KindTarget implements Target {
  readonly executor: DockerExecutor;
  readonly profile: KindProfile;
  constructor(
    readonly cluster: string,
    readonly topology: Topology,
    private readonly run: LocalRunner,
    private readonly cleanup: () => Promise<void>,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.executor = new DockerExecutor(
      topology.hosts.filter((h) => !h.roles.includes('lb')).map((h) => h.name),
      run,
    );
    const cps = topology.hosts.filter((h) => h.roles.includes('etcd'));
    this.profile = new KindProfile(topology.lbs[0], {
      etcdMembers: cps.map((h) => ({ name: h.name, peerUrl: `https://${h.address}:2380` })),
      hosts: new Map(topology.hosts.map((h) => [h.name, { address: h.address, nodeName: h.nodeName }])),
    });
  }

  async timings(): Promise<HaTimings> {
    const first = (r: HostRole) => this.topology.hosts.find((h) => h.roles.includes(r))?.name;
    // The LB container is read on the harness side with `docker exec` (it is not an executor host).
    const lb = this.topology.lbs[0];
    const { timings, missing } = await readTimings(
      this.executor,
      { controlPlane: first('control-plane'), worker: first('worker'), lbs: [] },
      {},
      UPSTREAM_DEFAULTS,
    );
    let lbTimings: HaTimings = {};
    if (lb) {
      const r = await this.run(
        [
          'docker',
          'exec',
          lb,
          'sh',
          '-c',
          'cat /usr/local/etc/haproxy/haproxy.cfg 2>/dev/null || cat /home/envoy/*.yaml 2>/dev/null',
        ],
        { timeoutMs: 10_000 },
      );
      if (r.code === 0) {
        const { haproxyTimings, envoyTimings } = await import('./kubeadm-profile-timings.ts');
        lbTimings = /unhealthy_threshold/.test(r.stdout) ? envoyTimings(r.stdout) : haproxyTimings(r.stdout);
      } else missing.push(`LB config on ${lb}`);
    }
    if (missing.length > 0)
      this.log(`timings: could not read ${missing.join(', ')} (upstream defaults used)`);
    return {
      ...timings,
      ...Object.fromEntries(Object.entries(lbTimings).filter(([, v]) => v !== undefined)),
    };
  }

  async close(): Promise<void> {
    await this.executor.close();
    await this.cleanup();
  }
}

export async function openKindTarget(o: KindOpenOptions = {}): Promise<KindTarget> {
  const run = o.run ?? runLocal;
  const log = o.log ?? (() => {});
  const cluster = o.cluster ?? 'kind';
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(cluster))
    throw new UserError(`--cluster '${cluster}': use lowercase letters, digits, '-' and '.'`);
  if (o.create && !fs.existsSync(o.create)) throw new UserError(`--create ${o.create}: no such kind config`);
  await requireKindTools(run, !o.dryRun);
  let created = false;
  let nodes: KindNode[];
  try {
    nodes = await discoverNodes(cluster, run);
  } catch (err) {
    if (!o.create || o.dryRun) throw err;
    log(`creating kind cluster '${cluster}' from ${o.create} (deleted again after the drill)`);
    await need(
      run,
      ['kind', 'create', 'cluster', '--name', cluster, '--config', o.create, '--wait', '5m'],
      `kind create cluster --name ${cluster} failed`,
      'see the output above; kind needs a Docker engine with enough memory',
    );
    created = true;
    nodes = await discoverNodes(cluster, run);
  }
  // This run's own files (kubeconfig, etcd client certificates) in a fresh 0700 directory, removed
  // when the target closes: a predictable path would be shared by two drills (one reading while
  // the other rewrites it) and keep a pre-existing file's mode.
  const files = fs.mkdtempSync(path.join(os.tmpdir(), `hadrill-kind-${cluster}-`));
  const removeFiles = () => fs.rmSync(files, { recursive: true, force: true });
  const kubeconfigPath = path.join(files, 'kubeconfig');
  let topology: Topology;
  try {
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
    }
    topology = kindTopology(cluster, nodes, kubeconfigPath, apiUrl);
    const cp = topology.etcd[0]?.host;
    if (cp && !o.dryRun) {
      // etcd requires client certificates: kubeadm's healthcheck client, copied out of a node.
      const dir = path.join(files, 'etcd');
      fs.mkdirSync(dir, { mode: 0o700 });
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
      const creds = tls as { caFile: string; certFile: string; keyFile: string };
      topology = { ...topology, etcd: topology.etcd.map((e) => ({ ...e, tls: creds })) };
    }
  } catch (err) {
    removeFiles();
    throw err;
  }
  return new KindTarget(
    cluster,
    topology,
    run,
    async () => {
      removeFiles();
      if (!created) return;
      log(`deleting kind cluster '${cluster}' (created by this drill)`);
      await run(['kind', 'delete', 'cluster', '--name', cluster], { timeoutMs: 300_000 });
    },
    log,
  );
}
