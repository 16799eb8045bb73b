/**
 * One container of a static pod: start (or adopt), restart under the crash back-off, probe, stop.
 *
 * Restart: kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go
 * (computePodActions: restartPolicy Always restarts any exited container, OnFailure a non-zero
 * exit, Never none; doBackOff, see backoff.ts). Upstream notices the exit at the next PLEG relist
 * (≤ 1 s) and, since the back-off delay is handed to the pod worker's requeue, restarts when the
 * back-off ends; we restart at that moment (own children: at the exit event; adopted: ≤ 1 s poll).
 * The restart count continues across kubelet restarts (state record, upstream a container label).
 * Logs: <podLogsDir>/<ns>_<pod>_<uid>/<container>/<restartCount>.log (pkg/kubelet/kuberuntime
 * BuildContainerLogsPath / BuildPodLogsDirectory).
 * Probes: probe.ts. A liveness (or startup) failure kills the container with the pod's grace period
 * (probe.terminationGracePeriodSeconds if set), then the normal restart path applies
 * (pkg/kubelet/kuberuntime computePodActions: "Container failed liveness probe, will be restarted").
 */
import path from 'node:path';
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../runtime/log.ts';
import { type BackoffParams, CrashBackoff } from './backoff.ts';
import { type ContainerState, containerStatus, signalNumber, type Termination } from './container-status.ts';
import { httpGetProbe, type ProbeKind, ProbeState } from './probe.ts';
import { type ContainerRecord, isAlive, spawnContainer, stopProcess, writeRecord } from './process.ts';

export interface ContainerContext {
  readonly pod: V1Pod;
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly nodeIp: string;
  readonly backoff: BackoffParams;
  /** The PLEG relist period, ms (default upstream's 1 s): when an exit is noticed. */
  readonly relistMs?: number;
  readonly log: Logger;
  /** Called whenever the status changed (for the mirror pod). */
  readonly changed: () => void;
}

const POLL_MS = 1000;

/** The generic PLEG's relist period (pkg/kubelet/kubelet.go genericPlegRelistPeriod). */
export const PLEG_RELIST_MS = 1000;

/** How long until the next relist tick (ticks at multiples of the period): in (0, periodMs]. */
export const untilRelist = (nowMs: number, periodMs = PLEG_RELIST_MS): number =>
  periodMs - (nowMs % periodMs);

export class ContainerWorker {
  private state: ContainerState = { kind: 'waiting', reason: 'ContainerCreating' };
  private restartCount = 0;
  private last: Termination | undefined;
  private readonly backoff: CrashBackoff;
  private probes: ProbeState[] = [];
  private timers: NodeJS.Timeout[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly c: V1Container,
    private readonly ctx: ContainerContext,
  ) {
    this.backoff = new CrashBackoff(ctx.backoff);
  }

  get name(): string {
    return this.c.name;
  }

  private get uid(): string {
    return this.ctx.pod.metadata?.uid ?? '';
  }

  private get graceSeconds(): number {
    return this.ctx.pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  /** The running process, if any (tests and the lab read the pid). */
  get pid(): number | undefined {
    return this.state.kind === 'running' ? this.state.pid : undefined;
  }

  /** Starts the container, or adopts the live process `rec` names. */
  async start(rec?: ContainerRecord): Promise<void> {
    if (rec) this.restartCount = rec.restartCount;
    if (rec && isAlive(rec.pid, rec.startTicks)) {
      this.running(rec.pid, rec.startTicks, new Date(rec.startedAt));
      this.ctx.log('container adopted', {
        pod: this.ctx.pod.metadata?.name,
        container: this.name,
        pid: rec.pid,
      });
      this.pollExit(rec.pid, rec.startTicks);
      return;
    }
    if (rec) this.restartCount++;
    await this.launch();
  }

  private logFile(): string {
    const m = this.ctx.pod.metadata;
    const dir = `${m?.namespace}_${m?.name}_${this.uid}`;
    return path.join(this.ctx.podLogsDir, dir, this.name, `${this.restartCount}.log`);
  }

  /**
   * A (re)start in progress. A stop waits for it, and a launch that finds the container stopping
   * once its process exists stops that process itself: upstream's pod worker runs one sync of a pod
   * at a time (pkg/kubelet/pod_workers.go `podWorkerLoop`), so a kill never runs beside a start and
   * leaves the started container behind.
   */
  private launching: Promise<void> | undefined;

  private async launch(): Promise<void> {
    const p = this.launchOnce();
    this.launching = p;
    try {
      await p;
    } finally {
      if (this.launching === p) this.launching = undefined;
    }
  }

  private async launchOnce(): Promise<void> {
    if (this.stopping) return;
    const launchedAt = Date.now();
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    for (const e of this.c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const command = [...(this.c.command ?? []), ...(this.c.args ?? [])];
    try {
      const s = await spawnContainer({ command, env, logFile: this.logFile(), cwd: this.c.workingDir });
      if (this.stopping) {
        // stopped while it was being spawned: it never counts as started
        this.ctx.log('container stopped while starting', { container: this.name, pid: s.pid });
        await stopProcess(s.pid, s.startTicks, this.graceSeconds * 1000);
        return;
      }
      const startedAt = new Date();
      // the record first: a kubelet killed from here on adopts this process instead of starting another
      await writeRecord(this.ctx.rootDir, this.uid, this.name, {
        pid: s.pid,
        startTicks: s.startTicks,
        restartCount: this.restartCount,
        startedAt: startedAt.toISOString(),
        podName: this.ctx.pod.metadata?.name ?? '',
        namespace: this.ctx.pod.metadata?.namespace ?? '',
        terminationGracePeriodSeconds: this.graceSeconds,
      });
      this.running(s.pid, s.startTicks, startedAt);
      this.ctx.log('container started', {
        pod: this.ctx.pod.metadata?.name,
        container: this.name,
        pid: s.pid,
        restartCount: this.restartCount,
        // when the (re)start began, before the process was spawned
        launchedAt: new Date(launchedAt).toISOString(),
      });
      // Seen at the next PLEG relist, as upstream (pkg/kubelet/kubelet.go genericPlegRelistPeriod
      // 1 s; pkg/kubelet/pleg/generic.go relists every period): a container killed and its
      // manifest removed at once is not restarted in between, since the pod's removal (file
      // event) reaches the pod worker first.
      // The back-off still counts from the exit itself (the runtime's finishedAt).
      void s.exit.then(({ code, signal }) => {
        const at = Date.now();
        setTimeout(
          () => this.exited(s.pid, code ?? 128, signal ?? undefined, undefined, at),
          untilRelist(at, this.ctx.relistMs),
        );
      });
    } catch (e) {
      // upstream: StartContainer fails (RunContainerError) and the start is retried under back-off
      const now = Date.now();
      this.last = {
        exitCode: 128,
        reason: 'StartError',
        startedAt: new Date(now),
        finishedAt: new Date(now),
      };
      this.state = { kind: 'waiting', reason: 'RunContainerError', message: (e as Error).message };
      this.ctx.log('container start failed', { container: this.name, error: (e as Error).message });
      this.ctx.changed();
      this.scheduleRestart(now);
    }
  }

  private running(pid: number, startTicks: string, startedAt: Date): void {
    this.state = { kind: 'running', pid, startTicks, startedAt };
    this.startProbes(pid);
    this.ctx.changed();
  }

  private pollExit(pid: number, startTicks: string): void {
    const t = setInterval(() => {
      if (this.state.kind !== 'running' || this.state.pid !== pid) return clearInterval(t);
      if (!isAlive(pid, startTicks)) {
        clearInterval(t);
        // not our child: the exit code is unknown to us (upstream the runtime keeps it)
        this.exited(pid, 255, undefined, 'Unknown');
      }
    }, POLL_MS);
    this.timers.push(t);
  }

  private exited(pid: number, exitCode: number, signal?: string, reason?: string, atMs?: number): void {
    if (this.state.kind !== 'running' || this.state.pid !== pid) return;
    const finishedAt = new Date(atMs ?? Date.now());
    const code = signal ? 128 + (signalNumber(signal) ?? 0) : exitCode;
    this.last = {
      exitCode: code,
      ...(signal ? { signal } : {}),
      reason: reason ?? (code === 0 ? 'Completed' : 'Error'),
      startedAt: this.state.startedAt,
      finishedAt,
    };
    this.stopProbes();
    this.ctx.log('container exited', {
      pod: this.ctx.pod.metadata?.name,
      container: this.name,
      pid,
      exitCode: code,
      finishedAt: finishedAt.toISOString(),
    });
    if (this.stopping) {
      this.state = { kind: 'stopped' };
      this.ctx.changed();
      return;
    }
    const policy = this.ctx.pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) {
      this.state = { kind: 'stopped' };
      this.ctx.changed();
      return;
    }
    this.scheduleRestart(finishedAt.getTime());
  }

  private scheduleRestart(finishedAt: number): void {
    const wait = this.backoff.remaining(finishedAt, Date.now());
    if (wait > 0) {
      this.state = {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(this.backoff.current() / 1000)}s restarting failed container=${this.name} pod=${this.ctx.pod.metadata?.name}`,
      };
      this.ctx.changed();
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.backoff.next(finishedAt, Date.now());
      this.restartCount++;
      void this.launch();
    }, wait);
  }

  private startProbes(pid: number): void {
    this.stopProbes();
    const specs: [ProbeKind, V1Container['livenessProbe']][] = [
      ['startup', this.c.startupProbe],
      ['liveness', this.c.livenessProbe],
      ['readiness', this.c.readinessProbe],
    ];
    this.probes = specs.filter(([, s]) => s?.httpGet).map(([k, s]) => new ProbeState(k, s ?? {}));
    for (const p of this.probes) {
      const spec = this.c[`${p.kind}Probe`] ?? {};
      const tick = async () => {
        if (this.state.kind !== 'running' || this.state.pid !== pid) return;
        const startup = this.probes.find((x) => x.kind === 'startup');
        if (p.kind !== 'startup' && startup && startup.result !== 'success') return;
        if (p.kind === 'startup' && startup?.result === 'success') return;
        const changed = p.observe(await httpGetProbe(spec, this.ctx.nodeIp));
        if (this.state.kind !== 'running' || this.state.pid !== pid || changed === undefined) return;
        this.ctx.changed();
        if (changed === 'failure' && p.kind !== 'readiness')
          void this.killForProbe(p.kind, spec.terminationGracePeriodSeconds);
      };
      const period = (spec.periodSeconds ?? 10) * 1000;
      const first = setTimeout(
        () => {
          void tick();
          this.timers.push(setInterval(() => void tick(), period));
        },
        (spec.initialDelaySeconds ?? 0) * 1000,
      );
      this.timers.push(first);
    }
  }

  private stopProbes(): void {
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers = [];
    this.probes = [];
  }

  private async killForProbe(kind: ProbeKind, graceS?: number): Promise<void> {
    if (this.state.kind !== 'running') return;
    const { pid, startTicks } = this.state;
    this.ctx.log(`container failed ${kind} probe, will be restarted`, { container: this.name, pid });
    await stopProcess(pid, startTicks, (graceS ?? this.graceSeconds) * 1000);
    // an adopted process is not our child: report its end here
    if (!isAlive(pid, startTicks)) this.exited(pid, 137, undefined, 'Error');
  }

  /** Graceful stop: no restart; SIGTERM, SIGKILL after `graceMs` (default the pod's grace period). */
  async stop(graceMs = this.graceSeconds * 1000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.stopProbes();
    await this.launching;
    if (this.state.kind === 'running') {
      const { pid, startTicks } = this.state;
      await stopProcess(pid, startTicks, graceMs);
      this.exited(pid, 137);
    }
    this.state = { kind: 'stopped' };
  }

  /** Forgets timers without touching the process (the kubelet is exiting: containers live on). */
  detach(): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.stopProbes();
  }

  status(): V1ContainerStatus {
    const result = (k: ProbeKind) => this.probes.find((p) => p.kind === k)?.result;
    return containerStatus({
      container: this.c,
      id: `lab://${this.uid}-${this.name}-${this.restartCount}`,
      state: this.state,
      restartCount: this.restartCount,
      last: this.last,
      hasStartup: this.c.startupProbe?.httpGet !== undefined,
      hasReadiness: this.c.readinessProbe?.httpGet !== undefined,
      startup: result('startup'),
      readiness: result('readiness'),
    });
  }
}
