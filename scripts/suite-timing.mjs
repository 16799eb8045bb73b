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
 * "Verify waits" is the part of the verify (steady state again after the heal) spent on a named
 * cluster condition: from the verify's start to its last `verify: waiting for …` note on the
 * timeline (a leader Lease still held by a holder that lost its apiserver, a rejoining etcd
 * member, a taint the node controller has not yet removed), the cluster's own timers as well. The
 * note is written when what steady state waits for changes, so the wait after the last change is
 * left out: a lower bound.
 * The last line gives suite wall / Σ timer waits (measured), the same with the verify waits added,
 * and / Σ windows (configured).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/suite-timing.mjs reports/<dir>/report.json');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, 'utf8'));
const runs = doc.kind === 'suite' ? doc.runs : [doc];
const s = (ms) => (ms / 1000).toFixed(1);
let waits = 0;
let verifyWaits = 0;
let windows = 0;
// The verify's notes, per run (a suite's timeline holds every run's events, each with its `run`).
const timeline = path.join(path.dirname(file), doc.timelineFile ?? 'timeline.jsonl');
const notes = existsSync(timeline)
  ? readFileSync(timeline, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"verify: waiting for'))
      .map((l) => JSON.parse(l))
  : [];
for (const r of runs) {
  const wall = Date.parse(r.meta.finishedAt) - Date.parse(r.meta.startedAt);
  const by = new Map();
  for (const p of r.phases) {
    if (p.endMs === null) continue;
    by.set(p.phase, (by.get(p.phase) ?? 0) + (p.endMs - p.startMs));
  }
  const observe = (by.get('inject') ?? 0) + (by.get('observe') ?? 0);
  waits += observe;
  const v = r.phases.find((p) => p.phase === 'verify' && p.endMs !== null);
  const mine = notes.filter(
    (e) => (e.run ?? r.meta.scenario) === r.meta.scenario && v && e.atMs >= v.startMs && e.atMs <= v.endMs,
  );
  const verifyWait = mine.length > 0 ? mine.at(-1).atMs - v.startMs : 0;
  verifyWaits += verifyWait;
  const maxes = r.measurements.map((m) => m.expected?.max).filter((v) => typeof v === 'number');
  const window = maxes.length > 0 ? Math.max(...maxes) * 1000 : 0;
  windows += window;
  const phases = [...by].map(([k, v]) => `${k} ${s(v)}`).join(', ');
  console.log(
    `${r.meta.scenario.padEnd(16)} wall ${s(wall).padStart(6)} s  timer wait ${s(observe).padStart(6)} s  verify wait ${s(verifyWait).padStart(4)} s  window ${s(window).padStart(6)} s  (${phases})`,
  );
}
const wall = Date.parse(doc.meta.finishedAt) - Date.parse(doc.meta.startedAt);
console.log(
  `${doc.kind === 'suite' ? 'suite' : 'run'} wall ${s(wall)} s, Σ timer waits ${s(waits)} s (ratio ${(wall / waits).toFixed(3)}), with the verify waits ${s(waits + verifyWaits)} s (ratio ${(wall / (waits + verifyWaits)).toFixed(3)}), Σ windows ${s(windows)} s (ratio ${(wall / windows).toFixed(3)})`,
);
