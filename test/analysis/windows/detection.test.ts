import t from 'tap';
import {
  DELIVERY_SLACK_S,
  detectWindow,
  notifyWindow,
  OBSERVE_SLACK_S,
  onEvaluationTicks,
  pendingWindow,
  resolveWindow,
  unionWindow,
} from '../../../src/analysis/windows/detection.ts';

const M = { scrapeIntervalS: 15, scrapeTimeoutS: 10, pollIntervalS: 1, groupWaitS: 30 };
const R = { forS: 300, keepFiringForS: 0, evaluationIntervalS: 30 };

t.test('for and keep_firing_for count in whole evaluation intervals', (t) => {
  t.equal(onEvaluationTicks(300, 30), 300);
  t.equal(onEvaluationTicks(50, 15), 60);
  t.equal(onEvaluationTicks(0, 15), 0);
  t.ok(Math.abs(onEvaluationTicks(0.3, 0.1) - 0.3) < 1e-9, 'no extra tick for a float rounding error');
  t.end();
});

t.test('detect: [condition + for, condition + scrape + timeout + evaluation + for + poll + slack]', (t) => {
  t.same(detectWindow(M, R), {
    min: 300,
    max: 15 + 10 + 30 + 300 + 1 + OBSERVE_SLACK_S,
    formula:
      '[for 300, scrape interval 15 + scrape timeout 10 + evaluation 30 + for 300 + poll 1 + slack 0.5]',
  });
  t.same(detectWindow(M, { ...R, forS: 50, evaluationIntervalS: 15 }, { min: 1, max: 3 }), {
    min: 61,
    max: 3 + 15 + 10 + 15 + 60 + 1.5,
    formula:
      '[condition 1 + for 50 → 60 (whole evaluations of 15), condition 3 + scrape interval 15 + scrape timeout 10 + evaluation 15 + for 50 → 60 (whole evaluations of 15) + poll 1 + slack 0.5]',
  });
  t.match(detectWindow(M, { ...R, forS: 0 }), { min: 0, max: 56.5 }, 'for 0: fires at the first evaluation');
  t.end();
});

t.test('pending: none for a rule without for; else [condition, lag + poll + slack]', (t) => {
  t.equal(pendingWindow(M, { ...R, forS: 0 }), undefined);
  t.same(pendingWindow(M, R, { min: 2, max: 4 }), {
    min: 2,
    max: 4 + 15 + 10 + 30 + 1.5,
    formula: '[2, condition 4 + scrape interval 15 + scrape timeout 10 + evaluation 30 + poll 1 + slack 0.5]',
  });
  t.end();
});

t.test('notify: fired + group_wait (+ delivery); none without an Alertmanager', (t) => {
  t.equal(notifyWindow({ ...M, groupWaitS: undefined }, R), undefined);
  const w = notifyWindow(M, R)!;
  t.equal(w.min, 300 + 30);
  t.equal(w.max, 15 + 10 + 30 + 300 + 30 + DELIVERY_SLACK_S);
  t.match(w.formula, /^\[fired ≥ 300 \+ group_wait 30, fired ≤ 355 \+ group_wait 30 \+ delivery 0\.5\]/);
  // With the route's group_interval known: an alert joining an active group goes out at its next
  // flush, from at once to group_interval later.
  const joined = notifyWindow({ ...M, groupIntervalS: 300 }, R)!;
  t.equal(joined.min, 300);
  t.equal(joined.max, 355 + 300 + DELIVERY_SLACK_S);
  t.match(
    joined.formula,
    /^\[fired ≥ 300 \(joining an active group\), fired ≤ 355 \+ max\(group_wait 30, group_interval 300\)/,
  );
  t.end();
});

t.test('resolve: [clear + keep_firing_for, clear + lag + keep_firing_for + poll + slack]', (t) => {
  t.same(resolveWindow(M, R), {
    min: 0,
    max: 15 + 10 + 30 + 1.5,
    formula: '[clear 0, scrape interval 15 + scrape timeout 10 + evaluation 30 + poll 1 + slack 0.5]',
  });
  t.same(resolveWindow(M, { ...R, keepFiringForS: 100 }, { min: 5, max: 8 }), {
    min: 5 + 120,
    max: 8 + 15 + 10 + 30 + 120 + 1.5,
    formula:
      '[clear 5 + keep_firing_for 100 → 120 (whole evaluations of 30), clear 8 + scrape interval 15 + scrape timeout 10 + evaluation 30 + keep_firing_for 100 → 120 (whole evaluations of 30) + poll 1 + slack 0.5]',
  });
  t.end();
});

t.test('several rules of one name: the union of their windows, each formula kept', (t) => {
  const a = detectWindow(M, R);
  const b = detectWindow(M, { ...R, forS: 60 });
  t.same(unionWindow([a, b]), {
    min: 60,
    max: a.max,
    formula: `union of 2 rules: ${a.formula} ∪ ${b.formula}`,
  });
  t.same(unionWindow([a, a]), a);
  t.equal(unionWindow([]), undefined);
  t.end();
});

/**
 * Prometheus and the probe simulated on their own ticks (scrape, evaluation, poll at arbitrary
 * phases; a failed scrape committing at once or after its timeout): every outcome falls inside
 * the window, and the window's ends are reached (within the grid's step), so it is not loose.
 */
const next = (phase: number, period: number, t: number) =>
  phase + Math.ceil((t - phase) / period - 1e-9) * period;

t.test('the windows hold Prometheus tick by tick, and are tight', (t) => {
  const m = { scrapeIntervalS: 5, scrapeTimeoutS: 2, pollIntervalS: 1, groupWaitS: 10 };
  const steps = 12;
  for (const r of [
    { forS: 10, keepFiringForS: 0, evaluationIntervalS: 5 },
    { forS: 7, keepFiringForS: 12, evaluationIntervalS: 4 },
    { forS: 0, keepFiringForS: 0, evaluationIntervalS: 3 },
  ]) {
    const c = { min: 1, max: 2 };
    const d = detectWindow(m, r, c);
    const n = notifyWindow(m, r, c)!;
    const res = resolveWindow(m, r, c);
    const outside: string[] = [];
    const check = (what: string, v: number, w: { min: number; max: number }) => {
      if (v < w.min - 1e-9 || v > w.max + 1e-9) outside.push(`${what} ${v} outside [${w.min}, ${w.max}]`);
    };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let rlo = lo;
    let rhi = hi;
    for (let i = 0; i < steps; i++)
      for (let j = 0; j < steps; j++)
        for (let k = 0; k < steps; k++)
          for (const cond of [c.min, c.max])
            for (const hang of [false, true]) {
              const ps = (i / steps) * m.scrapeIntervalS;
              const pe = (j / steps) * r.evaluationIntervalS;
              const pp = (k / steps) * m.pollIntervalS;
              const e = r.evaluationIntervalS;
              // detection: first scrape after the condition fails, commits, is evaluated
              const active = next(pe, e, next(ps, m.scrapeIntervalS, cond) + (hang ? m.scrapeTimeoutS : 0));
              const fired = active + Math.ceil(r.forS / e - 1e-9) * e;
              const seen = next(pp, m.pollIntervalS, fired);
              check('detect', seen, d);
              const notified = fired + m.groupWaitS;
              check('notify', notified, n);
              lo = Math.min(lo, seen);
              hi = Math.max(hi, seen);
              // resolution: first scrape after the clear succeeds; keep_firing_for from that evaluation
              const since = next(pe, e, next(ps, m.scrapeIntervalS, cond) + (hang ? m.scrapeTimeoutS : 0));
              const inactive = since + Math.ceil(r.keepFiringForS / e - 1e-9) * e;
              const gone = next(pp, m.pollIntervalS, inactive);
              check('resolve', gone, res);
              rlo = Math.min(rlo, gone);
              rhi = Math.max(rhi, gone);
            }
    t.same(
      outside,
      [],
      `for ${r.forS}, keep_firing_for ${r.keepFiringForS}, evaluation ${r.evaluationIntervalS}`,
    );
    const grid = (m.scrapeIntervalS + r.evaluationIntervalS + m.pollIntervalS) / steps;
    t.ok(lo <= d.min + grid, `detect min ${d.min} reached (${lo})`);
    t.ok(hi >= d.max - OBSERVE_SLACK_S - grid, `detect max ${d.max} reached but for the slack (${hi})`);
    t.ok(rlo <= res.min + grid, `resolve min ${res.min} reached (${rlo})`);
    t.ok(
      rhi >= res.max - OBSERVE_SLACK_S - grid,
      `resolve max ${res.max} reached but for the slack (${rhi})`,
    );
  }
  t.end();
});
