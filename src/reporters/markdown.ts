/**
 * `report.md`, written to fit `$GITHUB_STEP_SUMMARY`: verdict line, measurement table
 * (measurement | measured | SLO | expected window | verdict; the detection times `detect_`,
 * `notify_`, `resolve_` among them), alerts (each expected alert and every other that fired:
 * pending, firing, notified, resolved, verdict and why), fault proof, fidelity (timing inputs and
 * their origins; on the lab one line), findings, history delta.
 */
import type { DrillResult, RunResult } from '../model/result.ts';
import { ALERT_HEAD, alertCells, alertTitle } from './alert-text.ts';
import { fidelitySummary, fmtOrigin, fmtTimingValue, injectLatencyText } from './fidelity-text.ts';
import {
  fmtExpected,
  fmtMs,
  fmtNumber,
  fmtSlo,
  fmtValue,
  historyBasis,
  VERDICT_ICON,
  verdictBadge,
} from './format.ts';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function proofText(run: RunResult): string[] {
  const f = run.fault;
  if (f.status === 'none') return ['- no fault was injected'];
  const t = f.target;
  const target = [t.host, t.ip, t.member, t.node, t.lease].filter(Boolean).join(', ');
  const lines = [`- **${f.fault}** on ${target}, injected at ${fmtMs(f.injectedAtMs)} — ${f.status}`];
  if (f.effect)
    lines.push(
      `- took effect at ${fmtMs(f.effect.atMs)} (inject latency ${((f.effect.atMs - f.injectedAtMs) / 1000).toFixed(3)} s: ${f.effect.how}); measurements start there`,
    );
  for (const p of f.proofs) {
    const { kind, host, ...rest } = p.proof;
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('; ') : v}`)
      .join(', ');
    lines.push(`- proof at ${fmtMs(p.atMs)}: \`${kind}\` on ${host}${extra ? ` (${extra})` : ''}`);
  }
  if (f.reason) lines.push(`- no effect: ${f.reason}`);
  const h = f.heal;
  lines.push(
    h.status === 'done'
      ? `- healed: ${fmtMs(h.atMs)} → ${fmtMs(h.doneMs)}`
      : h.status === 'error'
        ? `- ❌ heal failed at ${fmtMs(h.atMs)}: ${h.error}`
        : `- heal: ${h.status}`,
  );
  return lines;
}

/** The Alerts section: one row per alert outcome, then each one's message. */
function alertsText(run: RunResult, h: string): string[] {
  if (!run.alerts) return [];
  const out = [`${h}# Alerts`, ''];
  if (run.alerts.length === 0) return [...out, 'No alert was expected and none fired.', ''];
  out.push(row([...ALERT_HEAD]), '|---|---|---|---:|---:|---:|---:|---|');
  for (const a of run.alerts) {
    const cells = alertCells(a);
    cells[cells.length - 1] = `${VERDICT_ICON[a.verdict]} ${a.verdict}`;
    out.push(row(cells));
  }
  out.push('');
  for (const a of run.alerts) out.push(`- **${alertTitle(a)}**: ${a.message}`);
  out.push('');
  return out;
}

function fidelityText(run: RunResult): string[] {
  const f = run.fidelity;
  const out = [fidelitySummary(f), ''];
  if (f.source.kind === 'target' && f.timings.length) {
    out.push(row(['timing input', 'value', 'origin']), '|---|---:|---|');
    for (const r of f.timings)
      out.push(row([r.input, fmtTimingValue(r), r.value === null ? '—' : fmtOrigin(r.origin)]));
    out.push('');
  }
  out.push(`- ${injectLatencyText(f)}`);
  if (f.problems.length === 0) out.push('- ✅ no fidelity problem');
  for (const p of f.problems) out.push(`- ⚠️ ${p.message}`);
  return out;
}

export function renderRunMarkdown(run: RunResult, level = 2): string {
  const h = '#'.repeat(level);
  const m = run.meta;
  const out: string[] = [];
  out.push(
    `${h} ${verdictBadge(run.verdict)} — ${m.scenario} on ${m.target}${m.preset ? ` (${m.preset})` : ''}`,
  );
  out.push('');
  out.push(`> ${run.verdictMessage}`);
  out.push('');
  out.push(`Started ${m.startedAt} · finished ${m.finishedAt} · ha-drill ${m.harnessVersion}`);
  out.push('');
  if (run.measurements.length) {
    out.push(row(['measurement', 'measured', 'SLO', 'expected window', 'verdict']));
    out.push('|---|---:|---|---|---|');
    for (const x of run.measurements) {
      out.push(
        row([x.name, fmtValue(x), fmtSlo(x.slo), fmtExpected(x), `${VERDICT_ICON[x.verdict]} ${x.verdict}`]),
      );
    }
    out.push('');
    const notes = run.measurements.filter((x) => x.verdict !== 'pass' || x.expected?.outside);
    if (notes.length) {
      out.push('<details><summary>Why</summary>', '');
      for (const x of notes)
        out.push(
          `- **${x.name}**: ${x.message}. ${x.detail}${x.expected ? ` (expected ${x.expected.formula})` : ''}`,
        );
      out.push('', '</details>', '');
    }
  }
  out.push(...alertsText(run, h));
  out.push(`${h}# Fault`, '', ...proofText(run), '');
  out.push(`${h}# Fidelity`, '', ...fidelityText(run), '');
  if (run.findings.length) {
    out.push(`${h}# Findings`, '');
    for (const f of run.findings)
      out.push(`- ${f.severity === 'critical' ? '🛑' : f.severity === 'warning' ? '⚠️' : 'ℹ️'} ${f.message}`);
    out.push('');
  }
  if (run.load) {
    const l = run.load;
    out.push(
      `${h}# Load`,
      '',
      `- ${l.kind}: ${l.requests} requests, ${l.failures} failed${l.p95LatencyMs !== undefined ? `, p95 ${l.p95LatencyMs} ms` : ''}`,
      '',
    );
  }
  if (run.repetition?.length) {
    out.push(
      `${h}# Repetitions`,
      '',
      row(['measurement', 'runs', 'min', 'p50', 'p95', 'max', 'failed']),
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    const n = (v: number | null) => (v === null ? '—' : fmtNumber(v));
    for (const s of run.repetition)
      out.push(
        row([s.name, `${s.observed}/${s.runs}`, n(s.min), n(s.p50), n(s.p95), n(s.max), String(s.failed)]),
      );
    out.push('');
  }
  if (run.history?.kind === 'unmatched') out.push(`${h}# History`, '', run.history.message, '');
  if (run.history?.kind === 'compared') {
    out.push(
      `${h}# Compared with ${run.history.previous.startedAt}`,
      '',
      historyBasis(run.history),
      '',
      row(['measurement', 'previous', 'now', 'Δ', 'verdict']),
      '|---|---:|---:|---:|---|',
    );
    const n = (v: number | null) => (v === null ? '—' : fmtNumber(v));
    for (const e of run.history.entries) {
      const delta =
        e.delta === null
          ? '—'
          : `${e.delta > 0 ? '+' : ''}${fmtNumber(e.delta)}${e.deltaPct !== null ? ` (${e.deltaPct > 0 ? '+' : ''}${fmtNumber(e.deltaPct)} %)` : ''}`;
      const verdict = `${e.previousVerdict ?? '—'} → ${e.currentVerdict}${e.regressed ? ' ⚠ regressed' : ''}`;
      out.push(row([e.name, n(e.previous), n(e.current), delta, verdict]));
    }
    out.push('');
  }
  return out.join('\n');
}

export function renderMarkdown(result: DrillResult): string {
  if (result.kind === 'run') return `${renderRunMarkdown(result)}\n`;
  const m = result.meta;
  const out = [
    `## ${verdictBadge(result.verdict)} — suite ${m.name} on ${m.target}${m.preset ? ` (${m.preset})` : ''}`,
    '',
    `> ${result.verdictMessage}`,
    '',
    row(['scenario', 'verdict', 'summary']),
    '|---|---|---|',
    ...result.runs.map((r) => row([r.meta.scenario, verdictBadge(r.verdict), r.verdictMessage])),
    '',
    ...result.runs.map((r) => renderRunMarkdown(r, 3)),
  ];
  return `${out.join('\n')}\n`;
}
