/**
 * A kind cluster config read as kind reads it, for a plan made without a Docker engine: the node
 * roles in order (kind's defaults: no nodes = one control plane, no role = control-plane), the
 * node names kind gives them, and the external load balancer kind adds in front of more than one
 * control plane. Upstream (kubernetes-sigs/kind, fed2688): pkg/apis/config/v1alpha4/default.go
 * (SetDefaultsCluster, SetDefaultsNode), pkg/internal/apis/config/validate.go (roles),
 * pkg/cluster/internal/providers/common/namer.go (MakeNodeNamer),
 * pkg/internal/apis/config/cluster_util.go (ClusterHasImplicitLoadBalancer),
 * pkg/cluster/internal/providers/docker/provision.go (planCreation: the LB is named last).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';

/** The config a kind drill plans from when `--create` names none: the project's HA cluster. */
export const DEFAULT_KIND_CONFIG = path.join(PROJECT_ROOT, 'kind-configs', 'ha-3cp.yaml');

/**
 * kind's docker network: `kind`, or KIND_EXPERIMENTAL_DOCKER_NETWORK when set at creation
 * (pkg/cluster/internal/providers/docker/network.go fixedNetworkName, provider.go Provision).
 */
export const kindNetwork = (env: NodeJS.ProcessEnv = process.env): string =>
  env.KIND_EXPERIMENTAL_DOCKER_NETWORK || 'kind';

export type KindRole = 'control-plane' | 'worker' | 'external-load-balancer';

export interface PlannedNode {
  readonly name: string;
  readonly role: KindRole;
}

/** kind's MakeNodeNamer: `<cluster>-<role>`, then `<cluster>-<role>2`, `3`, ... per role. */
export function kindNodeNames(
  cluster: string,
  roles: readonly Exclude<KindRole, 'external-load-balancer'>[],
) {
  const count = new Map<string, number>();
  const name = (role: KindRole): PlannedNode => {
    const n = (count.get(role) ?? 0) + 1;
    count.set(role, n);
    return { name: `${cluster}-${role}${n > 1 ? n : ''}`, role };
  };
  const nodes = roles.map(name);
  // ClusterHasImplicitLoadBalancer: more than one control plane.
  if (roles.filter((r) => r === 'control-plane').length > 1) nodes.push(name('external-load-balancer'));
  return nodes;
}

/** The node roles of a kind config file, in order; bad input is a UserError saying what to fix. */
export function readKindConfig(file: string): Exclude<KindRole, 'external-load-balancer'>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UserError(`--create ${file}: ${why}: pass a kind config (e.g. kind-configs/ha-3cp.yaml)`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new UserError(`--create ${file}: not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const cfg = (doc ?? {}) as { kind?: unknown; apiVersion?: unknown; nodes?: unknown };
  if (cfg.kind !== 'Cluster' || cfg.apiVersion !== 'kind.x-k8s.io/v1alpha4') {
    throw new UserError(
      `--create ${file}: not a kind cluster config: it needs 'kind: Cluster' and 'apiVersion: kind.x-k8s.io/v1alpha4'`,
    );
  }
  if (cfg.nodes !== undefined && cfg.nodes !== null && !Array.isArray(cfg.nodes))
    throw new UserError(`--create ${file}: 'nodes' must be a list of {role: control-plane|worker}`);
  const nodes = (cfg.nodes ?? []) as { role?: unknown }[];
  const roles = nodes.map((n, i) => {
    const role = (n && typeof n === 'object' ? n.role : undefined) ?? 'control-plane';
    if (role !== 'control-plane' && role !== 'worker')
      throw new UserError(
        `--create ${file}: nodes[${i}].role ${JSON.stringify(role)} is not a kind node role: use control-plane or worker`,
      );
    return role;
  });
  // kind's default cluster: one control plane; validate.go: at least one control plane.
  if (roles.length === 0) return ['control-plane'];
  if (!roles.includes('control-plane'))
    throw new UserError(`--create ${file}: a kind cluster needs at least one node with role control-plane`);
  return roles;
}
