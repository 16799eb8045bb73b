/**
 * allowedContexts pins the cluster a drill may touch (issue 13). Before a non-lab target is
 * opened, what the drill will use — the kube context (the inventory's `context:` over the
 * kubeconfig's current one), that context's API server URL, the inventory's api.url when it
 * differs, and the inventory's host addresses — must match one entry of the drill config's
 * allowedContexts, or the user passes --allow-any-context (the report then marks the run as
 * unpinned). A context name alone does not tell clusters apart (every kubeadm admin.conf names
 * its context kubernetes-admin@kubernetes), so on the ssh target an entry pins the server and the
 * hosts too. The lab needs no entry: it is the harness's own.
 *
 * Pure: (entries, what will be used) → pinned with notes, unpinned, or a UserError that says
 * which field differed and gives the entry to write.
 */
import YAML from 'yaml';
import { UserError } from '../util/errors.ts';
import type { AllowedCluster } from './config.ts';

/** What a drill on a non-lab target will use, resolved from its files before opening it. */
export interface ClusterIdentity {
  readonly target: 'ssh' | 'kind';
  /** How the user named the target, e.g. `inventory prod.yaml`, `kind cluster ha`. */
  readonly describe: string;
  readonly context: string;
  /** The server of that context in the kubeconfig, or why it cannot be known before opening. */
  readonly server: { readonly url: string } | { readonly unknown: string };
  /** ssh: the inventory's api.url, when set and not the server. */
  readonly apiUrl?: string;
  /** ssh: every host's address in the inventory (kind: the nodes are only known by asking docker). */
  readonly hosts?: readonly string[];
}

export type PinResult =
  | { readonly kind: 'pinned'; readonly notes: readonly string[] }
  | { readonly kind: 'unpinned'; readonly note: string };

/** The mark a report's target name carries when the pin was off (like the host-key mark). */
export const UNPINNED_MARK = '[CLUSTER NOT PINNED: --allow-any-context]';

/** A URL as compared: the WHATWG form without a trailing slash (`https://h:6443/` = `https://h:6443`). */
const norm = (url: string): string => {
  try {
    return new URL(url).href.replace(/\/$/, '');
  } catch {
    return url;
  }
};

/** Two API server URLs that name the same endpoint, as the pin compares them. */
export const sameServer = (a: string, b: string): boolean => norm(a) === norm(b);

/** The entry that pins exactly this cluster, as the YAML to put in the drill config. */
export function entryFor(id: ClusterIdentity): AllowedCluster {
  return {
    context: id.context,
    ...('url' in id.server ? { server: id.server.url } : {}),
    ...(id.apiUrl ? { apiUrl: id.apiUrl } : {}),
    ...(id.hosts ? { hosts: [...id.hosts] } : {}),
  };
}

const entryYaml = (id: ClusterIdentity): string =>
  YAML.stringify({ allowedContexts: [entryFor(id)] }, { lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

/** Why `e` does not pin `id` (empty: it does), and notes on what could not be compared. */
export function mismatches(
  e: AllowedCluster,
  id: ClusterIdentity,
): { readonly problems: string[]; readonly notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (e.context !== id.context)
    problems.push(`context: the drill uses '${id.context}', the entry says '${e.context}'`);
  if (id.target === 'ssh') {
    // kubeadm names every admin context alike: the name alone would let any kubeadm cluster in.
    if (!e.server) problems.push('server: not pinned (a context name alone fits every kubeadm cluster)');
    if (!e.hosts) problems.push("hosts: not pinned (the inventory's host addresses)");
  }
  if (e.server) {
    if ('url' in id.server) {
      if (!sameServer(e.server, id.server.url))
        problems.push(`server: the kubeconfig's is ${id.server.url}, the entry says ${e.server}`);
    } else notes.push(`server not compared (context only): ${id.server.unknown}`);
  }
  if (id.apiUrl && !e.apiUrl)
    problems.push(`apiUrl: not pinned (the inventory's api.url ${id.apiUrl} is not the kubeconfig's server)`);
  if (e.apiUrl && !sameServer(e.apiUrl, id.apiUrl ?? ''))
    problems.push(
      `apiUrl: ${id.apiUrl ? `the inventory's api.url is ${id.apiUrl}` : 'the inventory sets no api.url (or it is the server)'}, the entry says ${e.apiUrl}`,
    );
  if (e.hosts) {
    if (!id.hosts) {
      problems.push(
        `hosts: cannot be pinned on --target ${id.target} (its nodes are the cluster's own containers): remove them`,
      );
    } else {
      const pinned = new Set(e.hosts);
      const used = new Set(id.hosts);
      const missing = id.hosts.filter((h) => !pinned.has(h));
      const extra = e.hosts.filter((h) => !used.has(h));
      if (missing.length) problems.push(`hosts: the inventory has ${missing.join(', ')}, the entry does not`);
      if (extra.length) problems.push(`hosts: the entry has ${extra.join(', ')}, the inventory does not`);
    }
  }
  return { problems, notes };
}

/**
 * Checks the cluster against the config's entries. `configFile`: the --config given (undefined:
 * none). Throws a UserError (exit 2) naming the field that differed, the entry to write and
 * --allow-any-context.
 */
export function checkClusterPinned(
  entries: readonly AllowedCluster[] | undefined,
  id: ClusterIdentity,
  o: { readonly allowAnyContext: boolean; readonly configFile?: string },
): PinResult {
  if (o.allowAnyContext)
    return {
      kind: 'unpinned',
      note: `--allow-any-context: ${id.describe} (context ${id.context}) is not checked against allowedContexts; the report says so`,
    };
  const where = o.configFile ? `the drill config ${o.configFile}` : 'a drill config (--config FILE)';
  const fix = (what: string) =>
    `${what} in ${where}:\n${entryYaml(id)}\n  or pass --allow-any-context to run on it unpinned (the report says so)`;
  const list = entries ?? [];
  if (list.length === 0)
    throw new UserError(
      `--target ${id.target} needs the cluster pinned (${id.describe}, context ${id.context}): ${fix('list it under allowedContexts')}`,
    );
  const candidates = list.flatMap((e, i) => (e.context === id.context ? [{ e, i }] : []));
  if (candidates.length === 0)
    throw new UserError(
      `kube context '${id.context}' (${id.describe}) is not in allowedContexts (${list.map((e) => e.context).join(', ')}): if this is the cluster you mean, ${fix('add it')}`,
    );
  const checked = candidates.map(({ e, i }) => ({ i, ...mismatches(e, id) }));
  const fit = checked.find((c) => c.problems.length === 0);
  if (fit) return { kind: 'pinned', notes: fit.notes };
  const lines = checked.flatMap((c) => c.problems.map((p) => `  allowedContexts[${c.i}].${p}`));
  throw new UserError(
    `${id.describe} (context ${id.context}) does not match allowedContexts:\n${lines.join('\n')}\n  if this is the cluster you mean, ${fix('write this entry')}`,
  );
}
