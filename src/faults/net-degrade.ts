/**
 * Degrade the etcd peer links (network-degrade): what the degraded members send to their peers is
 * delayed by `delayMs` ± `jitterMs` and loses `lossPct` % of its packets
 * (src/targets/kubeadm-net-degrade.ts: netem on real nodes, the lab's delaying proxy here; loss
 * by iptables `statistic`). Every member's host is told (with the proxy, a healthy member's own
 * connections to a degraded one carry the degraded member's delay on its side).
 *
 * Proof, measured across the link rather than read back from the configuration: from the first
 * degraded member's host, HTTP round trips to each peer's etcd peer port (`GET /version` with the
 * host's peer certificate) before and after; the median must grow by at least
 * PROOF_MIN_FRACTION of the delay the link's degraded ends add. With loss, the degraded hosts'
 * counters must show dropped packets among at least `max(PROOF_MIN_PACKETS, 6 / loss)` counted
 * (an expected 6 drops: no drop at all then has a chance under 0.3 %); the loss they saw is
 * reported. Heal: every host's degradation removed, and verified gone.
 *
 * Why not etcd's own `etcd_network_peer_round_trip_time_seconds`: it gets one smoothed RTT per
 * peer every 30 s (etcdserver/api/rafthttp/probing_status.go `monitorProbingStatus`,
 * `statusMonitoringInterval`), fewer samples than a drill's degradation lasts.
 */
import {
  type NetDegradeSpec,
  type NetDegradeState,
  parseNetDegradeState,
  parsePeerRtt,
} from '../targets/kubeadm-net-degrade.ts';
import type { Action, Target } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { effectWithin, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface DegradedMember {
  readonly host: string;
  readonly member: string;
  /** The member's peer address and port (its peer URL). */
  readonly address: string;
  readonly port: number;
  /** What it sends to its peers is degraded. */
  readonly degraded: boolean;
}

export interface NetDegradeOptions {
  /** Every etcd member, the degraded ones marked. */
  readonly members: readonly DegradedMember[];
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly lossPct: number;
  /** How long the hosts keep the degradation at most (the observation plus any hold), s. */
  readonly forS: number;
  /** Round trips per peer for each RTT reading (default 5). */
  readonly rttSamples?: number;
  /** How long the proof waits for the loss counters (default 30 s). */
  readonly proofTimeoutMs?: number;
}

export const PROOF_MIN_FRACTION = 0.7;
export const PROOF_MIN_PACKETS = 200;

/** The packets the loss proof waits for: enough to expect 6 drops. */
export const packetsForLoss = (lossPct: number): number =>
  Math.max(PROOF_MIN_PACKETS, Math.ceil(6 / (lossPct / 100)));

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The spec one member's host gets: its own flag, every other member as a peer. */
export function specFor(o: NetDegradeOptions, m: DegradedMember): NetDegradeSpec {
  return {
    delayMs: o.delayMs,
    jitterMs: o.jitterMs,
    lossPct: o.lossPct,
    degraded: m.degraded,
    forS: o.forS,
    peers: o.members
      .filter((p) => p.host !== m.host)
      .map((p) => ({ address: p.address, port: p.port, degraded: p.degraded })),
  };
}

/** The delay a link's round trip gains: each degraded end's egress adds `delayMs`. */
export const addedRttMs = (o: NetDegradeOptions, a: DegradedMember, b: DegradedMember): number =>
  ((a.degraded ? 1 : 0) + (b.degraded ? 1 : 0)) * o.delayMs;

async function readRtt(
  target: Target,
  action: Extract<Action, { kind: 'peer-rtt' }>,
  peers: readonly DegradedMember[],
): Promise<Map<string, { medianS: number; failed: number; samples: number }>> {
  const r = await runAction(target, action, 60_000);
  if (r.code !== 0) throw failed(r, `timing round trips to the etcd peers from ${action.host}`);
  const by = parsePeerRtt(r.stdout);
  return new Map(
    peers.map((p) => {
      const e = by.get(p.address) ?? { rttS: [], failed: action.samples };
      return [p.address, { medianS: median(e.rttS), failed: e.failed, samples: e.rttS.length }];
    }),
  );
}

async function readState(target: Target, host: string): Promise<NetDegradeState> {
  const r = await runAction(target, { kind: 'net-degrade-state', host });
  if (r.code !== 0) throw failed(r, 'reading the network degradation');
  const s = parseNetDegradeState(r.stdout);
  if (!s)
    throw new Error(`network degradation on ${host}: unexpected output '${r.stdout.trim().slice(0, 120)}'`);
  return s;
}

const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;

export function netDegradeFault(o: NetDegradeOptions): Fault {
  const degraded = o.members.filter((m) => m.degraded);
  if (degraded.length === 0) throw new Error('network-degrade: no member is degraded');
  const from = degraded[0]!;
  const peers = o.members.filter((m) => m.host !== from.host);
  const samples = o.rttSamples ?? 5;
  const what = [
    o.delayMs > 0 || o.jitterMs > 0 ? `+${o.delayMs} ms${o.jitterMs > 0 ? ` ± ${o.jitterMs} ms` : ''}` : '',
    o.lossPct > 0 ? `${o.lossPct}% loss` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const label =
    degraded.length === o.members.length
      ? 'every etcd member'
      : `etcd member ${degraded.map((m) => m.member).join(', ')} on ${degraded.map((m) => m.host).join(', ')}`;
  const rttAction = {
    kind: 'peer-rtt',
    host: from.host,
    peers: peers.map((p) => ({ address: p.address, port: p.port })),
    samples,
  } as const;
  const rttStep = (target: Target, s: 'inject' | 'prove') =>
    step(
      target,
      s,
      rttAction,
      s === 'inject'
        ? `baseline: ${samples} round trips to each peer's etcd peer port`
        : `median round trip to each peer grows by ≥ ${PROOF_MIN_FRACTION * 100} % of the delay its degraded ends add`,
    );
  return {
    name: 'net-degrade',
    // A slow link takes nothing away: no interlock counts a member as lost (the leader may move).
    impact: o.members.map((m) => ({ kind: 'other', host: m.host }) as const),
    aim: {
      host: degraded.map((m) => m.host).join(','),
      ...(degraded.length === 1 ? { member: degraded[0]!.member } : {}),
    },
    summary: `etcd peer traffic sent by ${label}: ${what}`,
    plan(target) {
      return [
        rttStep(target, 'inject'),
        ...o.members.map((m) =>
          step(
            target,
            'inject',
            { kind: 'degrade-net', host: m.host, spec: specFor(o, m) },
            m.degraded
              ? `what ${m.member} sends to its peers: ${what}; the host removes it after ${o.forS} s`
              : `the delay of the degraded peers on ${m.member}'s own connections to them (proxy; with netem nothing to do)`,
          ),
        ),
        rttStep(target, 'prove'),
        ...(o.lossPct > 0
          ? degraded.map((m) =>
              step(
                target,
                'prove',
                { kind: 'net-degrade-state', host: m.host },
                `(polled) dropped > 0 among ≥ ${packetsForLoss(o.lossPct)} counted peer packets`,
              ),
            )
          : []),
        ...o.members.map((m) =>
          step(target, 'heal', { kind: 'undegrade-net', host: m.host }, 'rules, qdisc and proxy removed'),
        ),
        ...o.members.map((m) =>
          step(target, 'verify-heal', { kind: 'undegrade-net', host: m.host }, 'exits 0: nothing left'),
        ),
      ];
    },
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const before = await readRtt(target, rttAction, peers);
      for (const [address, r] of before)
        if (r.samples === 0)
          return {
            effect: false,
            reason: `no round trip to the etcd peer ${address} from ${from.host} before the injection`,
          };
      const trips = [];
      for (const m of o.members) {
        const { result, trip } = await timed(nowMs, () =>
          runAction(target, { kind: 'degrade-net', host: m.host, spec: specFor(o, m) }, 60_000),
        );
        if (result.code === 3 || result.code === 4) return { effect: false, reason: result.stderr.trim() };
        if (result.code !== 0) throw failed(result, `degrading the etcd peer traffic on ${m.host}`);
        if (m.degraded) trips.push(trip);
      }
      const after = await readRtt(target, rttAction, peers);
      const rtt = peers.map((p) => {
        const b = before.get(p.address)!;
        const a = after.get(p.address)!;
        return {
          from: from.host,
          to: p.host,
          expectedAddedMs: addedRttMs(o, from, p),
          baselineS: Math.round(b.medianS * 1e6) / 1e6,
          degradedS: Math.round(a.medianS * 1e6) / 1e6,
          failed: a.failed,
        };
      });
      const short = rtt.filter(
        (r) =>
          r.expectedAddedMs > 0 &&
          !(r.degradedS - r.baselineS >= (PROOF_MIN_FRACTION * r.expectedAddedMs) / 1000),
      );
      if (short.length > 0)
        return {
          effect: false,
          reason: `the degradation is installed but the round trips do not show it: ${short
            .map(
              (r) =>
                `${r.from}→${r.to} ${ms(r.baselineS)} before, ${Number.isNaN(r.degradedS) ? 'no answer' : ms(r.degradedS)} after (expected +${r.expectedAddedMs} ms)`,
            )
            .join('; ')}`,
        };
      let loss: { counted: number; dropped: number } | undefined;
      if (o.lossPct > 0) {
        const need = packetsForLoss(o.lossPct);
        const total = async () => {
          const states = await Promise.all(degraded.map((m) => readState(target, m.host)));
          return states.reduce(
            (a, s) => ({ counted: a.counted + s.counted, dropped: a.dropped + s.dropped }),
            {
              counted: 0,
              dropped: 0,
            },
          );
        };
        loss = await waitFor(
          async () => {
            const t = await total();
            return t.counted >= need ? t : undefined;
          },
          { timeoutMs: o.proofTimeoutMs ?? 30_000, intervalMs: 1000, what: 'the loss counters' },
        ).catch(() => undefined);
        if (!loss || loss.dropped === 0) {
          const t = await total().catch(() => undefined);
          return {
            effect: false,
            reason: `the loss rule is installed but ${t ? `${t.dropped} of ${t.counted} peer packets were dropped` : 'its counters are unreadable'} (${need} counted and one dropped needed): too little peer traffic, or the rule does not see it`,
          };
        }
      }
      const state = await readState(target, from.host);
      return {
        effect: true,
        proof: {
          kind: 'link-degraded',
          host: degraded.map((m) => m.host).join(','),
          method: state.method,
          delayMs: o.delayMs,
          jitterMs: o.jitterMs,
          lossPct: o.lossPct,
          rtt,
          ...(loss
            ? {
                packets: loss.counted,
                dropped: loss.dropped,
                observedLossPct: Math.round((loss.dropped / loss.counted) * 10_000) / 100,
              }
            : {}),
        },
        ...effectWithin(trips[0], 'the degradation installed'),
      };
    },
    async heal({ target }) {
      const done: string[] = [];
      for (const m of o.members) {
        const r = await runAction(target, { kind: 'undegrade-net', host: m.host }, 30_000);
        if (r.code !== 0) throw failed(r, `removing the network degradation on ${m.host}`);
        done.push(`${m.host}: ${r.stdout.trim().split('\n').at(-1)}`);
      }
      return done.join('; ');
    },
  };
}
