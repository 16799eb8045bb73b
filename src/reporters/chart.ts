/**
 * The inline SVG timeline chart of one run: one lane per signal (phases, LB probe bands, each
 * apiserver's /readyz, endpoints, leases, nodes, etcd leader, VIP, writes, and one per alert with
 * its pending/firing intervals and notifications: alert-lane.ts), vertical markers for fault
 * inject, proof, heal and recovery. Pure string rendering, no external assets.
 */
import type { RunResult } from '../model/result.ts';
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { type AlertLane, alertLanes } from './alert-lane.ts';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Band {
  readonly from: number;
  readonly to: number;
  readonly ok: boolean;
}
interface Mark {
  readonly at: number;
  readonly label: string;
  readonly bad?: boolean;
}
type Lane = { readonly name: string } & (
  | { readonly bands: Band[] }
  | { readonly marks: Mark[] }
  | { readonly phases: true }
  | { readonly alert: AlertLane }
);

/** Merge consecutive samples of equal status into bands (each sample lasts until the next one). */
export function bandsOf(samples: readonly { atMs: number; ok: boolean }[], endMs: number): Band[] {
  const out: Band[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const to = samples[i + 1]?.atMs ?? Math.max(s.atMs, endMs);
    const last = out.at(-1);
    if (last && last.ok === s.ok && last.to === s.atMs) out[out.length - 1] = { ...last, to };
    else out.push({ from: s.atMs, to, ok: s.ok });
  }
  return out;
}

function changes<T extends TimelineEvent>(
  events: readonly T[],
  key: (e: T) => string,
  label: (e: T) => string,
  bad?: (e: T) => boolean,
): Mark[] {
  const marks: Mark[] = [];
  const last = new Map<string, string>();
  for (const e of events) {
    const id = key(e);
    const l = label(e);
    if (last.get(id) === l) continue;
    last.set(id, l);
    marks.push({ at: e.atMs, label: l, ...(bad?.(e) ? { bad: true } : {}) });
  }
  return marks;
}

function lanesOf(tl: readonly TimelineEvent[], endMs: number): Lane[] {
  const lanes: Lane[] = [{ name: 'phases', phases: true }];
  const api = eventsOf(tl, 'api.request');
  for (const conn of ['new', 'keepalive'] as const) {
    const s = api.filter((e) => e.target === 'lb' && e.connection === conn);
    if (s.length) lanes.push({ name: `API via LB (${conn})`, bands: bandsOf(s, endMs) });
  }
  const ready = eventsOf(tl, 'readyz');
  for (const a of [...new Set(ready.map((e) => e.apiserver))].sort()) {
    lanes.push({
      name: `readyz ${a}`,
      bands: bandsOf(
        ready.filter((e) => e.apiserver === a),
        endMs,
      ),
    });
  }
  const add = (name: string, marks: Mark[]) => marks.length && lanes.push({ name, marks });
  add(
    'endpoints',
    changes(
      eventsOf(tl, 'endpoints'),
      (e) => e.resource,
      (e) => `${e.resource}: ${e.ips.length} IPs`,
    ),
  );
  add(
    'leases',
    changes(
      eventsOf(tl, 'lease'),
      (e) => e.name,
      (e) => `${e.name}: ${e.holderIdentity ?? '(none)'}`,
      (e) => !e.holderIdentity,
    ),
  );
  add(
    'nodes',
    changes(
      eventsOf(tl, 'node'),
      (e) => e.name,
      (e) => `${e.name} Ready=${e.ready}`,
      (e) => e.ready !== 'True',
    ),
  );
  add(
    'etcd',
    changes(
      eventsOf(tl, 'etcd.status'),
      (e) => e.member,
      (e) => `${e.member}: leader ${e.leader ?? 'none'}`,
      (e) => !e.leader,
    ),
  );
  add(
    'VIP',
    changes(
      eventsOf(tl, 'vip'),
      (e) => e.vip,
      (e) => `${e.vip} @ ${e.holder ?? 'nobody'}`,
      (e) => !e.holder,
    ),
  );
  add(
    'pods',
    changes(
      eventsOf(tl, 'pod'),
      (e) => e.name,
      (e) => `${e.name} ${e.deleted ? 'deleted' : `${e.phase}${e.ready ? '' : ' (not ready)'}`}`,
      (e) => e.deleted,
    ),
  );
  add(
    'write failures',
    eventsOf(tl, 'write.fail').map((e) => ({ at: e.atMs, label: `seq ${e.seq}: ${e.error}`, bad: true })),
  );
  for (const alert of alertLanes(tl, endMs)) lanes.push({ name: alert.name, alert });
  return lanes;
}

const PHASE_COLOR: Readonly<Record<string, string>> = {
  preflight: '#cbd5e1',
  baseline: '#bfdbfe',
  inject: '#fecaca',
  observe: '#fde68a',
  heal: '#bbf7d0',
  verify: '#a7f3d0',
  analyze: '#ddd6fe',
  report: '#e9d5ff',
};

export function renderTimelineSvg(run: RunResult, width = 1100): string {
  const tl = run.timeline;
  const endMs = Math.max(1, ...tl.map((e) => e.atMs));
  const left = 190;
  const laneH = 24;
  const top = 26;
  const lanes = lanesOf(tl, endMs);
  const height = top + lanes.length * laneH + 30;
  const plotW = width - left - 10;
  const x = (ms: number) => left + (Math.max(0, ms) / endMs) * plotW;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="drill timeline">`,
  );
  lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    const short = lane.name.length > 30 ? `${lane.name.slice(0, 29)}…` : lane.name;
    parts.push(`<text x="4" y="${y + 16}" class="lane"><title>${esc(lane.name)}</title>${esc(short)}</text>`);
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y + laneH}" y2="${y + laneH}" class="grid"/>`);
    if ('phases' in lane) {
      for (const p of run.phases) {
        const x1 = x(p.startMs);
        const w = Math.max(1, x(p.endMs ?? endMs) - x1);
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${laneH - 6}" fill="${PHASE_COLOR[p.phase] ?? '#eee'}"><title>${esc(p.phase)}</title></rect>`,
        );
        if (w > 40)
          parts.push(`<text x="${(x1 + 3).toFixed(1)}" y="${y + 16}" class="small">${esc(p.phase)}</text>`);
      }
    } else if ('bands' in lane) {
      for (const b of lane.bands) {
        const x1 = x(b.from);
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${y + 5}" width="${Math.max(0.5, x(b.to) - x1).toFixed(1)}" height="${laneH - 10}" class="${b.ok ? 'ok' : 'bad'}"><title>${b.ok ? 'ok' : 'failing'} ${(b.from / 1000).toFixed(1)}–${(b.to / 1000).toFixed(1)} s</title></rect>`,
        );
      }
    } else if ('alert' in lane) {
      for (const s of lane.alert.spans) {
        const x1 = x(s.from);
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${y + 5}" width="${Math.max(0.5, x(s.to) - x1).toFixed(1)}" height="${laneH - 10}" class="${s.state}"><title>${s.state} ${(s.from / 1000).toFixed(1)}–${(s.to / 1000).toFixed(1)} s</title></rect>`,
        );
      }
      for (const m of lane.alert.marks) {
        parts.push(
          `<circle cx="${x(m.at).toFixed(1)}" cy="${y + laneH / 2}" r="4" class="notify-${m.status}"><title>${(m.at / 1000).toFixed(2)} s notified ${m.status} (receiver ${esc(m.receiver)})</title></circle>`,
        );
      }
    } else {
      for (const m of lane.marks) {
        parts.push(
          `<circle cx="${x(m.at).toFixed(1)}" cy="${y + laneH / 2}" r="4" class="${m.bad ? 'bad' : 'mark'}"><title>${(m.at / 1000).toFixed(2)} s ${esc(m.label)}</title></circle>`,
        );
      }
    }
  });
  const vline = (ms: number, cls: string, label: string) =>
    parts.push(
      `<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="${top - 8}" y2="${height - 24}" class="${cls}"/><text x="${(x(ms) + 3).toFixed(1)}" y="${top - 10}" class="small ${cls}">${esc(label)}</text>`,
    );
  const f = run.fault;
  if (f.status !== 'none') {
    vline(f.injectedAtMs, 'inject', 'inject');
    if (f.heal.status !== 'not-run') vline(f.heal.atMs, 'heal', 'heal');
    const rto = run.measurements.find((m) => m.name === 'rto_s');
    if (rto?.value !== null && rto?.value !== undefined && !rto.lowerBound)
      vline(f.injectedAtMs + rto.value * 1000, 'recovery', 'recovered');
  }
  const step = niceStep(endMs / 10);
  for (let t = 0; t <= endMs; t += step) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${height - 8}" class="small axis">${fmtTick(t)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

function fmtTick(ms: number): string {
  return ms >= 60000 && ms % 60000 === 0 ? `${ms / 60000} min` : `${+(ms / 1000).toFixed(1)} s`;
}
