/**
 * The cluster pin (src/slo/allowed.ts) checked before a non-lab target is opened, for a drill and
 * for a dry run alike (a dry run of the ssh target connects to the hosts to read them). What the
 * drill will use is resolved from files and read-only commands, creating nothing:
 * - ssh: the inventory's hosts, its kubeconfig's context (the inventory's `context:`, else the
 *   current one) and that context's server, and the inventory's api.url;
 * - kind: the context `kind-<cluster>` (kind's name for it: kubernetes-sigs/kind
 *   pkg/cluster/internal/kubeconfig/internal/kubeconfig/helpers.go `KINDClusterKey`), and its
 *   server from `kind get kubeconfig` only when an entry pins one (it fails for a cluster the
 *   drill will create, or without a Docker engine: then the context alone is compared, and said).
 * The lab needs no pin: it is the harness's own, and --allow-any-context there is refused.
 */
import fs from 'node:fs';
import type { LocalRunner } from '../executors/docker.ts';
import { runLocal } from '../executors/local.ts';
import {
  type ClusterIdentity,
  checkClusterPinned,
  type PinResult,
  sameServer,
  UNPINNED_MARK,
} from '../slo/allowed.ts';
import type { DrillConfig } from '../slo/config.ts';
import type { Target } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';

export interface PinRequest {
  readonly kind: string;
  readonly config: DrillConfig;
  readonly configFile?: string;
  readonly allowAnyContext: boolean;
  readonly inventory?: string;
  readonly cluster?: string;
  /** Runs `kind get kubeconfig` (tests substitute it). */
  readonly run?: LocalRunner;
}

/** A pin compares the kubeconfig's own server: api.url does not stand in for it. */
const PIN_FIX = 'or pass --allow-any-context to run unpinned';

async function sshIdentity(inventory: string): Promise<ClusterIdentity> {
  const { loadInventory } = await import('../targets/inventory.ts');
  const { kubeconfigContext } = await import('../targets/ssh.ts');
  const inv = loadInventory(inventory);
  let text: string;
  try {
    text = fs.readFileSync(inv.kubeconfig, 'utf8');
  } catch (err) {
    throw new UserError(
      `kubeconfig ${inv.kubeconfig} cannot be read (${(err as NodeJS.ErrnoException).code ?? err}): fix 'kubeconfig' in the inventory`,
    );
  }
  const used = kubeconfigContext(text, inv.kubeconfig, inv.context, PIN_FIX);
  return {
    target: 'ssh',
    describe: `inventory ${inventory}`,
    context: used.context,
    server: { url: used.server },
    ...(inv.api.url && !sameServer(inv.api.url, used.server) ? { apiUrl: inv.api.url } : {}),
    hosts: inv.hosts.map((h) => h.address),
  };
}

async function kindIdentity(r: PinRequest): Promise<ClusterIdentity> {
  const { checkClusterName } = await import('../targets/kind.ts');
  const { kubeconfigContext } = await import('../targets/ssh.ts');
  const cluster = checkClusterName(r.cluster ?? 'kind');
  const context = `kind-${cluster}`;
  const base = { target: 'kind', describe: `kind cluster ${cluster}`, context } as const;
  const pinsServer = (r.config.allowedContexts ?? []).some((e) => e.context === context && e.server);
  if (r.allowAnyContext || !pinsServer)
    return { ...base, server: { unknown: 'no allowedContexts entry for it pins a server' } };
  const kc = await (r.run ?? runLocal)(['kind', 'get', 'kubeconfig', '--name', cluster], {
    timeoutMs: 20_000,
  }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
  if (kc.code !== 0) {
    const why = (kc.stderr || kc.stdout).trim().split('\n')[0] || `exit ${kc.code}`;
    return { ...base, server: { unknown: `kind get kubeconfig --name ${cluster} failed (${why})` } };
  }
  const used = kubeconfigContext(kc.stdout, `(kind get kubeconfig --name ${cluster})`, context, PIN_FIX);
  return { ...base, server: { url: used.server } };
}

/** Resolves the cluster and checks it; the lab returns undefined (no pin). */
export async function checkPin(r: PinRequest): Promise<PinResult | undefined> {
  if (r.kind === 'lab') {
    if (r.allowAnyContext)
      throw new UserError(
        '--allow-any-context does not apply to --target lab (the lab is the harness’s own cluster): drop it',
      );
    return undefined;
  }
  // --inventory is checked first, with the inventory's files (aim.ts plannedTopology).
  const id = r.kind === 'ssh' ? await sshIdentity(r.inventory ?? '') : await kindIdentity(r);
  return checkClusterPinned(r.config.allowedContexts, id, {
    allowAnyContext: r.allowAnyContext,
    configFile: r.configFile,
  });
}

/**
 * The target with UNPINNED_MARK in its name, for a drill run with --allow-any-context: every
 * report and the history key carry it (as the ssh target's name carries INSECURE_MARK). Every
 * other property is the opened target's, and its methods run on it (so what they store, such as
 * a reopened connection, is the opened target's and closed with it).
 */
export function markedUnpinned(target: Target): Target {
  const topology = { ...target.topology, name: `${target.topology.name} ${UNPINNED_MARK}` };
  return new Proxy(target, {
    get(t, key) {
      if (key === 'topology') return topology;
      const v: unknown = Reflect.get(t, key, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}
