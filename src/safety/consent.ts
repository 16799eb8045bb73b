/**
 * Consent for destructive drills on real clusters: a scenario that declares more than a failover
 * (`Scenario.destructive`: the control plane down, data rolled back, pods evicted) runs on a
 * non-lab target only after the user said yes — `--yes`, or typing the target's name at an
 * interactive prompt. Without a terminal and without `--yes` the drill stops with exit 2 before
 * anything is opened: nothing touched, no report. The lab is ours to break.
 */
import { UserError } from '../util/errors.ts';

export interface ConsentRequest {
  /** lab, ssh, kind. */
  readonly targetKind: string;
  /** What the user will recognise: the inventory file, the kind cluster name. */
  readonly targetName: string;
  /** The hosts, when known before opening (the inventory's). */
  readonly hosts?: readonly string[];
  /** The scenarios to run with what each does beyond a failover (only destructive ones). */
  readonly destructive: readonly { readonly name: string; readonly effect: string }[];
  /** --yes given. */
  readonly yes: boolean;
}

/** The text shown before asking (and in the refusal). */
export function consentText(r: ConsentRequest): string {
  return [
    `${r.destructive.length === 1 ? 'this drill is' : 'these drills are'} destructive on ${r.targetKind} target ${r.targetName}${r.hosts?.length ? ` (hosts ${r.hosts.join(', ')})` : ''}:`,
    ...r.destructive.map((d) => `  - ${d.name}: ${d.effect}`),
  ].join('\n');
}

export type ConsentDecision =
  | { readonly kind: 'not-needed' }
  | { readonly kind: 'given'; readonly how: '--yes' | 'prompt' }
  | { readonly kind: 'ask'; readonly text: string; readonly answer: string };

/** Pure: whether consent is needed, given by --yes, or to be asked (the answer to type). */
export function consentDecision(r: ConsentRequest): ConsentDecision {
  if (r.targetKind === 'lab' || r.destructive.length === 0) return { kind: 'not-needed' };
  if (r.yes) return { kind: 'given', how: '--yes' };
  return { kind: 'ask', text: consentText(r), answer: r.targetName };
}

/**
 * Asks on the terminal when there is one; otherwise (CI, a pipe) refuses with exit 2 saying to
 * pass --yes. `ask` reads one line (injected for tests).
 */
export async function requireConsent(
  r: ConsentRequest,
  io: {
    readonly interactive: boolean;
    readonly ask: (prompt: string) => Promise<string>;
    readonly say: (text: string) => void;
  },
): Promise<ConsentDecision> {
  const d = consentDecision(r);
  if (d.kind !== 'ask') return d;
  if (!io.interactive)
    throw new UserError(`${d.text}\nnothing was touched: pass --yes to run it (no terminal to ask on)`);
  io.say(d.text);
  const typed = (await io.ask(`type '${d.answer}' to run it, anything else to stop: `)).trim();
  if (typed !== d.answer)
    throw new UserError(`not confirmed ('${typed}' is not '${d.answer}'): nothing was touched`);
  return { kind: 'given', how: 'prompt' };
}
