/**
 * etcd-disk-latency: a slow disk under etcd. Each fsync/fdatasync of one member (default the
 * current leader; `--member` to choose; `--variant all` for every member) is held for `--delay`
 * (default 100ms) by strace's syscall fault injection on its host (src/faults/fsync-delay.ts,
 * src/targets/kubeadm-fsync.ts), for `degradedMs`; the heal detaches the injector.
 *
 * Why the leader by default: a commit needs the leader's own WAL fsync and a quorum's (etcd-io/etcd
 * server/etcdserver/raft.go: the leader persists `rd.Entries` to its WAL before advancing, in
 * parallel with sending them; a follower acks after its own fsync), so a slow leader slows every
 * write, while one slow follower is outvoted by the fast one. A leader whose fsync takes longer
 * than the election timeout also stops sending heartbeats in time (the same loop sends them):
 * followers elect a new leader — etcd's docs (op-guide/hardware.md, tuning.md) give the disk as
 * the first cause of leader changes.
 *
 * Measures, over the degradation: write latency p50/p99 through the LB (seeds: etcd writes
 * < 50 ms; API p99 < 1 s), API request latency p99, etcd leader changes (none expected), /readyz
 * flaps of the apiservers (their etcd check is a linearizable read with a 2 s timeout), and no
 * lost write.
 */
import { faultStatus } from '../src/analysis/fault.ts';
import { fsyncDelayFault } from '../src/faults/fsync-delay.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { faultSpanMs, type Scenario, type ScenarioOptions } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import type { TimingInputs } from '../src/targets/defaults.ts';
import type { TimelineEvent } from '../src/timeline/events.ts';
import { UserError } from '../src/util/errors.ts';
import { etcdLeader, pickMember } from './pick.ts';

/**
 * How long the disk stays slow (every measurement is over this window): ten election timeouts, so
 * a leader that cannot keep up has time to lose its leadership more than once (50 writes of the
 * write probe at etcd's default 1 s; seeds, 2.5 s: 25 s), and 10 s at least.
 */
export const degradedMs = (t: TimingInputs): number => Math.max(10_000, 10 * (t.etcdElectionMs ?? 1000));
export const DEFAULT_DELAY_MS = 100;

const VARIANTS = ['member', 'all'] as const;
export type DiskVariant = (typeof VARIANTS)[number];

export function diskVariant(o: ScenarioOptions): DiskVariant {
  const v = o.variant ?? 'member';
  if (!(VARIANTS as readonly string[]).includes(v))
    throw new UserError(`etcd-disk-latency --variant must be one of ${VARIANTS.join(', ')} (got '${v}')`);
  if (v === 'all' && o.member !== undefined)
    throw new UserError('etcd-disk-latency --variant all slows every member: drop --member');
  return v as DiskVariant;
}

/**
 * The degradation lasted its window: the last event is `ms` after the fault's effect, where the
 * analysis starts its measurements (src/analysis/fault.ts), else after the invoke `at`.
 */
export function degradedFor(events: readonly TimelineEvent[], at: number, ms: number): boolean {
  const f = faultStatus(events);
  const from = f.status === 'proven' ? f.effectMs : at;
  const last = events.at(-1);
  return last !== undefined && last.atMs - from >= ms;
}

/** Past etcdHighFsyncDurations' warning threshold (p99 > 0.5 s, the etcd mixin's) with margin. */
const FSYNC_ALERT_DELAY_MS = 600;

export const etcdDiskLatency: Scenario = {
  name: 'etcd-disk-latency',
  description:
    'delay fsync of one etcd member (default the leader) or all; measure write latency, leader changes, /readyz flaps',
  defaultSlos: sloDefaults([
    ['write_latency_p50_s', '<', 0.05],
    ['write_latency_p99_s', '<', 1],
    ['api_latency_p99_s', '<', 1],
    ['etcd_leader_changes', '<=', 0],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: ['readyz_flaps'],
  async fault(ctx) {
    const t = ctx.target.topology;
    const variant = diskVariant(ctx.options);
    const members =
      variant === 'all'
        ? t.etcd
        : [ctx.options.member ? pickMember(t, ctx.options.member) : await etcdLeader(t)];
    return fsyncDelayFault({
      members: members.map((m) => ({ host: m.host, member: m.member })),
      delayMs: ctx.options.delayMs ?? DEFAULT_DELAY_MS,
      // The host ends the injection by itself after the observation and any hold, plus a minute.
      forS: Math.ceil(faultSpanMs(etcdDiskLatency, ctx) / 1000) + 60,
    });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    etcdProbe(),
    writeProbe(ctx.runId),
  ],
  recovered: (events, at, ctx) => degradedFor(events, at, degradedMs(ctx.timings)),
  // The degradation, then time for the heal's detach to be observed.
  observeMs: (t) => degradedMs(t) + 10_000,
  // etcd mixin etcdHighFsyncDurations (warning): p99 of the WAL fsync over 5 m > 0.5 s. A delay
  // past it makes the p99 cross at the first slow calls (over 1 % of the window's); after the heal
  // it clears once the slow calls fall under 1 % of the 5 m window or out of it: up to 5 m.
  alerts: (ctx) =>
    (ctx.options.delayMs ?? DEFAULT_DELAY_MS) >= FSYNC_ALERT_DELAY_MS
      ? {
          expected: [
            {
              alert: 'etcdHighFsyncDurations',
              labels: { severity: 'warning' },
              clearS: { min: 0, max: 330 },
            },
          ],
          allowed: [
            'etcdHighCommitDurations',
            'etcdHighNumberOfLeaderChanges',
            'etcdMemberCommunicationSlow',
            'etcdNoLeader',
            'EtcdClusterUnavailable',
            'APIServerDown',
            'TargetDown',
          ],
        }
      : {
          expected: [],
          allowed: [
            'etcdHighFsyncDurations',
            'etcdHighCommitDurations',
            'etcdHighNumberOfLeaderChanges',
            'etcdMemberCommunicationSlow',
          ],
        },
};
