/**
 * Shared by the ssh-target drills: the real lab (fast) with its sshd, its inventory written by
 * `npm run lab -- inventory`, and the drill CLI run once with `--target lab` and once with
 * `--target ssh --inventory FILE`, reading back report.json. The ssh drills run on the cluster
 * pinned as a user pins it: the allowedContexts entry an unpinned drill prints (exit 2, nothing
 * opened), written to a drill config passed with --config.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import type { LabConfig } from '../../src/lab/config.ts';
import {
  ALERTMANAGER_PORT,
  monitoringHost,
  PROMETHEUS_PORT,
  WEBHOOK_PORT,
} from '../../src/lab/monitoring.ts';
import type { TimelineEvent } from '../../src/timeline/events.ts';
import { parseTimelineJsonl } from '../../src/timeline/jsonl.ts';
import { runCli } from '../helpers/cli.ts';
import { holdLabLock, labForTest } from '../helpers/lab.ts';

export interface Report {
  meta: { target: string; variant?: string };
  verdict: string;
  measurements: {
    name: string;
    value: number | null;
    verdict: string;
    lowerBound?: boolean;
    expected?: { min: number; max: number; formula: string };
  }[];
  fault: { status: string; heal: { status: string }; proofs?: { proof: { kind: string } }[] };
  alerts?: { alert: string; role: string; verdict: string; message: string }[];
  phases: { phase: string; ok?: boolean; message?: string; startMs: number; endMs: number | null }[];
}

export interface SshLab {
  readonly cfg: LabConfig;
  readonly inventory: string;
  /** The drill config whose allowedContexts pins the lab's cluster (src/slo/allowed.ts). */
  readonly pinConfig: string;
  /** Runs the drill CLI; `dir` is its report directory (report.json, timeline.jsonl, …). */
  drill(
    target: 'lab' | 'ssh',
    args: string[],
  ): Promise<{ report: Report; out: string; code: number; dir: string }>;
}

export async function sshLab(t: Test): Promise<SshLab> {
  await holdLabLock(t);
  const cfg = await labForTest(t, 'fast');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-sshlab-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const inventory = path.join(dir, 'inventory.yaml');
  const mon = monitoringHost(cfg)!;
  const inv = await runCli('lab', ['inventory', '--out', inventory], { timeoutMs: 300_000 });
  if (inv.code !== 0) throw new Error(`lab inventory failed: ${inv.stderr}`);
  const unpinned = await runCli('drill', ['apiserver-kill', '--target', 'ssh', '--inventory', inventory], {
    timeoutMs: 120_000,
  });
  if (unpinned.code !== 2 || !/needs the cluster pinned/.test(unpinned.stderr))
    throw new Error(
      `an unpinned ssh drill must exit 2 naming the pin (exit ${unpinned.code}): ${unpinned.stderr}`,
    );
  const entry = unpinned.stderr
    .split('\n')
    .filter((l) => l.startsWith('    '))
    .map((l) => l.slice(4))
    .join('\n');
  t.comment(`pinned:\n${entry}`);
  const pinConfig = path.join(dir, 'drill.yaml');
  fs.writeFileSync(pinConfig, `${entry}\n`);
  // The drills run under this test's lab lock.
  const lockEnv = process.env.HADRILL_LAB_LOCK_HELD ?? String(process.pid);
  return {
    cfg,
    inventory,
    pinConfig,
    async drill(target, args) {
      const reports = fs.mkdtempSync(path.join(dir, `${target}-`));
      const targetArgs =
        // --yes: the consent a destructive drill needs on a non-lab target (src/safety/consent.ts).
        // Detection on both: the lab's own mon1, and the same Prometheus and Alertmanager given to
        // the ssh drill as a real cluster's (--prometheus, --alertmanager, --alert-webhook: the
        // harness's address mon1's Alertmanager posts to), each fault held until detected.
        target === 'ssh'
          ? [
              ...['--target', 'ssh', '--inventory', inventory, '--config', pinConfig, '--yes'],
              ...['--prometheus', `http://${mon.ip}:${PROMETHEUS_PORT}`],
              ...['--alertmanager', `http://${mon.ip}:${ALERTMANAGER_PORT}`],
              ...['--alert-webhook', `${cfg.hostIp}:${WEBHOOK_PORT}`, '--hold-until-detected'],
            ]
          : ['--target', 'lab', '--hold-until-detected'];
      process.env.HADRILL_LAB_LOCK_HELD = lockEnv;
      const res = await runCli('drill', [...args, ...targetArgs, '--report-dir', reports], {
        timeoutMs: 300_000,
      });
      const out = `${res.stdout}\n${res.stderr}`;
      const [d] = fs.readdirSync(reports);
      if (!d) throw new Error(`no report from the ${target} drill (exit ${res.code}): ${out.slice(-3000)}`);
      const report = JSON.parse(fs.readFileSync(path.join(reports, d, 'report.json'), 'utf8')) as Report;
      const phases = report.phases
        .filter((p) => p.endMs !== null)
        .map((p) => `${p.phase} ${((p.endMs! - p.startMs) / 1000).toFixed(1)}`)
        .join(', ');
      t.comment(`${target}: ${report.verdict} (${phases})`);
      for (const m of report.measurements) {
        const w = m.expected ? ` expected [${m.expected.min}, ${m.expected.max}]` : '';
        t.comment(`  ${m.name} = ${m.lowerBound ? '≥ ' : ''}${m.value}${w} ${m.verdict}`);
      }
      // A verify that never saw steady state again: what the timeline recorded meanwhile, per
      // source (a probe that spun shows as thousands of events), and its last errors.
      if (!verified(report)) {
        const from = report.phases.find((p) => p.phase === 'verify')?.startMs ?? 0;
        const events = parseTimelineJsonl(
          fs.readFileSync(path.join(reports, d, 'timeline.jsonl'), 'utf8'),
        ).filter((e) => e.atMs >= from);
        const bySource = new Map<string, number>();
        for (const e of events)
          bySource.set(`${e.source}/${e.type}`, (bySource.get(`${e.source}/${e.type}`) ?? 0) + 1);
        t.comment(`${target}: during the verify: ${[...bySource].map(([k, n]) => `${k} ${n}`).join(', ')}`);
        const why = (e: TimelineEvent): string | undefined =>
          e.type === 'error' ? e.message : 'error' in e && typeof e.error === 'string' ? e.error : undefined;
        for (const e of events.filter((x) => why(x) !== undefined).slice(-10))
          t.comment(`  ${(e.atMs / 1000).toFixed(2)} s ${e.source}: ${why(e)}`);
        // Kept past the test's teardown, for a look at the whole timeline.
        const kept = path.join(os.tmpdir(), 'hadrill-failed-verify', `${target}-${d}`);
        fs.cpSync(path.join(reports, d), kept, { recursive: true });
        t.comment(`${target}: reports kept in ${kept}`);
      }
      return { report, out, code: res.code, dir: path.join(reports, d) };
    },
  };
}

/** The verify phase (steady state after the heal) passed. */
export const verified = (r: Report): boolean => r.phases.some((p) => p.phase === 'verify' && p.ok === true);

export const byName = (r: Report) => Object.fromEntries(r.measurements.map((m) => [m.name, m]));

/**
 * The ssh drill reports what the lab drill reports: the same measurements, each with the same
 * verdict, observed on both or neither, and the same expected window.
 */
export function sameAsLab(t: Test, viaSsh: Report, viaLab: Report): void {
  const s = byName(viaSsh);
  const l = byName(viaLab);
  t.same(Object.keys(s).sort(), Object.keys(l).sort(), 'the same measurements');
  for (const name of Object.keys(l)) {
    t.equal(s[name]!.verdict, l[name]!.verdict, `${name}: same verdict (${s[name]!.verdict})`);
    t.equal(s[name]!.value === null, l[name]!.value === null, `${name}: observed on both or neither`);
    t.same(s[name]!.expected?.formula, l[name]!.expected?.formula, `${name}: same expected window`);
  }
  // Detection: the expected alerts fired, were notified and resolved inside their windows on both.
  for (const [via, r] of [
    ['ssh', viaSsh],
    ['lab', viaLab],
  ] as const) {
    const expected = (r.alerts ?? []).filter((a) => a.role === 'expected');
    t.ok(expected.length > 0, `${via}: alerts expected`);
    for (const a of expected) t.equal(a.verdict, 'pass', `${via}: ${a.message}`);
  }
}
