/**
 * Test helpers for the real lab: the lab lock, and a lab per test file (reused across files under
 * `npm test`).
 * Lab tests run serially (tap jobs: 1) because the lab owns fixed names and addresses.
 */
import fs from 'node:fs';
import type { Test } from 'tap';
import { runLocal } from '../../src/executors/local.ts';
import {
  defaultStateDir,
  etcdHosts,
  etcdTopology,
  hostsByRole,
  type LabConfig,
} from '../../src/lab/config.ts';
import { down, savedConfig, up } from '../../src/lab/lab.ts';
import { acquireLabLock } from '../../src/lab/lock.ts';
import { listLinks, listNetns } from '../../src/lab/network.ts';
import { markedPids } from '../../src/lab/procs.ts';
import { LabTarget } from '../../src/lab/target.ts';
import { KubeAccess } from '../../src/probes/kube.ts';
import { waitSteadyState } from '../../src/probes/steady.ts';

/**
 * Takes the machine's lab lock for this test file (released at teardown), unless a parent
 * process (scripts/with-lab-lock.ts) already holds it for us.
 */
export async function holdLabLock(t: Test): Promise<void> {
  const parent = Number(process.env.HADRILL_LAB_LOCK_HELD);
  const release = await acquireLabLock(15 * 60_000, undefined, parent > 0 ? parent : process.pid);
  if (!(parent > 0)) {
    t.teardown(release);
    // CLIs this test starts (lab up/down, drill) work under our lock.
    process.env.HADRILL_LAB_LOCK_HELD = String(process.pid);
  }
}

/**
 * The lab for one test file, with the lab lock held. Under `npm test` (HADRILL_TEST_KEEP_LAB=1)
 * a healthy lab of the same preset left by the previous file is reused and left up for the next
 * one (test/lab/down.lab.test.ts, the last lab file, takes it down); otherwise the file starts from a clean lab and takes
 * it down at teardown. A lab that is not in steady state is never reused.
 */
/**
 * The suite's lab of another topology: one LB (lb-stop's single point of failure) and external
 * etcd (e1..e3), so the files that need either share one bring-up (each another costs a down and
 * an up of the lab).
 */
export const OTHER_TOPOLOGY = { lbs: 1, etcd: 'external' } as const;

export async function labForTest(
  t: Test,
  preset: 'fast' | 'seeds' = 'fast',
  workers = 2,
  /** A topology other than the default's (`lab up --lbs`, `--etcd-members`, `--etcd`). */
  topology: {
    readonly lbs?: number;
    readonly etcdMembers?: number;
    readonly etcd?: 'stacked' | 'external';
  } = {},
): Promise<LabConfig> {
  await holdLabLock(t);
  const keep = process.env.HADRILL_TEST_KEEP_LAB === '1';
  const saved = savedConfig();
  let cfg: LabConfig | undefined;
  const settleFrom = performance.now();
  if (
    keep &&
    saved &&
    saved.preset === preset &&
    saved.workers === workers &&
    hostsByRole(saved, 'lb').length === (topology.lbs ?? 2) &&
    etcdHosts(saved).length === (topology.etcdMembers ?? 3) &&
    etcdTopology(saved) === (topology.etcd ?? 'stacked') &&
    (await steady(saved, 20_000))
  ) {
    cfg = saved;
    t.comment(
      `reusing the running lab (${preset}), steady after ${((performance.now() - settleFrom) / 1000).toFixed(1)} s`,
    );
  } else {
    // A lab left by an aborted run (or a developer's) would make results meaningless: start clean.
    await down();
    const res = await up({ preset, workers, ...topology });
    cfg = res.config;
    t.comment(`lab up (${preset}) in ${(res.elapsedMs / 1000).toFixed(1)} s`);
  }
  // Under npm test the next file judges the lab (reused only in steady state) and the last one
  // takes it down: nothing to check here.
  t.teardown(async () => {
    if (!keep) await down();
  });
  return cfg;
}

/**
 * Whether the lab reaches steady state within waitMs: the previous file's last drill may still be
 * settling (a leader Lease changing hands, an apiserver back in the Endpoints), which is no reason
 * to rebuild the lab; a lab that does not settle is never reused.
 */
async function steady(cfg: LabConfig, waitMs = 0): Promise<boolean> {
  const target = new LabTarget(cfg);
  try {
    const s = await waitSteadyState(target, new KubeAccess(target.topology.kubeconfigPath), waitMs);
    return s.ok;
  } catch {
    return false;
  } finally {
    await target.close().catch(() => undefined);
  }
}

/** Asserts that no trace of a lab is left: namespace, link, process, state directory. */
export async function nothingOfTheLabLeft(t: Test): Promise<void> {
  t.same(await listNetns('hadr'), [], 'no lab namespace');
  t.same(await listLinks('hadr'), [], 'no lab link');
  t.same(markedPids(`${defaultStateDir()}:`), [], 'no lab process');
  const daemons = await runLocal([
    'sh',
    '-c',
    'for p in etcd haproxy keepalived; do pgrep -x $p; done; true',
  ]);
  const ours = daemons.stdout
    .split('\n')
    .filter(Boolean)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes('HADRILL_COMPONENT=');
      } catch {
        return false;
      }
    });
  t.same(ours, [], 'no etcd/haproxy/keepalived of the lab');
  t.notOk(fs.existsSync(defaultStateDir()), 'state directory removed');
}
