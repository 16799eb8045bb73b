/**
 * Network faults: an iptables partition of ports on one host (proof: the rules are in place;
 * heal: remove the chain), and a host's link taken down (proof: the link is down; heal: up).
 */
import { firstUnansweredAt, tcpWaitCommand } from '../targets/kubeadm-reach.ts';
import type { PartitionSpec } from '../targets/partition.ts';
import type { Command, Target } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { effectWithin, timed } from './effect.ts';
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
    impact:
      spec.etcd || spec.dports.some((p) => p === 2379 || p === 2380)
        ? [{ kind: 'etcd-member', host: o.host }]
        : [],
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
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const { result: res, trip } = await timed(nowMs, () =>
        runAction(target, { kind: 'partition', host: o.host, spec }),
      );
      if (res.code !== 0) throw failed(res, 'installing the partition');
      const show = await runAction(target, { kind: 'show-partition', host: o.host });
      if (show.code !== 0)
        return { effect: false, reason: `no DROP rule found on ${o.host} after installing it` };
      const rules = show.stdout.split('\n').filter(Boolean);
      // The rules are in force once the partition script inserted them on the host: within its
      // round trip (src/faults/effect.ts), not when the invoke was recorded.
      return {
        effect: true,
        proof: { kind: 'rule-in-place', host: o.host, rules },
        ...effectWithin(trip, 'DROP rules inserted by the partition script'),
      };
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

/**
 * What a self-restored link's `downForS` adds to the time the runner observes (faultSpanMs): the
 * observation starts once the proof saw the host go silent, the link went down 1 s after the timer
 * was armed, and the harness' TCP watch sees it 1–3 s later (lab, over ssh).
 */
export const LINK_PROOF_S = 5;

/** `downForS` of a self-restored link that must outlast `spanMs` of observation (faultSpanMs). */
export const linkDownForS = (spanMs: number): number => Math.ceil(spanMs / 1000) + LINK_PROOF_S;

/** The host brings its link back by itself after this long unless the fault says otherwise (5 min). */
export const DEFAULT_LINK_DOWN_S = 300;

export interface LinkDownOptions {
  readonly host: string;
  readonly ip?: string;
  /** How long the host stays off the network before its own timer restores it (default 300 s). */
  readonly downForS?: number;
}

/**
 * A host's link down. When the executor reaches the host over that link (the profile has a
 * `reachability` address: ssh), the host's own timer downs the link and restores it with its
 * routes after `downForS`; the proof is seen from outside (the host's address stops answering
 * TCP), and the heal never uses the downed link: it waits (bounded) until the host answers again,
 * then runs link-up (idempotent) and checks the link state. Otherwise (the link is downed from the
 * harness machine, or the executor does not use it: lab veth, docker exec) link-state proves it
 * and link-up heals at once.
 */
export function linkDownFault(o: LinkDownOptions): Fault {
  const downForS = o.downForS ?? DEFAULT_LINK_DOWN_S;
  const down = { kind: 'link-down', host: o.host, restoreAfterS: downForS } as const;
  const state = { kind: 'link-state', host: o.host } as const;
  const isUp = (stdout: string) => /[<,]UP[,>]/.test(stdout);
  /** Seen from outside: the host's address stops answering / answers again (local commands). */
  const watch = (target: Target) => {
    const r = target.profile.reachability?.(o.host);
    if (!r) return undefined;
    const seen = `${r.address}:${r.port}`;
    return {
      seen,
      answersNow: tcpWaitCommand(r.address, r.port, 'answers', 3),
      // The link goes down 1 s after the command: allow 15 s.
      silent: tcpWaitCommand(r.address, r.port, 'silent', 15),
      // The host's timer restores it after downForS; allow 60 s more.
      back: tcpWaitCommand(r.address, r.port, 'answers', downForS + 60),
    };
  };
  const run = (target: Target, c: Command, withinS: number) =>
    target.executor.exec(c.host, c.argv, { timeoutMs: (withinS + 10) * 1000 });
  return {
    name: 'link-down',
    impact: [{ kind: 'host-offline', host: o.host }],
    aim: { host: o.host, ip: o.ip },
    summary: `network link of ${o.host} down (back by itself after ${downForS} s at the latest)`,
    plan: (target) => {
      const w = watch(target);
      const inject = step(
        target,
        'inject',
        down,
        `${o.host} is off the network; its own timer restores it after ${downForS} s`,
      );
      const up = step(
        target,
        'heal',
        { kind: 'link-up', host: o.host },
        `${o.host} back on the network, routes restored`,
      );
      const verify = step(target, 'verify-heal', state, 'link state UP');
      if (!w) return [inject, step(target, 'prove', state, 'link state DOWN'), up, verify];
      return [
        inject,
        { step: 'prove', ...w.silent, expect: `${w.seen} stops answering (seen from the harness)` },
        {
          step: 'heal',
          ...w.back,
          // The watch itself waits up to downForS + 60 s for the host's timer.
          timeoutS: downForS + 70,
          expect: `${w.seen} answers again (the host's own timer); nothing is sent over the downed link`,
        },
        up,
        verify,
      ];
    },
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const w = watch(target);
      if (w && (await run(target, w.answersNow, 3)).code !== 0)
        return { effect: false, reason: `${o.host} (${w.seen}) did not answer before the fault` };
      const res = await runAction(target, down);
      if (res.code !== 0) throw failed(res, 'taking the link down');
      if (w) {
        const gone = await run(target, w.silent, 15);
        if (gone.code !== 0)
          return { effect: false, reason: `${o.host}: ${(gone.stderr || gone.stdout).trim()}` };
        // The host downs its link a second after the command (and the command's answer travels
        // over ssh): the effect is when the outside watch first went unanswered, on this machine's
        // clock, after an answer (else unknown: measured from the invoke).
        const first = firstUnansweredAt(gone.stdout);
        const effectAt =
          first !== undefined && nowMs
            ? {
                atMs: nowMs() - (Date.now() - first),
                how: `${w.seen} first went unanswered (the host's timer downs the link 1 s after the command)`,
              }
            : undefined;
        return {
          effect: true,
          proof: { kind: 'link-down', host: o.host, link: `${w.seen} stopped answering` },
          ...(effectAt ? { effectAt } : {}),
        };
      }
      // A host-side timer downs the link a second after the command returns (kind's nodes, the
      // lab): polled every 100 ms, the effect lies between the last poll that still saw the link
      // UP (when it was sent) and the first that saw it down (when it answered).
      let upSentMs: number | undefined;
      const st = await waitFor(
        async () => {
          const { result: r, trip } = await timed(nowMs, () => runAction(target, state));
          if (r.code === 0 && !isUp(r.stdout)) return { r, trip };
          if (r.code === 0 && trip) upSentMs = trip.sentMs;
          return undefined;
        },
        { timeoutMs: 5000, intervalMs: 100, what: `link of ${o.host} to go down` },
      ).catch(() => undefined);
      if (!st) return { effect: false, reason: `link of ${o.host} is not down` };
      const link = st.r.stdout.split(':')[1]?.trim().split('@')[0] ?? o.host;
      const seen =
        st.trip && upSentMs !== undefined
          ? effectWithin(
              { sentMs: upSentMs, answeredMs: st.trip.answeredMs },
              'the link state went from UP to down between two polls',
            )
          : {};
      return { effect: true, proof: { kind: 'link-down', host: o.host, link }, ...seen };
    },
    async heal({ target }) {
      const w = watch(target);
      if (w) {
        const back = await run(target, w.back, downForS + 60);
        if (back.code !== 0)
          throw failed(
            back,
            `waiting for ${o.host} to come back (its own timer restores the link after ${downForS} s)`,
          );
      }
      // The executor may hold a session that died with the link: retry until the link is up.
      await waitFor(
        async () => {
          const res = await runAction(target, { kind: 'link-up', host: o.host });
          if (res.code !== 0) throw failed(res, 'bringing the link up');
          const s = await runAction(target, state);
          return s.code === 0 && isUp(s.stdout) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1000, what: `the link of ${o.host} to be up after link-up` },
      );
      return `link of ${o.host} up`;
    },
  };
}
