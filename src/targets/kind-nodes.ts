/**
 * A kind cluster's node containers: found by kind's labels `io.x-k8s.kind.cluster` /
 * `io.x-k8s.kind.role` (kind pkg/cluster/internal/providers/docker/constants.go), their address
 * and network from `docker inspect`, and the topology they make. Also the tool checks: docker with
 * an engine that answers, and the kind binary.
 */
import type { LocalRunner } from '../executors/docker.ts';
import { runLocal } from '../executors/local.ts';
import { TargetError } from '../util/errors.ts';
import type { HostRole, Topology } from './types.ts';

export const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const ROLE_LABEL = 'io.x-k8s.kind.role';

export interface KindNode {
  readonly name: string;
  /** control-plane | worker | external-load-balancer */
  readonly role: string;
  readonly ip: string;
  readonly image: string;
  /** The docker network the address is on (kind's), when docker said. */
  readonly network?: string;
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

/** `docker inspect` of a container's networks, `IP NETWORK ` pairs: kind's network first, else the first one. */
export const NETWORKS_FORMAT = '{{range $k, $v := .NetworkSettings.Networks}}{{$v.IPAddress}} {{$k}} {{end}}';

export function parseNetworks(out: string, prefer: string): { ip: string; network?: string } {
  const t = out.trim().split(/\s+/).filter(Boolean);
  const pairs: { ip: string; network?: string }[] = [];
  for (let i = 0; i < t.length; i += 2) pairs.push({ ip: t[i]!, network: t[i + 1] });
  return pairs.find((p) => p.network === prefer) ?? pairs[0] ?? { ip: '' };
}

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
  const impl = lb ? lbKind(lb.image) : undefined;
  const lbNote = lb ? `LB${impl === 'unknown' ? '' : ` ${impl}`}: single point of failure` : '';
  return {
    kind: 'kind',
    name: `kind-${cluster}${lbNote ? ` (${lbNote})` : ''}`,
    hosts: nodes.map((n) => ({
      name: n.name,
      roles: roles(n.role),
      address: n.ip,
      nodeName: n.role === 'control-plane' || n.role === 'worker' ? n.name : undefined,
    })),
    apiUrl,
    apiservers: cps.map((n) => ({ host: n.name, ip: n.ip, url: `https://${n.ip}:6443` })),
    etcd: cps.map((n) => ({
      host: n.name,
      member: n.name,
      url: `https://${n.ip}:2379`,
      peerUrl: `https://${n.ip}:2380`,
    })),
    lbs: lbs.map((n) => n.name),
    kubeconfigPath,
  };
}

/** Runs argv; a non-zero exit (or no such program) is a TargetError `what (why): fix`. */
export const need = async (run: LocalRunner, argv: string[], what: string, fix: string): Promise<string> => {
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
export async function discoverNodes(
  cluster: string,
  run: LocalRunner = runLocal,
  network = 'kind',
): Promise<KindNode[]> {
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
      const out = await need(
        run,
        ['docker', 'inspect', '-f', NETWORKS_FORMAT, n.name],
        `docker inspect ${n.name} failed`,
        'check the container',
      );
      return { ...n, ...parseNetworks(out, network) };
    }),
  );
}
