/**
 * History over a real report directory: synthetic report.json files (a run, a suite, a report of
 * an older version without a configuration, foreign and broken files) read back by the store,
 * then the comparison the model builds from them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { apiserverKill } from '../../scenarios/apiserver-kill.ts';
import { runConfigOf } from '../../src/analysis/history.ts';
import { buildRunResult } from '../../src/model/build.ts';
import type { RunMeta } from '../../src/model/result.ts';
import { findPreviousRuns } from '../../src/reporters/history-store.ts';
import { renderMarkdown } from '../../src/reporters/markdown.ts';
import { resolveSlos } from '../../src/slo/resolve.ts';
import { apiserverKillRun } from '../analysis/synthetic.ts';
import { testTmp } from '../helpers/temp.ts';

const FAST = { masterLeaseTtlS: 15, endpointReconcileIntervalS: 10, checkInterMs: 2000, fall: 2 };
const SEEDS = { masterLeaseTtlS: 60, endpointReconcileIntervalS: 10, checkInterMs: 2000, fall: 3 };

function runDoc(startedAt: string, preset: string | undefined, timings: object | null, value: number) {
  const meta = { scenario: 'apiserver-kill', target: 'lab', preset, startedAt, params: { signal: 'KILL' } };
  return {
    schema: 'ha-drill/report@1',
    kind: 'run',
    meta: timings ? { ...meta, config: runConfigOf(meta, timings) } : meta,
    measurements: [{ name: 'endpoint_removal_s', value, verdict: 'pass' }],
  };
}

async function reportsDir(): Promise<string> {
  const root = testTmp('history-');
  const put = async (dir: string, doc: unknown) => {
    await mkdir(path.join(root, dir));
    await writeFile(path.join(root, dir, 'report.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
  };
  await put('a-old-version', runDoc('2026-11-01T00:00:00.000Z', 'fast', null, 11));
  await put('b-fast', runDoc('2026-11-10T00:00:00.000Z', 'fast', FAST, 12.6));
  await put('c-suite-seeds', {
    kind: 'suite',
    meta: { name: 'all', target: 'lab' },
    runs: [runDoc('2026-11-20T00:00:00.000Z', 'seeds', SEEDS, 40), { meta: { scenario: 'lb-stop' } }],
  });
  await put('d-kind', { ...runDoc('2026-11-21T00:00:00.000Z', 'fast', FAST, 1), meta: { target: 'kind' } });
  await put('e-broken', '{ not json');
  await mkdir(path.join(root, 'f-empty'));
  return root;
}

const META: RunMeta = {
  scenario: 'apiserver-kill',
  target: 'lab',
  preset: 'fast',
  startedAt: '2026-11-22T00:00:00.000Z',
  finishedAt: '2026-11-22T00:01:00.000Z',
  harnessVersion: '0.1.0',
  params: { signal: 'KILL' },
};

const build = (meta: RunMeta, timings: object, previous: Awaited<ReturnType<typeof findPreviousRuns>>) =>
  buildRunResult({
    meta,
    timeline: apiserverKillRun(),
    analysis: { slos: resolveSlos({ scenario: apiserverKill }), timings },
    previous,
  });

t.test('the store reads every run of the scenario on the target, newest first', async (t) => {
  const root = await reportsDir();
  const runs = await findPreviousRuns(root, { scenario: 'apiserver-kill', target: 'lab' });
  t.same(
    runs.map((r) => [path.basename(r.dir), r.startedAt, r.config?.preset ?? null]),
    [
      ['c-suite-seeds', '2026-11-20T00:00:00.000Z', 'seeds'],
      ['b-fast', '2026-11-10T00:00:00.000Z', 'fast'],
      ['a-old-version', '2026-11-01T00:00:00.000Z', null],
    ],
  );
  t.equal(runs[2]!.config, null, 'a report without a configuration is never comparable');
  t.same(runs[1]!.measurements, [{ name: 'endpoint_removal_s', value: 12.6, verdict: 'pass' }]);
  t.same(await findPreviousRuns(path.join(root, 'missing'), { scenario: 'x', target: 'y' }), []);
});

t.test('a fast run is compared with the last fast run, not the newer seeds run', async (t) => {
  const root = await reportsDir();
  const r = build(META, FAST, await findPreviousRuns(root, { scenario: 'apiserver-kill', target: 'lab' }));
  if (r.history?.kind !== 'compared') throw new Error(`expected a comparison, got ${r.history?.kind}`);
  t.same(r.history.previous, { startedAt: '2026-11-10T00:00:00.000Z', dir: path.join(root, 'b-fast') });
  t.equal(r.history.skipped, 1, 'the newer seeds run was passed over');
  t.match(r.history.matchedOn, /preset fast, options signal=KILL, fingerprint [0-9a-f]{12}$/);
  t.match(
    r.history.entries.find((e) => e.name === 'endpoint_removal_s'),
    { previous: 12.6 },
  );
  t.match(renderMarkdown(r), `Previous run ${path.join(root, 'b-fast')} (started 2026-11-10T00:00:00.000Z)`);
});

t.test('no like run: the report says so, how many were skipped and what differs', async (t) => {
  const root = await reportsDir();
  const earlier = await findPreviousRuns(root, { scenario: 'apiserver-kill', target: 'lab' });
  const other = build({ ...META, params: { signal: 'TERM' } }, FAST, earlier);
  t.same(other.history, {
    kind: 'unmatched',
    skipped: 3,
    message:
      'no previous run with the same timing configuration (preset, timings, options); 3 runs with other configurations skipped; 1 written before configurations were recorded; the newest (2026-11-20T00:00:00.000Z) differs in preset seeds ≠ fast, fall 3 ≠ 2, masterLeaseTtlS 60 ≠ 15, option signal KILL ≠ TERM',
  });
  t.match(renderMarkdown(other), /### History\n\nno previous run with the same timing configuration/);
  const kind = build({ ...META, target: 'kind', preset: undefined }, FAST, earlier);
  t.equal(kind.history, undefined, 'runs on another target are not history at all');
});
