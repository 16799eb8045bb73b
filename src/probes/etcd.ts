/**
 * etcd member status, one client per member (so each answer is that member's own view):
 * the leader it sees, raft term and index, or the error. Recorded when it changes.
 */
import { EtcdMembers } from '../lab/etcd.ts';
import { every } from './loop.ts';
import type { Probe } from './types.ts';

export function etcdProbe(o: { intervalMs?: number; timeoutMs?: number } = {}): Probe {
  return {
    name: 'etcd',
    async run(ctx) {
      const members = new EtcdMembers(
        ctx.target.topology.etcd.map((e) => ({ host: e.member, url: e.url })),
        o.timeoutMs ?? 800,
      );
      const last = new Map<string, string>();
      try {
        await every(o.intervalMs ?? 250, ctx.signal, ctx.maxRunMs, async () => {
          const statuses = await members.statusAll();
          for (const s of statuses) {
            const leader = s.ok && s.leaderId && s.leaderId !== '0' ? s.leaderId : null;
            const error = s.ok ? undefined : s.error;
            const sig = `${leader}|${s.raftTerm}|${error}`;
            if (last.get(s.host) === sig) continue;
            last.set(s.host, sig);
            ctx.sink.record({
              type: 'etcd.status',
              member: s.host,
              memberId: s.memberId,
              leader,
              raftTerm: s.raftTerm,
              raftIndex: s.raftIndex,
              error,
            });
          }
        });
      } finally {
        members.close();
      }
    },
  };
}

/** Which LB host holds the VIP, for targets that can tell; recorded on change. */
export function vipProbe(o: { intervalMs?: number } = {}): Probe {
  return {
    name: 'vip',
    async run(ctx) {
      const holderOf = ctx.target.vipHolder?.bind(ctx.target);
      const vip = ctx.target.topology.vip;
      if (!holderOf || !vip) return;
      let last: string | null | undefined;
      await every(o.intervalMs ?? 100, ctx.signal, ctx.maxRunMs, async () => {
        const holder = await holderOf().catch(() => null);
        if (holder === last) return;
        last = holder;
        ctx.sink.record({ type: 'vip', vip, holder });
      });
    },
  };
}
