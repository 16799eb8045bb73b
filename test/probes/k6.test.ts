/**
 * k6 beside a fault, with a stand-in `k6` program (no k6 binary here): the drill passes the API,
 * namespace, duration and client certificate files, stops k6 when observation ends, and turns
 * the summary export into the report's load summary; credentials never outlive the run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { k6ScriptPath, startK6, summarizeK6 } from '../../src/probes/k6.ts';
import type { KubeAccess } from '../../src/probes/kube.ts';

const SUMMARY = {
  metrics: {
    http_reqs: { count: 200, rate: 20.5 },
    http_req_failed: { value: 0.05, passes: 10, fails: 190 },
    http_req_duration: { 'p(95)': 41.5, thresholds: { 'p(95)<2000': false } },
    checks: { passes: 190, fails: 10, thresholds: { 'rate>0.9': true } },
  },
};

t.test('summary export → load summary', async (t) => {
  const s = summarizeK6(SUMMARY, 'read');
  t.match(s, { kind: 'k6', requests: 200, failures: 10, ratePerS: 20.5, p95LatencyMs: 41.5 });
  t.same(s.details?.thresholds, { 'http_req_duration: p(95)<2000': true, 'checks: rate>0.9': false });
  t.ok(
    fs.existsSync(k6ScriptPath('read')) && fs.existsSync(k6ScriptPath('write')),
    'the typed scripts exist',
  );
});

t.test('runs k6 with the environment, stops it, cleans up', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-k6-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = path.join(dir, 'k6');
  // Records its arguments and environment, waits for SIGINT (as k6 does when stopped), then
  // writes the summary export where it was asked to.
  fs.writeFileSync(
    fake,
    `#!/bin/sh
printf '%s\\n' "$@" > ${dir}/args
env | grep '^HADRILL_' | sort > ${dir}/env
cat "$HADRILL_CERT" > ${dir}/cert-seen
out=""; prev=""
for a in "$@"; do [ "$prev" = "--summary-export" ] && out="$a"; prev="$a"; done
trap 'printf %s '"'"'${JSON.stringify(SUMMARY)}'"'"' > "$out"; exit 0' INT
while :; do sleep 0.1; done
`,
    { mode: 0o755 },
  );
  const kube = {
    tlsOptions: async () => ({ cert: 'CERT-PEM', key: 'KEY-PEM' }),
  } as unknown as KubeAccess;
  const run = await startK6(kube, 'https://198.18.0.10:6443', 'write', 42, {
    bin: fake,
    spawner: (cmd, args, env) => spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] }),
  });
  await new Promise((r) => setTimeout(r, 500));
  run.stop();
  const summary = await run.done;
  t.match(summary, { kind: 'k6', requests: 200, details: { script: 'write', exitCode: 0 } });
  const args = fs.readFileSync(path.join(dir, 'args'), 'utf8').split('\n');
  t.equal(args[0], 'run');
  t.ok(args.includes('--summary-export'));
  t.equal(args.at(-2), k6ScriptPath('write'));
  const env = fs.readFileSync(path.join(dir, 'env'), 'utf8');
  t.match(env, /HADRILL_API=https:\/\/198\.18\.0\.10:6443/);
  t.match(env, /HADRILL_DURATION=42s/);
  t.match(env, /HADRILL_NAMESPACE=ha-drill/);
  t.equal(
    fs.readFileSync(path.join(dir, 'cert-seen'), 'utf8'),
    'CERT-PEM',
    'k6 got the client certificate file',
  );
  const certFile = /HADRILL_CERT=(.*)/.exec(env)?.[1];
  t.ok(certFile && !fs.existsSync(certFile), 'credentials removed after the run');
});
