/**
 * k6 beside the fault: when a `k6` binary is on PATH and `--load k6[:read|write]` asks for it, the
 * typed script from scenarios/load/ runs for the drill's duration against the API through the LB,
 * and its end-of-test summary (requests, failure rate, p95 latency, thresholds) goes into the
 * report. Credentials are written to private temporary files for k6 and removed after.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadSummary } from '../model/result.ts';
import { UserError } from '../util/errors.ts';
import { findBinary, PROJECT_ROOT } from '../util/paths.ts';
import type { KubeAccess } from './kube.ts';
import { DRILL_NAMESPACE } from './writes.ts';

export type K6Script = 'read' | 'write';

export const k6ScriptPath = (s: K6Script): string =>
  path.join(PROJECT_ROOT, 'scenarios', 'load', `api-${s}.ts`);

interface K6Metric {
  readonly count?: number;
  readonly rate?: number;
  readonly value?: number;
  readonly passes?: number;
  readonly fails?: number;
  readonly 'p(95)'?: number;
  readonly thresholds?: Readonly<Record<string, boolean | { ok: boolean }>>;
}

/** Pure: a k6 `--summary-export` document → the report's load summary. */
export function summarizeK6(doc: { metrics?: Record<string, K6Metric> }, script: K6Script): LoadSummary {
  const m = doc.metrics ?? {};
  const requests = m.http_reqs?.count ?? 0;
  const failedRate = m.http_req_failed?.value ?? m.http_req_failed?.rate ?? 0;
  const thresholds: Record<string, boolean> = {};
  for (const [name, metric] of Object.entries(m)) {
    for (const [expr, v] of Object.entries(metric.thresholds ?? {})) {
      // In k6's summary export `true` means the threshold was crossed (failed).
      thresholds[`${name}: ${expr}`] = typeof v === 'boolean' ? !v : v.ok;
    }
  }
  return {
    kind: 'k6',
    requests,
    failures: Math.round(requests * failedRate),
    ratePerS: m.http_reqs?.rate,
    p95LatencyMs: m.http_req_duration?.['p(95)'],
    details: { script, thresholds },
  };
}

export interface K6Run {
  /** Resolves with the summary once k6 has ended (stopped early with `stop()`). */
  readonly done: Promise<LoadSummary>;
  stop(): void;
}

export type Spawner = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => ChildProcess;

const realSpawn: Spawner = (cmd, args, env) => spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });

export function requireK6(): string {
  const bin = findBinary('k6');
  if (!bin) {
    throw new UserError(
      "--load k6: no 'k6' binary on PATH. Install k6 (https://k6.io) or use the built-in generator: --load RATE",
    );
  }
  return bin;
}

/** Starts k6 with the script for at most `durationS`; credentials from the kubeconfig. */
export async function startK6(
  kube: KubeAccess,
  apiUrl: string,
  script: K6Script,
  durationS: number,
  o: { bin?: string; spawner?: Spawner } = {},
): Promise<K6Run> {
  const bin = o.bin ?? requireK6();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-k6-'));
  fs.chmodSync(dir, 0o700);
  const tls = await kube.tlsOptions();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HADRILL_API: apiUrl,
    HADRILL_NAMESPACE: DRILL_NAMESPACE,
    HADRILL_DURATION: `${Math.ceil(durationS)}s`,
  };
  if (tls.cert && tls.key) {
    fs.writeFileSync(path.join(dir, 'client.crt'), String(tls.cert), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'client.key'), String(tls.key), { mode: 0o600 });
    env.HADRILL_CERT = path.join(dir, 'client.crt');
    env.HADRILL_KEY = path.join(dir, 'client.key');
  }
  const auth = (tls.headers as Record<string, string> | undefined)?.Authorization;
  if (auth?.startsWith('Bearer ')) env.HADRILL_TOKEN = auth.slice('Bearer '.length);
  const summaryFile = path.join(dir, 'summary.json');
  const child = (o.spawner ?? realSpawn)(
    bin,
    ['run', '--quiet', '--summary-export', summaryFile, k6ScriptPath(script)],
    env,
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const done = new Promise<LoadSummary>((resolve, reject) => {
    child.once('error', (e) => reject(e));
    child.once('exit', (code) => {
      try {
        if (!fs.existsSync(summaryFile))
          throw new Error(`k6 exited ${code} without a summary: ${stderr.trim()}`);
        const summary = summarizeK6(JSON.parse(fs.readFileSync(summaryFile, 'utf8')), script);
        resolve({ ...summary, details: { ...summary.details, exitCode: code } });
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  return { done, stop: () => child.kill('SIGINT') };
}
