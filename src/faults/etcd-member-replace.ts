/**
 * Replace one etcd member (etcd-member-replace): on the member's host, stop it, destroy its data,
 * `member remove`, `member add` under the same name and peer URL, rejoin with
 * `--initial-cluster-state=existing`, wait until it serves clients, healthy (src/targets/
 * kubeadm-etcd-member.ts). Proof: the member left under one ID and came back, healthy, under a
 * new one. Heal: the same script in `ensure` mode, which does nothing when the member is healthy
 * and started, and finishes any replacement left half-done otherwise.
 */
import { parseReplaced } from '../targets/kubeadm-etcd-member.ts';
import type { Action } from '../targets/types.ts';
import { effectWithin, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface MemberReplaceOptions {
  readonly host: string;
  readonly member: string;
  readonly peerUrl: string;
  /** The member's own client URL (healthy: it serves clients there). */
  readonly clientUrl: string;
  /** The other members' client URLs. */
  readonly endpoints: readonly string[];
  /** The stacked apiserver's address on that host, if any (its /readyz, for the analysis). */
  readonly ip?: string;
}

/** The whole replacement may take: stop 30 s, etcdctl, then up to 120 s until healthy. */
const REPLACE_TIMEOUT_MS = 240_000;

export function memberReplaceFault(o: MemberReplaceOptions): Fault {
  const action = (mode: 'replace' | 'ensure'): Action => ({
    kind: 'replace-etcd-member',
    host: o.host,
    member: o.member,
    peerUrl: o.peerUrl,
    clientUrl: o.clientUrl,
    endpoints: o.endpoints,
    mode,
  });
  const running = { kind: 'running', host: o.host, component: 'etcd' } as const;
  return {
    name: 'member-replace',
    impact: [{ kind: 'etcd-member', host: o.host }],
    aim: { host: o.host, member: o.member, ...(o.ip ? { ip: o.ip } : {}) },
    summary: `replace etcd member ${o.member} on ${o.host}: stop, wipe, member remove, member add, rejoin as existing`,
    plan: (target) => [
      {
        ...step(
          target,
          'inject',
          action('replace'),
          `member ${o.member} replaced: prints its old and new ID once the new one is healthy`,
        ),
        timeoutS: REPLACE_TIMEOUT_MS / 1000,
      },
      step(target, 'prove', running, 'etcd runs again (the new member)'),
      {
        ...step(
          target,
          'heal',
          action('ensure'),
          `member ${o.member} healthy and started (replaced again if it is not)`,
        ),
        timeoutS: REPLACE_TIMEOUT_MS / 1000,
      },
      step(target, 'verify-heal', running, 'exits 0 with the pid'),
    ],
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      if ((await runAction(target, running)).code !== 0)
        return { effect: false, reason: `etcd on ${o.host} was not running before the replacement` };
      const { result, trip } = await timed(nowMs, () =>
        runAction(target, action('replace'), REPLACE_TIMEOUT_MS),
      );
      if (result.code !== 0) throw failed(result, `replacing etcd member ${o.member}`);
      const ids = parseReplaced(result.stdout);
      if (!ids)
        throw new Error(
          `replacing etcd member ${o.member} on ${o.host}: no 'old=… new=…' line in its output`,
        );
      if (ids.oldId === ids.newId)
        return { effect: false, reason: `member ${o.member} kept its ID ${ids.newId}: it was not replaced` };
      return {
        effect: true,
        proof: {
          kind: 'member-replaced',
          host: o.host,
          member: o.member,
          oldId: ids.oldId,
          newId: ids.newId,
          healthyAtMs: trip?.answeredMs ?? 0,
        },
        ...effectWithin(trip, 'SIGTERM to the member (its manifest parked)', result.stdout),
      };
    },
    async heal({ target }) {
      const r = await runAction(target, action('ensure'), REPLACE_TIMEOUT_MS);
      if (r.code !== 0) throw failed(r, `healing etcd member ${o.member}`);
      return r.stdout
        .split('\n')
        .filter((l) => l && !l.startsWith('hadrill-effect'))
        .join('; ');
    },
  };
}
