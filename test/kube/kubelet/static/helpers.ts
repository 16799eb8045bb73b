/**
 * Test helpers for static pods: manifests as kubeadm writes them (YAML), a temp layout (manifests,
 * root dir, logs), a recording logger, and process checks through /proc.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export interface Layout {
  readonly base: string;
  readonly manifests: string;
  readonly rootDir: string;
  readonly logs: string;
}

export async function layout(t: { teardown(fn: () => unknown): void }): Promise<Layout> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'static-pods-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  return {
    base,
    manifests: path.join(base, 'manifests'),
    rootDir: path.join(base, 'kubelet'),
    logs: path.join(base, 'pods-logs'),
  };
}

export interface ManifestSpec {
  readonly name: string;
  readonly command: readonly string[];
  readonly grace?: number;
  readonly restartPolicy?: string;
  readonly container?: Record<string, unknown>;
}

export function manifest(s: ManifestSpec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      namespace: 'kube-system',
      labels: { component: s.name, tier: 'control-plane' },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      ...(s.grace === undefined ? {} : { terminationGracePeriodSeconds: s.grace }),
      ...(s.restartPolicy ? { restartPolicy: s.restartPolicy } : {}),
      containers: [
        { name: s.name, image: `registry.k8s.io/${s.name}:v1.32.0`, command: s.command, ...s.container },
      ],
    },
  });
}

export interface LogLine {
  readonly at: number;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export function recorder() {
  const lines: LogLine[] = [];
  const log = (msg: string, fields: Record<string, unknown> = {}) => {
    lines.push({ at: Date.now(), msg, fields });
    if (process.env.HADRILL_TEST_LOG === '1') process.stderr.write(`${msg} ${JSON.stringify(fields)}\n`);
  };
  return { lines, log, find: (msg: string) => lines.filter((l) => l.msg === msg) };
}

/** Live, non-zombie process. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function waitFor(
  what: string,
  ms: number,
  f: () => boolean | Promise<boolean>,
): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await f()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How late this process's own timers ran, sampled every `everyMs`: a timer of the code under test
 * that fires late on a starved machine (the unit lane runs at nice 19 beside the lab drills) fires
 * about as late as these, so a test can allow what the machine took and still catch what the code
 * adds. `maxBetween(a, b)`: the latest a sample that fired in [a, b] (Date.now() ms) ran.
 */
export function timerLateness(everyMs = 10): { stop(): void; maxBetween(a: number, b: number): number } {
  const samples: { at: number; lateMs: number }[] = [];
  let due = Date.now() + everyMs;
  const timer = setInterval(() => {
    const now = Date.now();
    samples.push({ at: now, lateMs: Math.max(0, now - due) });
    due = now + everyMs;
  }, everyMs);
  return {
    stop: () => clearInterval(timer),
    maxBetween: (a, b) =>
      samples.filter((x) => x.at >= a && x.at <= b + everyMs).reduce((m, x) => Math.max(m, x.lateMs), 0),
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
