/**
 * Network faults: an iptables partition of ports on one host (proof: the rules are in place;
 * heal: remove the chain), and a host's link taken down (proof: the link is down; heal: up).
 */
import type { PartitionSpec } from '../targets/partition.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

/** A partition removes itself on the host after this long unless healed earlier (10 min). */
export const DEFAULT_PARTITION_EXPIRY_S = 600;

export function partitionFault(o: {
  host: string;
  spec: PartitionSpec;
  member?: string;
  ip?: string;
}): Fault {
  const spec: PartitionSpec = { ...o.spec, expireAfterS: o.spec.expireAfterS ?? DEFAULT_PARTITION_EXPIRY_S };
  return {
    name: 'partition',
    impact: spec.dports.some((p) => p === 2379 || p === 2380) ? [{ kind: 'etcd-member', host: o.host }] : [],
    aim: { host: o.host, member: o.member, ip: o.ip },
    summary: `iptables DROP of tcp ${spec.dports.join(',')} (and from ${spec.sports.join(',')}) on ${o.host}, self-expiring after ${spec.expireAfterS} s`,
    plan: (target) => [
      step(
        target,
        'inject',
        { kind: 'partition', host: o.host, spec },
        'DROP rules in their own chain, plus a self-expiry timer',
      ),
      step(target, 'prove', { kind: 'show-partition', host: o.host }, 'prints the DROP rules'),
      step(target, 'heal', { kind: 'heal-partition', host: o.host }, 'timer cancelled, chain removed'),
      step(target, 'verify-heal', { kind: 'show-partition', host: o.host }, 'exits non-zero: no rule left'),
    ],
    async inject({ target }): Promise<InjectOutcome> {
      const res = await runAction(target, { kind: 'partition', host: o.host, spec });
      if (res.code !== 0) throw failed(res, 'installing the partition');
      const show = await runAction(target, { kind: 'show-partition', host: o.host });
      if (show.code !== 0)
        return { effect: false, reason: `no DROP rule found on ${o.host} after installing it` };
      const rules = show.stdout.split('\n').filter(Boolean);
      return { effect: true, proof: { kind: 'rule-in-place', host: o.host, rules } };
    },
    async heal({ target }) {
      const res = await runAction(target, { kind: 'heal-partition', host: o.host });
      if (res.code !== 0) throw failed(res, 'removing the partition');
      const show = await runAction(target, { kind: 'show-partition', host: o.host });
      if (show.code === 0) throw new Error(`partition rules still present on ${o.host} after heal`);
      return `partition on ${o.host} removed`;
    },
  };
}

export function linkDownFault(o: { host: string; ip?: string }): Fault {
  return {
    name: 'link-down',
    impact: [{ kind: 'host-offline', host: o.host }],
    aim: { host: o.host, ip: o.ip },
    summary: `network link of ${o.host} down`,
    plan: (target) => [
      step(target, 'inject', { kind: 'link-down', host: o.host }, `${o.host} is off the network`),
      step(target, 'prove', { kind: 'link-state', host: o.host }, 'link state DOWN'),
      step(target, 'heal', { kind: 'link-up', host: o.host }, `${o.host} back on the network`),
      step(target, 'verify-heal', { kind: 'link-state', host: o.host }, 'link state UP'),
    ],
    async inject({ target }): Promise<InjectOutcome> {
      const res = await runAction(target, { kind: 'link-down', host: o.host });
      if (res.code !== 0) throw failed(res, 'taking the link down');
      const st = await runAction(target, { kind: 'link-state', host: o.host });
      if (st.code !== 0 || /[<,]UP[,>]/.test(st.stdout))
        return { effect: false, reason: `link of ${o.host} is not down` };
      const link = st.stdout.split(':')[1]?.trim().split('@')[0] ?? o.host;
      return { effect: true, proof: { kind: 'link-down', host: o.host, link } };
    },
    async heal({ target }) {
      const res = await runAction(target, { kind: 'link-up', host: o.host });
      if (res.code !== 0) throw failed(res, 'bringing the link up');
      const st = await runAction(target, { kind: 'link-state', host: o.host });
      if (!/[<,]UP[,>]/.test(st.stdout)) throw new Error(`link of ${o.host} is still down after heal`);
      return `link of ${o.host} up`;
    },
  };
}
