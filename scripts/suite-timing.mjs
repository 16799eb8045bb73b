#!/usr/bin/env node
/**
 * Where the wall time of a drill (or an `all` suite) went, from its report.json:
 *   node scripts/suite-timing.mjs reports/<dir>/report.json
 * Per run: wall time (startedAt → finishedAt) and its phases. "Timer wait" is inject + observe:
 * from the injection command until the scenario's recovery criterion held, the harness only runs
 * the fault (etcd-restore's snapshot, stop, wipe and restore are the fault) and waits while the
 * cluster's own timers run (Raft election, VRRP, haproxy checks, lease TTLs, the node grace
 * period, tolerationSeconds). Everything else (preflight, workload setup, baseline, heal, verify,
 * tail, analysis, reports, the pause between scenarios) is the harness's.
 * "Window" is the largest upper bound of the run's expected windows (what the configuration lets
 * the timers take at most, e.g. grace + monitor period + renew + tolerationSeconds for eviction).
 * The last line gives suite wall / Σ timer waits (measured) and / Σ windows (configured).
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/suite-timing.mjs reports/<dir>/report.json');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, 'utf8'));
const runs = doc.kind === 'suite' ? doc.runs : [doc];
const s = (ms) => (ms / 1000).toFixed(1);
let waits = 0;
let windows = 0;
for (const r of runs) {
  const wall = Date.parse(r.meta.finishedAt) - Date.parse(r.meta.startedAt);
  const by = new Map();
  for (const p of r.phases) {
    if (p.endMs === null) continue;
    by.set(p.phase, (by.get(p.phase) ?? 0) + (p.endMs - p.startMs));
  }
  const observe = (by.get('inject') ?? 0) + (by.get('observe') ?? 0);
  waits += observe;
  const maxes = r.measurements.map((m) => m.expected?.max).filter((v) => typeof v === 'number');
  const window = maxes.length > 0 ? Math.max(...maxes) * 1000 : 0;
  windows += window;
  const phases = [...by].map(([k, v]) => `${k} ${s(v)}`).join(', ');
  console.log(
    `${r.meta.scenario.padEnd(16)} wall ${s(wall).padStart(6)} s  timer wait ${s(observe).padStart(6)} s  window ${s(window).padStart(6)} s  (${phases})`,
  );
}
const wall = Date.parse(doc.meta.finishedAt) - Date.parse(doc.meta.startedAt);
console.log(
  `${doc.kind === 'suite' ? 'suite' : 'run'} wall ${s(wall)} s, Σ timer waits ${s(waits)} s (ratio ${(wall / waits).toFixed(3)}), Σ windows ${s(windows)} s (ratio ${(wall / windows).toFixed(3)})`,
);
