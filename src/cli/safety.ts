/**
 * The drill CLI's safety side: the heal journal around a run (refuse while a heal is pending;
 * record before injecting; mark done after a verified heal), `recover`, and the `--dry-run` plan.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Fault } from '../faults/types.ts';
import { savedConfig } from '../lab/saved.ts';
import { LabTarget } from '../lab/target.ts';
import type { Scenario } from '../runner/scenario.ts';
import { expandImpact, interlockViolations } from '../safety/interlocks.ts';
import { defaultJournalPath, type HealJournal, type TargetRef } from '../safety/journal.ts';
import { type OpenedRef, releaseLeftLocks, replayPending } from '../safety/recover.ts';
import type { KindTarget } from '../targets/kind.ts';
import type { Target } from '../targets/types.ts';
import { TargetError, UserError } from '../util/errors.ts';
import { lockPlanLine } from './lock.ts';

export function refuseIfPending(journal: HealJournal): void {
  const pending = journal.pending();
  if (pending.length === 0) return;
  const list = pending.map((e) => `${e.scenario}: ${e.summary} (since ${e.createdAt})`).join('; ');
  throw new TargetError(
    `an earlier drill left ${pending.length} fault(s) that may still be in place: ${list}. Run 'npm run drill -- recover' first.`,
  );
}

/** Journal hooks for runScenario: durable record before inject, done after a verified heal. */
export function journalHooks(journal: HealJournal, scenario: string, ref: TargetRef, target: Target) {
  let id: string | undefined;
  return {
    onInjecting(fault: Fault) {
      id = `${Date.now().toString(36)}-${process.pid}`;
      journal.begin({
        id,
        scenario,
        target: ref,
        fault: fault.name,
        summary: fault.summary,
        heal: fault.plan(target).filter((s) => s.step === 'heal'),
      });
    },
    onHealed() {
      if (id) journal.done(id, 'runner');
    },
  };
}

/** Opens the target a journal entry refers to (heals use its executor only). */
export async function openRef(ref: TargetRef): Promise<OpenedRef> {
  switch (ref.kind) {
    case 'lab': {
      // `lab down` removes the state with the namespaces, processes and rules: the fault went too.
      const cfg = savedConfig(ref.stateDir);
      if (!cfg)
        return { kind: 'gone', why: `the lab in ${ref.stateDir} was taken down, and its faults with it` };
      return { kind: 'open', target: new LabTarget(cfg) };
    }
    case 'ssh': {
      // Before kind entries existed, a kind drill was journaled as ssh with the working directory
      // as its inventory: nothing in it says which cluster to heal.
      if (fs.statSync(ref.inventory, { throwIfNoEntry: false })?.isDirectory())
        throw new TargetError(
          `the entry names a directory (${ref.inventory}) as its ssh inventory: it is a kind drill journaled without its cluster. Run its heal commands by hand (the entry's "heal" steps in ${defaultJournalPath()}), then delete that line`,
        );
      const { openSshTarget } = await import('../targets/ssh-open.ts');
      const opened = await openSshTarget({
        inventory: ref.inventory,
        insecureIgnoreHostKeys: ref.insecureHostKeys,
        log: () => {},
      });
      return { kind: 'open', target: opened.target };
    }
    case 'kind': {
      // Heals run docker on the harness and `docker exec` in the nodes: no kind binary, kubeconfig
      // or etcd certificates needed.
      const { openKindTarget } = await import('../targets/kind.ts');
      return { kind: 'open', target: await openKindTarget({ cluster: ref.cluster, healOnly: true }) };
    }
  }
}

/** How `recover` reopens the target a drill ran on (journaled before each fault). */
export function targetRef(target: Target, o: { inventory?: string; insecureHostKeys: boolean }): TargetRef {
  if (target instanceof LabTarget) return { kind: 'lab', stateDir: target.cfg.stateDir };
  if (target.topology.kind === 'kind') return { kind: 'kind', cluster: (target as KindTarget).cluster };
  if (!o.inventory) throw new Error(`no way to reopen target ${target.topology.name} for a heal`);
  return { kind: 'ssh', inventory: path.resolve(o.inventory), insecureHostKeys: o.insecureHostKeys };
}

/**
 * `drill recover`: replay, then say what happened; exit 0 when everything was healed. An entry
 * journaled with --insecure-ignore-host-keys heals over connections whose host keys are not
 * checked: refused (exit 2) unless `recover --insecure-ignore-host-keys` accepts that again,
 * and then said loudly.
 */
export async function recoverCommand(
  journal: HealJournal,
  log: (l: string) => void,
  o: { readonly insecureIgnoreHostKeys?: boolean } = {},
): Promise<number> {
  const pending = journal.pending();
  // A lock journaled with --insecure-ignore-host-keys is released over unchecked host keys only when asked again.
  const openLocked = (ref: TargetRef): Promise<OpenedRef> =>
    ref.kind === 'ssh' && ref.insecureHostKeys && !o.insecureIgnoreHostKeys
      ? Promise.reject(
          new UserError(
            "it was taken with --insecure-ignore-host-keys: run 'npm run drill -- recover --insecure-ignore-host-keys' to release it",
          ),
        )
      : openRef(ref);
  if (pending.length === 0) {
    log('nothing to recover: the heal journal has no pending fault');
    await releaseLeftLocks(journal, openLocked, log);
    return 0;
  }
  const insecure = pending.filter((e) => e.target.kind === 'ssh' && e.target.insecureHostKeys);
  if (insecure.length > 0 && !o.insecureIgnoreHostKeys) {
    throw new UserError(
      `${insecure.length} pending heal(s) (${insecure.map((e) => e.scenario).join(', ')}) were journaled with --insecure-ignore-host-keys: replaying them connects without checking host keys. Run 'npm run drill -- recover --insecure-ignore-host-keys' to accept that (reported), or fill the inventory's known_hosts first`,
    );
  }
  for (const e of insecure)
    log(`WARNING: ${e.scenario}: ssh host keys are NOT verified for this heal (--insecure-ignore-host-keys)`);
  const reports = await replayPending(journal, openRef, log);
  const failed = reports.filter((r) => !r.ok);
  for (const r of failed) log(`NOT healed: ${r.entry.summary}: ${r.lines.at(-1) ?? ''}`);
  if (failed.length === 0) await releaseLeftLocks(journal, openLocked, log);
  else if (journal.heldLocks().length > 0) log('cluster lock(s) kept: a fault is not healed yet');
  if (failed.length === 0) journal.compact();
  log(`${reports.length - failed.length} of ${reports.length} pending heal(s) replayed`);
  return failed.length === 0 ? 0 : 3;
}

/**
 * `--dry-run`: each step with host, exact command and expected effect; nothing is run.
 * `allowUnsafe`: --allow-unsafe names this scenario.
 */
export function renderPlan(scenario: Scenario, fault: Fault, target: Target, allowUnsafe = false): string {
  // A kind plan made without the live cluster says what it stands in for.
  const notes = [
    ...(target.topology.kind === 'kind' ? (target as KindTarget).notes : []),
    ...(target.topology.planOnly && target.topology.kind !== 'kind' ? [target.topology.planOnly] : []),
  ];
  const lines = [
    `plan: ${scenario.name} on ${target.topology.name} — ${scenario.description}`,
    ...notes.map((n) => `note: ${n}`),
    `fault: ${fault.summary}`,
    lockPlanLine(target),
    '1. preflight (read-only): etcd members and leader, every apiserver /readyz, API through the LB, nodes Ready, leader Leases held, kubernetes Endpoints, VIP holder',
    '2. probes start (read-only, except the write probe: ConfigMaps in namespace ha-drill), baseline',
  ];
  let n = 3;
  for (const s of fault.plan(target)) {
    lines.push(
      `${n++}. ${s.step} on ${s.host}: ${s.argv.map((a) => (/[\s'"$;&|]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`,
    );
    lines.push(`     expect: ${s.expect}`);
  }
  lines.push(`${n++}. verify steady state again, read back the write probe, analyze, write reports`);
  const impact = expandImpact(fault.impact ?? [], target.topology)
    .map((i) => `${i.kind} on ${i.host}`)
    .join(', ');
  lines.push(`blast radius: ${impact || 'none declared'}`);
  const v = interlockViolations(fault, target.topology);
  lines.push(
    v.length === 0
      ? 'interlocks: within limits'
      : allowUnsafe
        ? `interlocks: passed by --allow-unsafe ${scenario.name}: ${v.join('; ')}`
        : `interlocks: REFUSED without --allow-unsafe ${scenario.name}: ${v.join('; ')}`,
  );
  return lines.join('\n');
}
