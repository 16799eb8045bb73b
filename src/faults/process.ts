/**
 * Stop a control-plane process (kube-apiserver, etcd, controller-manager, scheduler, kubelet,
 * haproxy) on one host with SIGKILL or SIGTERM. Proof: the process is gone. Heal: start it
 * again (if it is not already running). Used by apiserver-kill, leader-kill and kubelet-stop.
 */

import { withoutHostTiming } from '../targets/host-timing.ts';
import { type Component, STATIC_POD_COMPONENTS } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { effectWithin, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface ProcessFaultOptions {
  readonly host: string;
  readonly component: Component;
  readonly signal: 'KILL' | 'TERM';
  /** Address of the affected apiserver / node, for the analysis. */
  readonly ip?: string;
  readonly node?: string;
  readonly lease?: string;
}

export function processFault(o: ProcessFaultOptions): Fault {
  const running = { kind: 'running', host: o.host, component: o.component } as const;
  return {
    name: 'process-stop',
    impact: [
      {
        kind:
          o.component === 'kube-apiserver'
            ? 'apiserver'
            : o.component === 'etcd'
              ? 'etcd-member'
              : o.component === 'haproxy' || o.component === 'keepalived'
                ? 'lb'
                : 'other',
        host: o.host,
      },
    ],
    aim: {
      host: o.host,
      ip: o.ip,
      node: o.node,
      lease: o.lease,
      signal: o.signal === 'KILL' ? 'SIGKILL' : 'SIGTERM',
    },
    summary: `SIG${o.signal} ${o.component} on ${o.host}`,
    plan: (target) => [
      step(
        target,
        'inject',
        { kind: 'stop', host: o.host, component: o.component, signal: o.signal },
        `${o.component} receives SIG${o.signal}`,
      ),
      step(target, 'prove', running, `exits non-zero: ${o.component} is gone`),
      step(
        target,
        'heal',
        { kind: 'start', host: o.host, component: o.component },
        `${o.component} runs again`,
      ),
      step(target, 'verify-heal', running, 'exits 0 with the new pid'),
    ],
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const before = await runAction(target, running);
      if (before.code !== 0)
        return { effect: false, reason: `${o.component} on ${o.host} was not running before the fault` };
      const pid = Number(before.stdout.trim()) || undefined;
      const { result: res, trip } = await timed(nowMs, () =>
        // A graceful stop waits on its host until the process is gone (its grace period at most).
        runAction(
          target,
          { kind: 'stop', host: o.host, component: o.component, signal: o.signal },
          o.signal === 'TERM' ? 120_000 : 30_000,
        ),
      );
      if (res.code !== 0) throw failed(res, `stopping ${o.component}`);
      // The proof's PID is the one the stop signalled, when the profile prints it (kubeadm does).
      const signalled = Number(withoutHostTiming(res.stdout).trim().split(/\s+/)[0]) || undefined;
      // SIGTERM lets the process shut down cleanly; give it up to 30 s to be gone.
      const gone = await waitFor(
        async () => ((await runAction(target, running)).code !== 0 ? true : undefined),
        { timeoutMs: o.signal === 'KILL' ? 5000 : 30_000, intervalMs: 50, what: `${o.component} to exit` },
      ).catch(() => false);
      if (!gone)
        return { effect: false, reason: `${o.component} on ${o.host} still runs after SIG${o.signal}` };
      // The signal went out while the stop command ran on the host (src/faults/effect.ts), after
      // the running check (which the invoke time includes).
      return {
        effect: true,
        proof: { kind: 'process-gone', host: o.host, process: o.component, pid: signalled ?? pid },
        ...effectWithin(
          trip,
          // A static pod's graceful stop parks its manifest and the kubelet sends the SIGTERM
          // (src/targets/kubeadm-static-pod.ts `stopStaticPod`).
          o.signal === 'TERM' && STATIC_POD_COMPONENTS.has(o.component)
            ? 'SIGTERM from the kubelet once the stop command parked the manifest'
            : `SIG${o.signal} sent by the stop command`,
          res.stdout,
        ),
      };
    },
    async heal({ target }) {
      // A static pod's stop parked its manifest: put it back even when a process of that name runs
      // (the start is idempotent); a running service is left alone (its start would restart it).
      if (!STATIC_POD_COMPONENTS.has(o.component) && (await runAction(target, running)).code === 0)
        return `${o.component} on ${o.host} already running`;
      const res = await runAction(target, { kind: 'start', host: o.host, component: o.component }, 60_000);
      if (res.code !== 0) throw failed(res, `starting ${o.component}`);
      const check = await runAction(target, running);
      if (check.code !== 0) throw failed(check, `${o.component} did not stay up after start`);
      return `${o.component} on ${o.host} running again (pid ${check.stdout.trim()})`;
    },
  };
}
