/**
 * The scenario flags (--host, --member, --variant, --signal, --toleration-seconds, --keep-snapshot,
 * --delay, --jitter, --loss), checked
 * before anything is opened: a flag a scenario does not take is refused (not silently ignored),
 * a variant through the scenario module's own validator, and --host / --member against the
 * target's topology as planned — the lab's saved config (or the preset's, when no lab is up),
 * the ssh inventory file — through the scenario modules' own pickers. Nothing is brought up,
 * connected to or written.
 *
 * TODO(scenario declarations): which flags a scenario takes is listed here, next to the
 * validators the scenario modules export; a `flags` field on Scenario (src/runner/scenario.ts)
 * would let each module declare it.
 */
import { certHost, certVariant } from '../../scenarios/cert-expiry.ts';
import { diskVariant } from '../../scenarios/etcd-disk-latency.ts';
import { kubeletVariant, pickWorker } from '../../scenarios/kubelet-stop.ts';
import { lbVariant } from '../../scenarios/lb-stop.ts';
import { leaderComponent } from '../../scenarios/leader-kill.ts';
import { linkVariant } from '../../scenarios/network-degrade.ts';
import { pickApiserver, pickMember } from '../../scenarios/pick.ts';
import { labConfig, type PresetName } from '../lab/config.ts';
import { savedConfig } from '../lab/saved.ts';
import { labTopology } from '../lab/target.ts';
import type { Scenario, ScenarioOptions } from '../runner/scenario.ts';
import type { Target, Topology } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';

type Flag =
  | 'host'
  | 'member'
  | 'variant'
  | 'signal'
  | 'toleration-seconds'
  | 'keep-snapshot'
  | 'delay'
  | 'jitter'
  | 'loss';

interface Takes {
  /** Checks --host / --member against the topology (the scenario's picker; the options for a variant's aim). */
  readonly host?: (t: Topology, host: string, o: ScenarioOptions) => void;
  readonly member?: (t: Topology, member: string) => void;
  /** The scenario's variant validator (throws a UserError naming the variants). */
  readonly variant?: (o: ScenarioOptions) => unknown;
  /** --signal applies (for scenarios with variants: only to the variant that stops a process). */
  readonly signal?: (o: ScenarioOptions) => boolean;
  readonly tolerationSeconds?: true;
  readonly keepSnapshot?: true;
  readonly delay?: true;
  /** --jitter and --loss (network-degrade). */
  readonly link?: true;
}

const asTarget = (t: Topology) => ({ topology: t }) as Target;

const TAKES: Readonly<Record<string, Takes>> = {
  'apiserver-kill': { host: (t, h) => pickApiserver(t, h), signal: () => true },
  'etcd-partition': { member: pickMember },
  'etcd-restore': { member: pickMember, keepSnapshot: true },
  'etcd-disk-latency': { member: pickMember, variant: diskVariant, delay: true },
  'network-degrade': { member: pickMember, variant: linkVariant, delay: true, link: true },
  'etcd-member-replace': { member: pickMember },
  'cert-expiry': { host: (t, h, o) => certHost(t, { ...o, host: h }), variant: certVariant },
  // Every control plane, in order: nothing to aim.
  'rolling-restart': {},
  'lb-stop': {
    host: (t, h) => {
      if (!t.lbs.includes(h))
        throw new UserError(`--host ${h} is not a load balancer: choose one of ${t.lbs.join(', ')}`);
    },
    variant: lbVariant,
    signal: (o) => lbVariant(o) === 'services',
  },
  'kubelet-stop': {
    host: (t, h) => pickWorker({ target: asTarget(t), options: { host: h } }),
    variant: kubeletVariant,
    signal: (o) => kubeletVariant(o) === 'kubelet',
    tolerationSeconds: true,
  },
  'leader-kill': {
    // The fault always aims at the Lease holder; --host states which one the user expects.
    host: (t, h) => {
      const cps = t.hosts.filter((x) => x.roles.includes('control-plane')).map((x) => x.name);
      if (!cps.includes(h))
        throw new UserError(`--host ${h} is not a control plane: choose one of ${cps.join(', ')}`);
    },
    variant: leaderComponent,
    signal: () => true,
    tolerationSeconds: true,
  },
};

const given = (o: ScenarioOptions): Flag[] =>
  (
    [
      ['host', o.host],
      ['member', o.member],
      ['variant', o.variant],
      ['signal', o.signal],
      ['toleration-seconds', o.tolerationSeconds],
      ['keep-snapshot', o.keepSnapshot],
      ['delay', o.delayMs],
      ['jitter', o.jitterMs],
      ['loss', o.lossPct],
    ] as const
  ).flatMap(([f, v]) => (v === undefined ? [] : [f]));

/** Refuses a flag the scenario does not take, and a variant it does not have. */
export function checkScenarioFlags(s: Scenario, o: ScenarioOptions): void {
  const takes = TAKES[s.name];
  if (!takes) return; // a scenario this table does not know yet: its own fault() checks.
  const takenFlags: Flag[] = [];
  if (takes.host) takenFlags.push('host');
  if (takes.member) takenFlags.push('member');
  if (takes.variant) takenFlags.push('variant');
  if (takes.signal) takenFlags.push('signal');
  if (takes.tolerationSeconds) takenFlags.push('toleration-seconds');
  if (takes.keepSnapshot) takenFlags.push('keep-snapshot');
  if (takes.delay) takenFlags.push('delay');
  if (takes.link) takenFlags.push('jitter', 'loss');
  const extra = given(o).filter((f) => !takenFlags.includes(f));
  if (extra.length > 0) {
    const takesText = takenFlags.length ? `it takes --${takenFlags.join(', --')}` : 'it takes none of them';
    throw new UserError(
      `${s.name} does not take --${extra.join(', --')} (${takesText}): drop ${extra.length > 1 ? 'them' : 'it'}`,
    );
  }
  takes.variant?.(o);
  if (o.signal !== undefined && takes.signal && !takes.signal(o)) {
    throw new UserError(
      `${s.name} --variant ${o.variant ?? '(default)'} stops no process: --signal does not apply; drop it or choose the variant that stops one`,
    );
  }
}

/** Checks --host / --member against the planned topology (undefined: not known before opening). */
export function checkAim(s: Scenario, o: ScenarioOptions, t: Topology | undefined): void {
  if (!t) return;
  const takes = TAKES[s.name];
  if (o.host !== undefined) takes?.host?.(t, o.host, o);
  if (o.member !== undefined) takes?.member?.(t, o.member);
}

/**
 * The target's topology without opening it: the lab from its saved config (or the preset's when
 * none is up), ssh from the inventory file (validated, and the files it names checked). kind: a
 * cluster's node names are only known by asking it, so undefined.
 */
export async function plannedTopology(o: {
  readonly kind: string;
  readonly preset?: PresetName;
  readonly inventory?: string;
  readonly insecureIgnoreHostKeys?: boolean;
}): Promise<Topology | undefined> {
  if (o.kind === 'lab') return labTopology(savedConfig() ?? labConfig({ preset: o.preset }));
  if (o.kind === 'ssh') {
    if (!o.inventory)
      throw new UserError(
        '--target ssh needs --inventory FILE (hosts, roles, ssh settings, kubeconfig; see docs/real-clusters.md)',
      );
    const { loadInventory } = await import('../targets/inventory.ts');
    const { checkInventoryFiles } = await import('../targets/inventory-files.ts');
    const { sshTopology } = await import('../targets/ssh.ts');
    const inv = loadInventory(o.inventory);
    checkInventoryFiles(inv, { insecureIgnoreHostKeys: o.insecureIgnoreHostKeys });
    return sshTopology(inv, inv.api.url ?? 'https://unknown', o.insecureIgnoreHostKeys === true);
  }
  return undefined;
}
