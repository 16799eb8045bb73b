/**
 * The one controller loop (wait.Until, sliding) and the one abortable sleep, on real timers with
 * short periods: what the mechanism guarantees is asserted (order, at-least-period gaps, the
 * failure log, stop on abort), not how late a timer fires on a loaded machine.
 */
import t from 'tap';
import { sleep, startUntil, until } from '../../../src/kube/runtime/loop.ts';

t.test('sleep resolves after the delay, at once when aborted, and never rejects', async (t) => {
  let start = performance.now();
  await sleep(30);
  t.ok(performance.now() - start >= 29, 'waited the delay');
  const ac = new AbortController();
  start = performance.now();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await p;
  t.ok(performance.now() - start < 1000, 'abort ends the sleep');
  start = performance.now();
  await sleep(60_000, ac.signal);
  t.ok(performance.now() - start < 1000, 'an aborted signal does not sleep at all');
});

t.test('until: runs at once, then a period after each run ends, until aborted', async (t) => {
  const ac = new AbortController();
  const runs: { start: number; end: number }[] = [];
  const done = until({ periodMs: 40, signal: ac.signal, what: 'x', log: () => {} }, async () => {
    const start = performance.now();
    await sleep(20);
    runs.push({ start, end: performance.now() });
    if (runs.length === 3) ac.abort();
  });
  await done;
  t.equal(runs.length, 3, 'stops after the run that saw the abort');
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.start - runs[i - 1]!.end;
    t.ok(gap >= 39, `run ${i + 1} started ${gap.toFixed(1)} ms after run ${i} ended (period 40, sliding)`);
  }
});

t.test(
  'until: a failure does not end the loop; first failure, every 20th, another error and the recovery are logged',
  async (t) => {
    const ac = new AbortController();
    const logs: string[] = [];
    let n = 0;
    await until(
      { periodMs: 1, signal: ac.signal, what: 'pass', log: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) },
      async () => {
        n++;
        if (n <= 40) throw new Error(n === 30 ? 'refused' : 'boom');
        ac.abort();
      },
    );
    t.equal(n, 41);
    t.same(logs, [
      'pass failed {"error":"Error: boom","attempt":1}',
      'pass failed {"error":"Error: boom","attempt":20}',
      'pass failed {"error":"Error: refused","attempt":30}',
      'pass failed {"error":"Error: boom","attempt":31}',
      'pass failed {"error":"Error: boom","attempt":40}',
      'pass succeeded again {"after":40}',
    ]);
  },
);

t.test(
  'until with retryMs: failures retry sooner, doubling up to the period; success waits the period',
  async (t) => {
    const ac = new AbortController();
    const starts: number[] = [];
    await until({ periodMs: 160, retryMs: 20, signal: ac.signal, what: 'x', log: () => {} }, async () => {
      starts.push(performance.now());
      if (starts.length === 6) return ac.abort();
      if (starts.length <= 4) throw new Error('down');
    });
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    // waits after runs 1..5: 20, 40, 80, 160 (capped), then 160 after the success
    const want = [20, 40, 80, 160, 160];
    gaps.forEach((g, i) => {
      t.ok(g >= want[i]! - 1, `wait ${i + 1} ${g.toFixed(1)} ms >= ${want[i]} ms`);
    });
    t.ok(gaps[0]! < 160, `the first retry does not wait a whole period (${gaps[0]!.toFixed(1)} ms)`);
  },
);

t.test('startUntil: stop aborts the wait and waits for the run in progress', async (t) => {
  let running = false;
  let finished = 0;
  let entered!: () => void;
  const inRun = new Promise<void>((r) => {
    entered = r;
  });
  const stop = startUntil({ periodMs: 60_000, what: 'x', log: () => {} }, async () => {
    running = true;
    entered();
    await sleep(30);
    running = false;
    finished++;
  });
  await inRun;
  await stop();
  t.equal(running, false, 'stop resolved after the run ended');
  t.equal(finished, 1, 'no second run');
});
