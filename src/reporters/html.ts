/**
 * `report.html`: self-contained (inline CSS and SVG, no scripts, no external assets): verdict,
 * the timeline chart (with a lane per alert), the measurement table with expected vs measured,
 * the alerts table, fault proof, fidelity, findings and the history delta. The Markdown renderer's wording is reused through src/reporters/format.ts.
 */
import type { DrillResult, RunResult } from '../model/result.ts';
import { ALERT_HEAD, alertCells } from './alert-text.ts';
import { esc, renderTimelineSvg } from './chart.ts';
import { fidelitySummary, fmtOrigin, fmtTimingValue, injectLatencyText } from './fidelity-text.ts';
import { fmtExpected, fmtMs, fmtNumber, fmtSlo, fmtValue, historyBasis, verdictBadge } from './format.ts';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
td.num{text-align:right}.pass{color:#166534}.fail{color:#b91c1c}.unknown{color:#92400e}.aborted{color:#6b21a8}
.outside{background:#fef3c7}svg.timeline{border:1px solid #ddd;background:#fff}
svg .lane{font-size:11px}svg .small{font-size:10px}svg .grid{stroke:#eee}
svg rect.ok{fill:#22c55e}svg rect.bad{fill:#ef4444}svg circle.mark{fill:#2563eb}svg circle.bad{fill:#dc2626}
svg line.inject{stroke:#dc2626;stroke-width:2}svg line.heal{stroke:#16a34a;stroke-width:2}
svg line.recovery{stroke:#2563eb;stroke-width:2;stroke-dasharray:4 3}svg text.axis{fill:#555}
svg rect.pending{fill:#f59e0b}svg rect.firing{fill:#b91c1c}svg circle.notify-firing{fill:#7c3aed}
svg circle.notify-resolved{fill:#fff;stroke:#7c3aed;stroke-width:2}
small{color:#555}`;

function table(head: readonly string[], rows: readonly string[][], rowClass?: (i: number) => string): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r, i) =>
        `<tr${rowClass?.(i) ? ` class="${rowClass(i)}"` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function fidelitySection(run: RunResult, h: string): string {
  const f = run.fidelity;
  const out = [`<${h}>Fidelity</${h}>`, `<p>${esc(fidelitySummary(f))}</p>`];
  if (f.source.kind === 'target' && f.timings.length) {
    out.push(
      table(
        ['timing input', 'value', 'origin'],
        f.timings.map((r) => [
          esc(r.input),
          esc(fmtTimingValue(r)),
          r.value === null ? '—' : esc(fmtOrigin(r.origin)),
        ]),
        (i) => (f.timings[i]!.value === null ? 'outside' : ''),
      ),
    );
  }
  const problems = f.problems.length
    ? f.problems.map((p) => `<li class="fail">${esc(p.message)}</li>`).join('')
    : '<li class="pass">no fidelity problem</li>';
  out.push(`<ul><li>${esc(injectLatencyText(f))}</li>${problems}</ul>`);
  return out.join('\n');
}

function runSection(run: RunResult, level: number): string {
  const h = `h${level}`;
  const m = run.meta;
  const out: string[] = [];
  out.push(
    `<section><${h} class="${run.verdict}">${esc(verdictBadge(run.verdict))} — ${esc(m.scenario)} on ${esc(m.target)}${m.preset ? ` (${esc(m.preset)})` : ''}</${h}>`,
  );
  out.push(
    `<p>${esc(run.verdictMessage)}<br><small>started ${esc(m.startedAt)} · finished ${esc(m.finishedAt)} · ha-drill ${esc(m.harnessVersion)}</small></p>`,
  );
  out.push(renderTimelineSvg(run));
  if (run.measurements.length) {
    out.push(
      table(
        ['measurement', 'measured', 'SLO', 'expected window', 'formula', 'verdict', 'why'],
        run.measurements.map((x) => [
          esc(x.name),
          esc(fmtValue(x)),
          esc(fmtSlo(x.slo)),
          esc(fmtExpected(x)),
          esc(x.expected?.formula ?? ''),
          `<span class="${x.verdict}">${esc(x.verdict)}</span>`,
          `${esc(x.message)}<br><small>${esc(x.detail)}</small>`,
        ]),
        (i) => (run.measurements[i]!.expected?.outside ? 'outside' : ''),
      ),
    );
  }
  if (run.alerts) {
    out.push(`<${h}>Alerts</${h}>`);
    if (run.alerts.length === 0) out.push('<p>No alert was expected and none fired.</p>');
    else
      out.push(
        table(
          [...ALERT_HEAD, 'why'],
          run.alerts.map((a) => {
            const cells = alertCells(a).map(esc);
            cells[cells.length - 1] = `<span class="${a.verdict}">${esc(a.verdict)}</span>`;
            return [...cells, esc(a.message)];
          }),
        ),
      );
  }
  const f = run.fault;
  out.push(`<${h}>Fault</${h}><ul>`);
  if (f.status === 'none') out.push('<li>no fault was injected</li>');
  else {
    out.push(
      `<li><b>${esc(f.fault)}</b> on ${esc(
        Object.values(f.target)
          .filter((v) => v !== undefined && v !== '')
          .join(', '),
      )} at ${fmtMs(f.injectedAtMs)}: ${esc(f.status)}</li>`,
    );
    for (const p of f.proofs)
      out.push(`<li>proof at ${fmtMs(p.atMs)}: <code>${esc(JSON.stringify(p.proof))}</code></li>`);
    if (f.reason) out.push(`<li>no effect: ${esc(f.reason)}</li>`);
    out.push(
      `<li>heal: ${esc(f.heal.status)}${f.heal.status === 'error' ? `: ${esc(f.heal.error)}` : ''}</li>`,
    );
  }
  out.push('</ul>');
  out.push(fidelitySection(run, h));
  if (run.findings.length) {
    out.push(
      `<${h}>Findings</${h}><ul>${run.findings.map((x) => `<li class="${x.severity}">${esc(`[${x.severity}] ${x.message}`)}</li>`).join('')}</ul>`,
    );
  }
  if (run.history?.kind === 'unmatched') {
    out.push(`<${h}>History</${h}><p>${esc(run.history.message)}</p>`);
  }
  if (run.history?.kind === 'compared') {
    const n = (v: number | null) => (v === null ? '—' : fmtNumber(v));
    out.push(`<${h}>Compared with ${esc(run.history.previous.startedAt)}</${h}>`);
    out.push(`<p>${esc(historyBasis(run.history))}</p>`);
    out.push(
      table(
        ['measurement', 'previous', 'now', 'Δ', 'verdict'],
        run.history.entries.map((e) => [
          esc(e.name),
          n(e.previous),
          n(e.current),
          e.delta === null ? '—' : `${e.delta > 0 ? '+' : ''}${fmtNumber(e.delta)}`,
          esc(`${e.previousVerdict ?? '—'} → ${e.currentVerdict}${e.regressed ? ' (regressed)' : ''}`),
        ]),
      ),
    );
  }
  out.push('</section>');
  return out.join('\n');
}

export function renderHtml(result: DrillResult): string {
  const title =
    result.kind === 'suite'
      ? `ha-drill ${result.meta.name} — ${result.verdict}`
      : `ha-drill ${result.meta.scenario} — ${result.verdict}`;
  const body =
    result.kind === 'suite'
      ? [
          `<h1 class="${result.verdict}">${esc(verdictBadge(result.verdict))} — suite ${esc(result.meta.name)} on ${esc(result.meta.target)}</h1>`,
          `<p>${esc(result.verdictMessage)}</p>`,
          table(
            ['scenario', 'verdict', 'summary'],
            result.runs.map((r) => [
              esc(r.meta.scenario),
              `<span class="${r.verdict}">${esc(r.verdict)}</span>`,
              esc(r.verdictMessage),
            ]),
          ),
          ...result.runs.map((r) => runSection(r, 2)),
        ].join('\n')
      : runSection(result, 1);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
${body}
</body></html>
`;
}
