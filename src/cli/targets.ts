/**
 * Opening the drill's target from the CLI flags. `lab`: attach to a running lab, or bring one up
 * (and take it down after, unless asked to keep it). `ssh`: an inventory of VMs (see
 * targets/ssh-open.ts). `kind`: an existing kind cluster by name, or one created with --create.
 */

import type { PresetName } from '../lab/config.ts';
import { defaultStateDir } from '../lab/config.ts';
import { down, savedConfig, up } from '../lab/lab.ts';
import { acquireLabLock } from '../lab/lock.ts';
import { LabTarget } from '../lab/target.ts';
import type { DrillConfig } from '../slo/config.ts';
import type { Target } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';

export interface OpenedTarget {
  readonly target: Target;
  readonly preset?: string;
  /** Releases the target; takes down a lab this drill brought up unless `keep`. */
  close(keep: boolean): Promise<void>;
}

export interface OpenOptions {
  readonly kind: string;
  readonly preset?: PresetName;
  readonly config: DrillConfig;
  readonly log: (line: string) => void;
  /** ssh: the inventory file, and the explicit opt-out of host-key checking (reported). */
  readonly inventory?: string;
  readonly insecureIgnoreHostKeys?: boolean;
  /** kind: the cluster name (default `kind`), and a kind config to create it from when absent. */
  readonly cluster?: string;
  readonly create?: string;
}

export async function openTarget(o: OpenOptions): Promise<OpenedTarget> {
  if (o.kind === 'ssh') {
    const { openSshTarget } = await import('../targets/ssh-open.ts');
    const opened = await openSshTarget(o);
    return { target: opened.target, close: () => opened.close() };
  }
  if (o.kind === 'kind') {
    const { openKindTarget } = await import('../targets/kind.ts');
    const target = await openKindTarget({ cluster: o.cluster, create: o.create, log: o.log });
    return { target, close: () => target.close() };
  }
  if (o.kind !== 'lab') {
    throw new UserError(`--target ${o.kind}: unknown target; use lab, ssh or kind`);
  }
  // One driver of the lab at a time (a parent holding the lock passes its pid down).
  const parent = Number(process.env.HADRILL_LAB_LOCK_HELD);
  const release = await acquireLabLock(60_000, undefined, parent > 0 ? parent : process.pid);
  try {
    return await openLab(o, parent > 0 ? () => {} : release);
  } catch (err) {
    if (!(parent > 0)) release();
    throw err;
  }
}

async function openLab(o: OpenOptions, release: () => void): Promise<OpenedTarget> {
  const running = savedConfig(defaultStateDir());
  if (running) {
    if (o.preset && running.preset !== o.preset) {
      throw new UserError(
        `a lab is up with preset '${running.preset}', not '${o.preset}': drop --lab-preset, or run 'npm run lab -- down' first`,
      );
    }
    o.log(`attached to the running lab (${running.preset})`);
    const target = new LabTarget(running);
    return {
      target,
      preset: running.preset,
      async close() {
        await target.close();
        release();
      },
    };
  }
  o.log(`no lab running: bringing one up (${o.preset ?? 'seeds'})`);
  const res = await up({ preset: o.preset ?? 'seeds', log: (l) => o.log(`lab: ${l}`) });
  o.log(`lab up in ${(res.elapsedMs / 1000).toFixed(1)} s`);
  const target = new LabTarget(res.config);
  return {
    target,
    preset: res.config.preset,
    async close(keep) {
      await target.close();
      try {
        if (keep) {
          o.log("lab left running (--keep-lab); 'npm run lab -- down' removes it");
          return;
        }
        const d = await down();
        o.log(`lab down in ${(d.elapsedMs / 1000).toFixed(1)} s`);
      } finally {
        release();
      }
    },
  };
}
