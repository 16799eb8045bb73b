/**
 * etcd member status, one client per member (so each answer is that member's own view), each
 * member polled on its own loop (a member that does not answer never delays the others' events):
 * the leader it sees, raft term and index, or the error, stamped with the request's send time.
 * Recorded when leader, term or error change; with `trackIndex` also when the raft index changes
 * (at most once per interval per member), which is what makes a member's catch-up after a
 * partition measurable. The clients run without etcd3's default retries and circuit breaker
 * (3 attempts; 5 s open after 3 failures), and a failed call gets a fresh client, so the
 * resolution stays one interval + one timeout and a member is seen as soon as it answers again.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Etcd3, IOptions } from 'etcd3';
import type { EtcdEndpoint } from '../targets/types.ts';
import type { MemberStatus } from './etcd-health.ts';
import { every } from './loop.ts';
import type { Probe } from './types.ts';

export interface EtcdProbeOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** Record raft index changes too (etcd-partition's catch-up). */
  readonly trackIndex?: boolean;
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** A policy that runs the call once and passes its outcome through (no retry, no breaker). */
export const passThrough = {
  execute: (fn: (ctx: { signal: AbortSignal }) => unknown, signal?: AbortSignal) =>
    Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
} as unknown as Policy;

const hex = (v: string | undefined): string | undefined =>
  v === undefined ? undefined : BigInt(v).toString(16);

// etcd3 compiles its .proto files when loaded (150-400 ms of CPU): loaded at the first client,
// so a CLI that only lists scenarios does not pay for it.
const etcd3 = (): typeof import('etcd3') => createRequire(import.meta.url)('etcd3');

/** A client for one member: per-call deadline, no retries, no circuit breaker, TLS when given. */
export function memberClient(e: Pick<EtcdEndpoint, 'url' | 'tls'>, timeoutMs: number): Etcd3 {
  return new (etcd3().Etcd3)({
    hosts: e.url,
    dialTimeout: timeoutMs,
    defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    faultHandling: { host: () => passThrough, global: passThrough },
    // grpc-js reconnects with an exponential back-off (1 s × 1.6ⁿ up to 120 s:
    // @grpc/grpc-js src/backoff-timeout.ts) and shares one subchannel per address between all
    // clients of the process (src/subchannel-pool.ts): after a partition heals, a new client of
    // that member would wait out the old back-off, and a probe would see the member back seconds
    // after it answers again. Probes need to see it when it answers: reconnect at least every
    // 250 ms, on a subchannel of this client's own.
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 250,
      'grpc.use_local_subchannel_pool': 1,
    },
    ...(e.tls
      ? {
          credentials: {
            rootCertificate: fs.readFileSync(e.tls.caFile),
            certChain: fs.readFileSync(e.tls.certFile),
            privateKey: fs.readFileSync(e.tls.keyFile),
          },
        }
      : {}),
  });
}

export interface MemberView {
  readonly memberId?: string;
  /** Leader id as this member sees it; null = none (or no answer). */
  readonly leader: string | null;
  readonly raftTerm?: number;
  readonly raftIndex?: number;
  readonly error?: string;
}

/** One member's own status, as a value (never throws). */
export async function memberStatus(client: Etcd3): Promise<MemberView> {
  return client.maintenance.status().then(
    (r) => ({
      memberId: hex(r.header.member_id),
      leader: r.leader && r.leader !== '0' ? hex(r.leader)! : null,
      raftTerm: Number(r.raftTerm),
      raftIndex: Number(r.raftIndex),
    }),
    (err: unknown) => ({ leader: null, error: err instanceof Error ? err.message : String(err) }),
  );
}

/** A member's view as the health rule reads it (src/probes/etcd-health.ts). */
export function memberHealth(host: string, v: MemberView): MemberStatus {
  return {
    host,
    ok: v.error === undefined,
    memberId: v.memberId,
    leaderId: v.leader ?? '0',
    raftTerm: v.raftTerm,
    raftIndex: v.raftIndex,
    error: v.error,
  };
}

export function etcdProbe(o: EtcdProbeOptions = {}): Probe {
  return {
    name: 'etcd',
    async run(ctx) {
      const timeoutMs = o.timeoutMs ?? 800;
      await Promise.all(
        ctx.target.topology.etcd.map(async (e) => {
          let client = memberClient(e, timeoutMs);
          let last: string | undefined;
          try {
            await every(o.intervalMs ?? 250, ctx.signal, ctx.maxRunMs, async () => {
              const sentAt = ctx.nowMs();
              const s = await memberStatus(client);
              if (s.error) {
                // A fresh channel next time: gRPC's reconnect backoff would delay seeing the member back.
                client.close();
                client = memberClient(e, timeoutMs);
              }
              const sig = `${s.leader}|${s.raftTerm}|${s.error}${o.trackIndex ? `|${s.raftIndex}` : ''}`;
              if (sig === last) return;
              last = sig;
              ctx.sink.record(
                {
                  type: 'etcd.status',
                  member: e.member,
                  ...(s.memberId ? { memberId: s.memberId } : {}),
                  leader: s.leader,
                  ...(s.raftTerm !== undefined ? { raftTerm: s.raftTerm, raftIndex: s.raftIndex } : {}),
                  ...(s.error ? { error: s.error } : {}),
                },
                sentAt,
              );
            });
          } finally {
            client.close();
          }
        }),
      );
    },
  };
}

/**
 * Which LB host holds the VIP, for targets that can tell; recorded on change, at the time the
 * reads were sent (as the etcd probe's statuses). A reading ends when its slowest LB answers or
 * times out: over ssh an LB whose link is down holds every reading for its 1 s timeout
 * (src/targets/ssh.ts `vipHolder`), and stamped at its end, lb-stop's takeover was recorded that
 * second late (suite of 2026-12-04 morning: `vip_takeover_s` 5.016 s against a window ending at
 * 4.61 s, `api_outage_s` through the VIP 3.0 s). The other LBs' answers come within the round trip
 * of the send; the takeover happened between the reading before and this one.
 */
export function vipProbe(o: { intervalMs?: number } = {}): Probe {
  return {
    name: 'vip',
    async run(ctx) {
      const holderOf = ctx.target.vipHolder?.bind(ctx.target);
      const vip = ctx.target.topology.vip;
      if (!holderOf || !vip) return;
      let last: string | null | undefined;
      await every(o.intervalMs ?? 100, ctx.signal, ctx.maxRunMs, async () => {
        const sentAt = ctx.nowMs();
        const holder = await holderOf().catch(() => null);
        if (holder === last) return;
        last = holder;
        ctx.sink.record({ type: 'vip', vip, holder }, sentAt);
      });
    },
  };
}
