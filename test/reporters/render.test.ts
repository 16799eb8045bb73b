import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { reportDirName } from '../../src/reporters/format.ts';
import { renderHtml } from '../../src/reporters/html.ts';
import { REPORT_SCHEMA, renderJson } from '../../src/reporters/json.ts';
import { renderMarkdown } from '../../src/reporters/markdown.ts';
import { reportDirFor, writeReports } from '../../src/reporters/write.ts';
import { parseTimelineJsonl } from '../../src/timeline/jsonl.ts';
import { testTmp } from '../helpers/temp.ts';
import { CDS, detectionRun, mixedRun, passingRun, suite, targetRun } from './fixtures.ts';

t.test('report.json: the model without the raw timeline, secrets redacted', (t) => {
  const doc = JSON.parse(renderJson(mixedRun()));
  t.equal(doc.schema, REPORT_SCHEMA);
  t.equal(doc.kind, 'run');
  t.notOk('timeline' in doc);
  t.equal(doc.timelineFile, 'timeline.jsonl');
  t.ok(doc.eventCount > 100);
  t.equal(doc.verdict, 'fail');
  t.same(
    doc.measurements.map((m: { name: string; value: number | null; verdict: string }) => [
      m.name,
      m.value,
      m.verdict,
    ]),
    [
      ['lb_failover_s', 4, 'pass'],
      ['api_outage_s', 4, 'pass'],
      ['endpoint_removal_s', 17.005, 'pass'],
      ['rto_s', 4.5, 'fail'],
      ['rpo_lost_writes', null, 'unknown'],
      ['rpo_window_s', null, 'unknown'],
    ],
  );
  t.match(doc.meta.config, { preset: 'fast', timings: { masterLeaseTtlS: 15 }, options: {} });
  t.match(doc.meta.config.fingerprint, /^[0-9a-f]{12}$/);
  t.match(doc.history, {
    kind: 'compared',
    previous: { startedAt: '2026-08-22T02:40:00.000Z', dir: 'reports/20260822T024000Z-apiserver-kill' },
    skipped: 1,
  });
  t.match(doc.history.entries[0], { name: 'lb_failover_s', previous: 3, current: 4, delta: 1 });
  const s = JSON.parse(renderJson(suite()));
  t.equal(s.kind, 'suite');
  t.same(
    s.runs.map((r: { meta: { scenario: string } }) => r.meta.scenario),
    ['apiserver-kill', 'leader-kill'],
  );
  t.notOk('timeline' in s.runs[0]);
  t.end();
});

t.test('report.md fits a step summary: verdict, table, fault, findings, history', (t) => {
  const md = renderMarkdown(mixedRun());
  t.match(
    md,
    /^## ❌ FAIL — apiserver-kill on lab \(fast\)\n\n> 3\/6 SLOs pass; failed: rto_s; unknown: rpo_lost_writes, rpo_window_s\n/,
  );
  t.match(
    md,
    /\| measurement \| measured \| SLO \| expected window \| verdict \|\n\|---\|---:\|---\|---\|---\|\n/,
  );
  t.match(md, /\| lb_failover_s \| 4 s \| < 30 \| \[0, 14\] \| ✅ pass \|/);
  t.match(md, /\| rto_s \| 4.5 s \| < 2 \| — \| ❌ fail \|/);
  t.match(md, /\| rpo_lost_writes \| — \| <= 0 \| \[0, 0\] \| ❔ unknown \|/);
  t.match(
    md,
    /### Fault\n\n- \*\*apiserver-kill\*\* on cp2, 198\.18\.0\.12, injected at 10\.0 s — proven\n- proof at 10\.1 s: `process-gone` on cp2 \(process=apiserver, pid=4242\)\n- healed: 40\.0 s → 41\.0 s/,
  );
  t.match(md, /### Load\n\n- builtin: 1200 requests, 40 failed, p95 18 ms/);
  t.match(
    md,
    /### Compared with 2026-08-22T02:40:00.000Z\n\nPrevious run reports\/20260822T024000Z-apiserver-kill \(started 2026-08-22T02:40:00.000Z\): same scenario \(apiserver-kill\), target \(lab\) and configuration preset fast, no options, fingerprint [0-9a-f]{12}; 1 newer run with another configuration skipped\.\n/,
  );
  t.match(md, /\| rto_s \| 4.5 \| 4.5 \| 0 \(0 %\) \| pass → fail ⚠ regressed \|/);
  t.match(md, /ℹ️ 1 error event\(s\) on the timeline/);
  t.notMatch(md, /sup3rs3cret/);
  const s = renderMarkdown(suite());
  t.match(s, /^## ✅ PASS — suite all on lab \(fast\)/);
  t.match(s, /\| apiserver-kill \| ✅ PASS \| 6\/6 SLOs pass \|/);
  t.match(s, /### ✅ PASS — leader-kill on lab/);
  t.end();
});

t.test('report.md snapshot of a passing run (stable text)', (t) => {
  const md = renderMarkdown(passingRun());
  t.equal(
    md.split('### Fault')[0],
    `## ✅ PASS — apiserver-kill on lab (fast)

> 6/6 SLOs pass

Started 2026-11-22T02:40:00.000Z · finished 2026-11-22T02:41:00.000Z · ha-drill 0.1.0

| measurement | measured | SLO | expected window | verdict |
|---|---:|---|---|---|
| lb_failover_s | 4 s | < 30 | [0, 14] | ✅ pass |
| api_outage_s | 4 s | < 30 | — | ✅ pass |
| endpoint_removal_s | 17.005 s | < 30 | [5, 30] | ✅ pass |
| rto_s | 4.5 s | < 30 | — | ✅ pass |
| rpo_lost_writes | 0 writes | <= 0 | [0, 0] | ✅ pass |
| rpo_window_s | 0 s | <= 0 | — | ✅ pass |

`,
  );
  t.end();
});

t.test('report.md Fidelity: each input, value and origin on a target; one line on the lab', (t) => {
  const md = renderMarkdown(targetRun());
  const fidelity = md.split('### Fidelity\n\n')[1]!;
  t.match(
    fidelity,
    /^Timing inputs: 3 read from the cluster, 11 upstream defaults, 1 undefined\.\n\n\| timing input \| value \| origin \|\n\|---\|---:\|---\|\n/,
  );
  t.match(
    fidelity,
    '| nodeMonitorGracePeriodS | 50 | default: default since v1.32 (PR 126287), controller-manager v1.36.1 |',
  );
  t.match(fidelity, `| checkInterMs | 2000 | configured in ${CDS} |`);
  t.match(fidelity, `| lbChecker | envoy | configured in ${CDS} |`);
  t.match(fidelity, '| fall | undefined (needed by lb_failover_s) | — |');
  t.match(
    fidelity,
    /\n- inject latency 0\.030 s \(PID 4242 gone\): measurements start when the fault took effect\n- ⚠️ lb_failover_s: no expected window: fall undefined on this target\n/,
  );
  t.equal(
    renderMarkdown(passingRun()).split('### Fidelity\n\n')[1],
    'Timings from lab preset fast.\n\n- inject latency not reported by the fault: measurements start at the invoke\n- ✅ no fidelity problem\n\n',
    'the lab: one line, no table',
  );
  t.match(
    renderMarkdown(mixedRun()),
    /### Fidelity\n\nTimings from lab preset fast\.\n\n- inject latency not reported by the fault: measurements start at the invoke\n- ⚠️ rpo_lost_writes: not observed: no read-back was recorded\n- ⚠️ rpo_window_s: not observed: no read-back was recorded\n/,
  );
  t.end();
});

t.test('report.html and report.json carry the same Fidelity section', (t) => {
  const html = renderHtml(targetRun());
  t.match(
    html,
    /<h1>Fidelity<\/h1>\n<p>Timing inputs: 3 read from the cluster, 11 upstream defaults, 1 undefined\.<\/p>/,
  );
  t.match(html, `<tr><td>checkInterMs</td><td>2000</td><td>configured in ${CDS}</td></tr>`);
  t.match(
    html,
    '<tr class="outside"><td>fall</td><td>undefined (needed by lb_failover_s)</td><td>—</td></tr>',
  );
  t.match(html, '<li class="fail">lb_failover_s: no expected window: fall undefined on this target</li>');
  const lab = renderHtml(passingRun());
  t.match(lab, '<p>Timings from lab preset fast.</p>\n<ul><li>inject latency not reported');
  t.notMatch(lab.split('Fidelity')[1], /<table>/, 'no timing table on the lab');
  const doc = JSON.parse(renderJson(targetRun()));
  t.same(doc.fidelity.source, { kind: 'target' });
  t.same(doc.fidelity.injectLatency, { ms: 30, how: 'PID 4242 gone' });
  t.same(doc.fidelity.timings.at(-1), {
    input: 'fall',
    value: null,
    origin: null,
    neededBy: ['lb_failover_s'],
  });
  t.same(
    doc.fidelity.timings.find((r: { input: string }) => r.input === 'checkTimeoutMs'),
    { input: 'checkTimeoutMs', value: 3000, origin: { kind: 'configured', where: CDS } },
  );
  t.same(doc.fidelity.problems, [
    {
      kind: 'timing-undefined',
      measurement: 'lb_failover_s',
      message: 'lb_failover_s: no expected window: fall undefined on this target',
    },
  ]);
  t.end();
});

t.test('report.html: self-contained, chart lanes and markers, table', (t) => {
  const html = renderHtml(mixedRun());
  t.match(html, /^<!doctype html>/);
  t.notMatch(html, /<script|<link|src="http|href="http|url\(/, 'no external assets or scripts');
  t.match(html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="timeline"/);
  for (const lane of ['phases', 'API via LB (new)', 'readyz 198.18.0.12', 'endpoints', 'leases'])
    t.match(html, `>${lane}</text>`);
  t.match(html, /<line [^>]*class="inject"\/>/);
  t.match(html, /<line [^>]*class="heal"\/>/);
  t.match(html, /<line [^>]*class="recovery"\/>/);
  t.match(html, /<rect [^>]*class="bad"><title>failing 10.5–14.5 s<\/title>/);
  t.match(html, /<td>rto_s<\/td><td>4.5 s<\/td><td>&lt; 2<\/td>/);
  t.match(
    html,
    /<h1>Compared with 2026-08-22T02:40:00.000Z<\/h1>\n<p>Previous run reports\/20260822T024000Z-apiserver-kill /,
  );
  t.match(
    html,
    /<td>\[0, 14\]<\/td><td>haproxy: ≤ inter 2000 \+ \(fall 2 − 1\) × fastinter 2000 \+ fall 2 × \(inter 2000 \+ timeout check 3000\) ms<\/td>/,
  );
  t.notMatch(html, /sup3rs3cret/);
  const s = renderHtml(suite());
  t.equal(s.match(/<svg /g)?.length, 2, 'one chart per scenario');
  t.end();
});

t.test('writeReports writes the five files; timeline round-trips', async (t) => {
  const root = testTmp('reports-');
  const run = mixedRun();
  const dir = reportDirFor(root, run);
  t.equal(path.basename(dir), '20261122T024000Z-apiserver-kill');
  t.equal(reportDirName(new Date('2026-01-02T03:04:05.678Z'), 'all'), '20260102T030405Z-all');
  const files = await writeReports(dir, run);
  t.same((await readdir(dir)).sort(), [
    'junit.xml',
    'report.html',
    'report.json',
    'report.md',
    'timeline.jsonl',
  ]);
  t.same(parseTimelineJsonl(await readFile(files.timeline, 'utf8')), run.timeline);
  for (const f of [files.junit, files.json, files.markdown, files.html, files.timeline]) {
    t.notMatch(await readFile(f, 'utf8'), /sup3rs3cret/, `no secret in ${path.basename(f)}`);
  }
  const s = suite();
  const sf = await writeReports(reportDirFor(root, s), s);
  const events = parseTimelineJsonl(await readFile(sf.timeline, 'utf8'));
  t.same([...new Set(events.map((e) => e.run))], ['apiserver-kill', 'leader-kill']);
});

t.test('detection in report.json: the alert outcomes and the detect/notify/resolve measurements', (t) => {
  const doc = JSON.parse(renderJson(detectionRun()));
  t.equal(doc.verdict, 'fail');
  t.same(
    doc.alerts.map((a: Record<string, unknown>) => [
      a.alert,
      a.role,
      a.severity,
      a.verdict,
      a.firingMs ?? null,
    ]),
    [
      ['APIServerDown', 'expected', 'critical', 'pass', 25_000],
      ['EtcdHighFsyncDurations', 'expected', 'warning', 'fail', null],
      ['EtcdNoLeader', 'unexpected', 'critical', 'fail', 20_000],
    ],
  );
  t.match(doc.alerts[0], {
    pendingMs: 13_000,
    notifiedMs: 37_000,
    resolvedMs: 44_000,
    labels: { instance: 'cp2' },
  });
  t.same(
    doc.measurements
      .filter((m: { name: string }) => /^(detect|notify|resolve)_/.test(m.name))
      .map((m: { name: string; value: number | null; verdict: string }) => [m.name, m.value, m.verdict]),
    [
      ['detect_APIServerDown_s', 15, 'pass'],
      ['notify_APIServerDown_s', 27, 'pass'],
      ['resolve_APIServerDown_s', 4, 'pass'],
      ['detect_EtcdHighFsyncDurations_s', null, 'fail'],
      ['notify_EtcdHighFsyncDurations_s', null, 'unknown'],
      ['resolve_EtcdHighFsyncDurations_s', null, 'unknown'],
    ],
  );
  t.end();
});

t.test('detection in report.md: measurement rows and the Alerts section', (t) => {
  const md = renderMarkdown(detectionRun());
  t.match(
    md,
    /^## ❌ FAIL — apiserver-kill on lab \(fast\)\n\n> 6\/6 SLOs pass; 1\/2 expected alerts pass; alerts failed: EtcdHighFsyncDurations, unexpected EtcdNoLeader\{member="cp1"\}\n/,
  );
  t.match(md, '| detect_APIServerDown_s | 15 s | == expected | [10, 23.5] | ✅ pass |');
  t.match(md, '| notify_APIServerDown_s | 27 s | == expected | [20, 32.5] | ✅ pass |');
  t.match(md, '| resolve_APIServerDown_s | 4 s | == expected | [0, 13.5] | ✅ pass |');
  t.match(md, '| detect_EtcdHighFsyncDurations_s | — | == expected | [10, 23.5] | ❌ fail |');
  t.match(
    md,
    `### Alerts

| alert | role | severity | pending | firing | notified | resolved | verdict |
|---|---|---|---:|---:|---:|---:|---|
| APIServerDown{instance="cp2"} | expected | critical | 13.0 s | 25.0 s | 37.0 s | 44.0 s | ✅ pass |
| EtcdHighFsyncDurations | expected | warning | — | — | — | — | ❌ fail |
| EtcdNoLeader{member="cp1"} | unexpected | critical | — | 20.0 s | — | 30.0 s | ❌ fail |

- **APIServerDown{instance="cp2"}**: APIServerDown{instance="cp2"} fired 15 s after the fault, inside its window [10, 23.5]; `,
  );
  t.match(
    md,
    '- **EtcdHighFsyncDurations**: EtcdHighFsyncDurations never fired within its window [10, 23.5] s ([for 10, scrape interval 5 + scrape timeout 2 + evaluation 5 + for 10 + poll 1 + slack 0.5]) although the fault lasted 30 s: it never even went pending — check the expression of rule EtcdHighFsyncDurations (group etcd, for: 10s, evaluated every 5 s) against this fault\n',
  );
  t.match(
    md,
    /- \*\*EtcdNoLeader\{member="cp1"\}\*\*: unexpected critical alert EtcdNoLeader\{member="cp1"\} fired at 20\.00 s/,
  );
  t.notMatch(renderMarkdown(passingRun()), /### Alerts/, 'no Alerts section for a drill without Prometheus');
  t.end();
});

t.test('detection in report.html: alert lanes on the timeline, rows in the tables', (t) => {
  const html = renderHtml(detectionRun());
  t.match(
    html,
    '<text x="4" y="162" class="lane"><title>alert APIServerDown{instance=&quot;cp2&quot;}</title>alert APIServerDown{instance=…</text>',
  );
  t.match(html, /<rect [^>]*class="pending"><title>pending 13\.0–25\.0 s<\/title><\/rect>/);
  t.match(html, /<rect [^>]*class="firing"><title>firing 25\.0–44\.0 s<\/title><\/rect>/);
  t.match(
    html,
    /<circle [^>]*class="notify-firing"><title>37\.00 s notified firing \(receiver ha-drill\)<\/title>/,
  );
  t.match(
    html,
    /<rect [^>]*class="firing"><title>firing 20\.0–30\.0 s<\/title><\/rect>/,
    'the unexpected alert too',
  );
  t.match(html, '<tr><td>detect_APIServerDown_s</td><td>15 s</td><td>== expected</td><td>[10, 23.5]</td>');
  t.match(
    html,
    '<h1>Alerts</h1>\n<table><thead><tr><th>alert</th><th>role</th><th>severity</th><th>pending</th><th>firing</th><th>notified</th><th>resolved</th><th>verdict</th><th>why</th></tr></thead>',
  );
  t.match(
    html,
    '<tr><td>APIServerDown{instance=&quot;cp2&quot;}</td><td>expected</td><td>critical</td><td>13.0 s</td><td>25.0 s</td><td>37.0 s</td><td>44.0 s</td><td><span class="pass">pass</span></td>',
  );
  t.match(
    html,
    /<tr><td>EtcdNoLeader\{member=&quot;cp1&quot;\}<\/td><td>unexpected<\/td><td>critical<\/td>.*<span class="fail">fail<\/span><\/td><td>unexpected critical alert/,
  );
  t.end();
});
