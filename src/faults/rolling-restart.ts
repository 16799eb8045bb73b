/**
 * Restart every control-plane component of every host, one at a time, the way maintenance and
 * upgrades do (rolling-restart): on each host in turn, each component is restarted by the host
 * profile's `restart` (kubeadm: the static-pod manifest cycle, src/targets/kubeadm-static-pod.ts)
 * and must answer ready on its own health endpoint (`wait-ready`) before the next one starts, as
 * `kubeadm upgrade` waits for each static pod (cmd/kubeadm/app/phases/upgrade/staticpods.go
 * `upgradeComponent` → `WaitForStaticPodHash`, then the component's health).
 *
 * Proof: every component runs under a new pid and answered ready. Heal: every component runs
 * (a manifest a cycle left parked goes back: `start`, idempotent).
 */
import type { Component, Target } from '../targets/types.ts';
import type { RestartStep } from '../timeline/events.ts';
import { sleep } from '../util/time.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface RestartTarget {
  readonly host: string;
  readonly component: Component;
}

export interface RollingRestartOptions {
  /** What restarts, in order (a host's components together). */
  readonly steps: readonly RestartTarget[];
  /** How long each component may take to answer ready after its restart, s. */
  readonly readyWaitS: number;
}

/** `<old pid> <new pid>` as the restart prints it (undefined when it printed something else). */
export function parsePids(stdout: string): { oldPid: number; newPid: number } | undefined {
  const m = /^(\d+) (\d+)$/m.exec(stdout.trim());
  return m ? { oldPid: Number(m[1]), newPid: Number(m[2]) } : undefined;
}

export function rollingRestartFault(o: RollingRestartOptions): Fault {
  const pairs = o.steps;
  const hosts = [...new Set(pairs.map((p) => p.host))];
  const onHost = (h: string) => pairs.filter((p) => p.host === h).map((p) => p.component);
  return {
    name: 'rolling-restart',
    // One component down at a time, each back before the next: the interlocks count one at most.
    impact: hosts.map((host) => ({ kind: 'other', host }) as const),
    aim: { host: hosts.join(',') },
    summary: `restart, one at a time, each ready before the next: ${hosts.map((h) => `${onHost(h).join(', ')} on ${h}`).join('; ')}`,
    plan: (target) => [
      ...pairs.flatMap(({ host, component }) => [
        step(
          target,
          'inject',
          { kind: 'restart', host, component },
          `${component} stops gracefully and runs again under a new pid`,
        ),
        step(
          target,
          'prove',
          { kind: 'wait-ready', host, component, waitS: o.readyWaitS },
          `${component} answers ready within ${o.readyWaitS} s, then the next one`,
        ),
      ]),
      ...pairs.map(({ host, component }) =>
        step(
          target,
          'heal',
          { kind: 'start', host, component },
          `${component} runs (its manifest back if a cycle left it parked)`,
        ),
      ),
      ...pairs.map(({ host, component }) =>
        step(target, 'verify-heal', { kind: 'running', host, component }, 'exits 0 with the pid'),
      ),
    ],
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const clock = nowMs ?? (() => performance.now());
      for (const { host, component } of pairs) {
        const r = await runAction(target, { kind: 'running', host, component });
        if (r.code !== 0)
          return { effect: false, reason: `${component} on ${host} was not running before the restart` };
      }
      const steps: RestartStep[] = [];
      for (const { host, component } of pairs)
        steps.push(await restartOne(target, host, component, o.readyWaitS, clock));
      return {
        effect: true,
        proof: { kind: 'restarted', host: hosts.join(','), steps },
        effectAt: { atMs: steps[0]!.fromMs, how: 'the first restart began' },
      };
    },
    async heal({ target }) {
      const started: string[] = [];
      for (const { host, component } of pairs) {
        if ((await runAction(target, { kind: 'running', host, component })).code === 0) continue;
        const r = await runAction(target, { kind: 'start', host, component }, 120_000);
        if (r.code !== 0) throw failed(r, `starting ${component}`);
        started.push(`${component} on ${host}`);
      }
      return started.length === 0 ? 'every component runs' : `started again: ${started.join(', ')}`;
    },
  };
}

async function restartOne(
  target: Target,
  host: string,
  component: Component,
  readyWaitS: number,
  clock: () => number,
): Promise<RestartStep> {
  let fromMs = clock();
  let r = await runAction(target, { kind: 'restart', host, component }, 180_000);
  // Exit 3: not running at its turn. A leader-elected component whose renewals reach only its
  // local apiserver exits on its own when a restart before it kept that apiserver away longer than
  // its renew deadline (client-go leaderelection.go `renew`, then the component's
  // OnStoppedLeading): seen on the lab's seeds, kube-scheduler on cp1 after cp1's apiserver. The
  // kubelet starts it again; its restart waits for that (up to readyWaitS), and the step says so.
  let foundExitedMs: number | undefined;
  if (r.code === 3) {
    foundExitedMs = fromMs;
    if (!(await waitRunning(target, host, component, readyWaitS)))
      throw failed(r, `restarting ${component} (not running, and not started again within ${readyWaitS} s)`);
    fromMs = clock();
    r = await runAction(target, { kind: 'restart', host, component }, 180_000);
  }
  if (r.code !== 0) throw failed(r, `restarting ${component}`);
  const pids = parsePids(r.stdout);
  if (!pids)
    throw new Error(
      `restarting ${component} on ${host}: expected '<old pid> <new pid>', got '${r.stdout.trim().slice(0, 120)}'`,
    );
  const ready = await runAction(
    target,
    { kind: 'wait-ready', host, component, waitS: readyWaitS },
    (readyWaitS + 10) * 1000,
  );
  if (ready.code !== 0) throw failed(ready, `waiting for ${component} to be ready`);
  return {
    host,
    component,
    ...pids,
    fromMs,
    readyMs: clock(),
    ...(foundExitedMs !== undefined ? { foundExitedMs } : {}),
  };
}

/**
 * Polls `running` every 0.5 s until it succeeds or `withinS` passes. Not util/time.ts `waitFor`:
 * that retries a probe that throws, and an executor error here must stop the drill with its message.
 */
async function waitRunning(
  target: Target,
  host: string,
  component: Component,
  withinS: number,
): Promise<boolean> {
  const until = performance.now() + withinS * 1000;
  for (;;) {
    if ((await runAction(target, { kind: 'running', host, component })).code === 0) return true;
    if (performance.now() >= until) return false;
    await sleep(500);
  }
}
