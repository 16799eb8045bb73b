/**
 * Test helpers: spawn a lab component (from an esbuild bundle, as the lab runs them: a fraction of
 * tsx's start-up CPU) that is SIGKILLed at teardown, and poll until a condition holds. A kubelet
 * not told otherwise serves on 127.0.0.1 (not the machine's every address) and keeps its
 * self-signed certificate in a temp --cert-dir (not the machine's /var/lib/kubelet/pki).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundleName, bundleFile, ensureBundles } from '../../../src/util/bundle.mjs';
import { untracked, withoutTapHooks } from '../../helpers/env.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Teardownable {
  teardown(fn: () => unknown): void;
  passing?(): boolean;
}

export interface Component {
  readonly child: ChildProcess;
  readonly out: string[];
  readonly exited: Promise<number | null>;
  text(): string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const MAINS: Readonly<Record<string, BundleName>> = {
  'kubelet/main.ts': 'kubelet',
  'controller-manager/main.ts': 'kube-controller-manager',
  'scheduler/main.ts': 'kube-scheduler',
};
/** The project's bundles (src/util/bundle.mjs), made fresh once per test process. */
let bundled: Promise<unknown> | undefined;

/** Spawns `src/kube/<main>` (bundled) with args; killed (SIGCONT + SIGKILL) at teardown. */
export async function spawnComponent(
  t: Teardownable,
  main: string,
  args: readonly string[],
): Promise<Component> {
  const name = MAINS[main];
  if (!name)
    throw new Error(`spawnComponent: unknown entry ${main}; use one of ${Object.keys(MAINS).join(', ')}`);
  bundled ??= ensureBundles(ROOT);
  await bundled;
  const bundle = bundleFile(ROOT, name);
  const out: string[] = [];
  const given = (flag: string) => args.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  const own: string[] = [];
  if (name === 'kubelet' && !given('cert-dir')) {
    const certDir = mkdtempSync(path.join(os.tmpdir(), 'hadrill-kubelet-pki-'));
    t.teardown(() => rmSync(certDir, { recursive: true, force: true }));
    own.push(`--cert-dir=${certDir}`);
  }
  if (name === 'kubelet' && !given('address')) own.push('--address=127.0.0.1');
  const [cmd, ...argv] = untracked([process.execPath, '--max-semi-space-size=1', bundle, ...args, ...own]);
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    env: withoutTapHooks(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      live.delete(child);
      r(code);
    }),
  );
  child.stdout?.on('data', (d: Buffer) => out.push(String(d)));
  child.stderr?.on('data', (d: Buffer) => out.push(String(d)));
  if (process.env.HADRILL_TEST_LOG === '1') child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
  t.teardown(async () => {
    // a failed test shows what the component said
    if (t.passing && !t.passing())
      process.stderr.write(`--- ${main} ${args.join(' ')}\n${out.join('').slice(-4000)}\n`);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, out, exited, text: () => out.join('') };
}

export async function until(what: string, ms: number, f: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await f()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/** Asserts that a component logs a line matching `re` (waiting a little: logs trail API effects). */
export async function expectLog(
  t: { ok(v: unknown, msg: string): unknown },
  c: Component,
  re: RegExp,
  ms = 5000,
): Promise<void> {
  const ok = await until(`log ${re}`, ms, () => re.test(c.text())).then(
    () => true,
    () => false,
  );
  t.ok(ok, `logs ${re}`);
}

/** Short leader-election timings shared by the leader-election tests (ms; client-go's jitter factor). */
export const LE_TIMINGS = { LEASE_MS: 2000, RENEW_MS: 1500, RETRY_MS: 500, JITTER: 1.2 } as const;

/** The flags of a leader-elected component process with LE_TIMINGS. */
export const leaderElectArgs = (kubeconfig: string, host: string): string[] => [
  '--kubeconfig',
  kubeconfig,
  `--lab-hostname=${host}`,
  `--leader-elect-lease-duration=${LE_TIMINGS.LEASE_MS}ms`,
  `--leader-elect-renew-deadline=${LE_TIMINGS.RENEW_MS}ms`,
  `--leader-elect-retry-period=${LE_TIMINGS.RETRY_MS}ms`,
];
