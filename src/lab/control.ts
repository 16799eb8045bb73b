/**
 * `lab stop` / `lab start` of one component. A system service (kubelet, haproxy, keepalived,
 * sshd) is the supervisor's: TERM waits for the exit, then KILL; `start` runs its saved command
 * line again. A static pod of a control plane is the kubelet's: the kubeadm profile's own scripts
 * run inside the host (signal the process, park the manifest; `start` puts the manifest back and
 * waits for the kubelet to run it), exactly what a drill does.
 */
import { NetnsExecutor } from '../executors/netns.ts';
import { hostTimingLine } from '../targets/host-timing.ts';
import type { Component } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';
import type { LabConfig } from './config.ts';
import { enterHost } from './host.ts';
import { labProfile } from './profile.ts';
import { allStaticPodStates, isStaticPod, staticPodNames } from './static-pods.ts';
import { Supervisor } from './supervisor.ts';

export const STOP_SIGNALS = ['TERM', 'KILL', 'INT', 'STOP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What runs on `host`: the supervisor's components and its static pods (control plane, etcd host). */
export function componentsOn(cfg: LabConfig, host: string): string[] {
  const h = cfg.hosts.find((x) => x.name === host);
  if (!h)
    throw new UserError(`no lab host '${host}': the hosts are ${cfg.hosts.map((x) => x.name).join(', ')}`);
  const supervised = new Supervisor(cfg.stateDir)
    .components()
    .filter((c) => c.host === host)
    .map((c) => c.name);
  return [...staticPodNames(cfg, h), ...supervised];
}

function checkComponent(cfg: LabConfig, host: string, component: string): void {
  const known = componentsOn(cfg, host);
  if (!known.includes(component))
    throw new UserError(
      `no component '${component}' on lab host '${host}': it runs ${known.join(', ') || 'nothing'}`,
    );
}

async function runProfile(
  cfg: LabConfig,
  host: string,
  action: { kind: 'stop'; signal: 'TERM' | 'KILL' } | { kind: 'start' },
  component: Component,
): Promise<string> {
  const cmd = labProfile(cfg).command({ ...action, host, component });
  const ex = new NetnsExecutor([host], (h) => enterHost(cfg.stateDir, h));
  try {
    const r = await ex.exec(host, cmd.argv, { timeoutMs: 120_000 });
    if (r.code !== 0)
      throw new Error(`${action.kind} ${component} on ${host} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout.trim();
  } finally {
    await ex.close();
  }
}

/** Stops one component; returns what happened, for the CLI's line. */
export async function stopComponent(
  cfg: LabConfig,
  host: string,
  component: string,
  signal: StopSignal,
): Promise<string> {
  checkComponent(cfg, host, component);
  if (isStaticPod(component)) {
    if (signal !== 'TERM' && signal !== 'KILL')
      throw new UserError(`a static pod is stopped with --signal TERM or KILL (got '${signal}')`);
    const pids = await runProfile(cfg, host, { kind: 'stop', signal }, component);
    return `signalled ${pids || 'nothing (not running)'}, manifest parked`;
  }
  const sup = new Supervisor(cfg.stateDir);
  const sig = `SIG${signal}` as NodeJS.Signals;
  // When the signal went out, on this process's clock: this CLI ran that long before it (its
  // start-up included; performance.now() counts from the process's start) and the rest after it
  // (a TERM stop waits for the exit). Printed for the fault (src/faults/effect.ts), so its effect
  // time is not the middle of a round trip that is mostly Node's start-up.
  let signalledAt: number | undefined;
  const onSignalled = () => {
    signalledAt = performance.now();
  };
  let result: string;
  if (signal === 'TERM' || signal === 'INT')
    result = await sup.stop(host, component, { signal: sig, onSignalled });
  else if (sup.signal(host, component, sig)) {
    onSignalled();
    result = 'signalled';
  } else result = 'not-running';
  return signalledAt === undefined
    ? result
    : `${result}\n${hostTimingLine({ leadMs: signalledAt, tailMs: performance.now() - signalledAt })}`;
}

/** Starts one component again; returns its pid (for a static pod, as its host numbers it). */
export async function startComponent(cfg: LabConfig, host: string, component: string): Promise<number> {
  checkComponent(cfg, host, component);
  if (isStaticPod(component)) return Number(await runProfile(cfg, host, { kind: 'start' }, component));
  return new Supervisor(cfg.stateDir).restart(host, component);
}

/**
 * Every component's live pid as the machine numbers it, keyed `host/name` (undefined: not
 * running): the supervisor's services and the control planes' static pods (the oldest process of
 * the pod's name in the host).
 */
export function componentPids(cfg: LabConfig): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const [host, pods] of allStaticPodStates(cfg))
    for (const p of pods) out.set(`${host}/${p.name}`, p.pids[0]);
  for (const c of new Supervisor(cfg.stateDir).components())
    out.set(`${c.host}/${c.name}`, c.state.state === 'running' ? c.state.pid : undefined);
  return out;
}

/** One component's live pid (see componentPids), undefined when it does not run. */
export const componentPid = (cfg: LabConfig, host: string, name: string): number | undefined =>
  componentPids(cfg).get(`${host}/${name}`);
