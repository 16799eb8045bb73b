#!/usr/bin/env node
/**
 * Two runs side by side, measurement by measurement (e.g. `all --target lab` against
 * `all --target ssh` on the lab, or two presets), from their report.json files:
 *   node scripts/compare-reports.mjs A/report.json B/report.json [label-A label-B]
 * Prints a Markdown table: scenario, measurement, A's value, B's value, the expected window of
 * each (when they differ, both), and whether each value is inside its window.
 */
import { readFileSync } from 'node:fs';

const [a, b, la = 'A', lb = 'B'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/compare-reports.mjs A/report.json B/report.json [label-A label-B]');
  process.exit(2);
}
const runsOf = (file) => {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  return doc.kind === 'suite' ? doc.runs : [doc];
};
const key = (r) => r.meta.scenario + (r.meta.variant ? ` (${r.meta.variant})` : '');
const index = (runs) => new Map(runs.map((r) => [key(r), r]));
const A = index(runsOf(a));
const B = index(runsOf(b));
const value = (m) =>
  m === undefined ? '—' : m.value === null ? 'none' : `${m.lowerBound ? '≥ ' : ''}${m.value}${inside(m)}`;
const inside = (m) =>
  m.expected && m.value !== null
    ? m.value >= m.expected.min && m.value <= m.expected.max
      ? ''
      : ' (outside)'
    : '';
const win = (m) => (m?.expected ? `[${m.expected.min}, ${m.expected.max}]` : '');
console.log(`| scenario | measurement | ${la} | ${lb} | window |`);
console.log('|---|---|---|---|---|');
for (const scenario of new Set([...A.keys(), ...B.keys()])) {
  const ra = A.get(scenario);
  const rb = B.get(scenario);
  const names = new Set([...(ra?.measurements ?? []), ...(rb?.measurements ?? [])].map((m) => m.name));
  for (const name of names) {
    const ma = ra?.measurements.find((m) => m.name === name);
    const mb = rb?.measurements.find((m) => m.name === name);
    const w = win(ma) === win(mb) || !mb ? win(ma) : !ma ? win(mb) : `${la} ${win(ma)}, ${lb} ${win(mb)}`;
    console.log(`| ${scenario} | ${name} | ${value(ma)} | ${value(mb)} | ${w} |`);
  }
}
