/**
 * Network faults: an iptables partition of ports on one host (proof: the rules are in place;
 * heal: remove the chain), and a host's link taken down (proof: the link is down; heal: up).
 */
import net from 'node:net';
import type { PartitionSpec } from '../targets/partition.ts';
import { waitFor } from '../util/time.ts';
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

/** The host brings its link back by itself after this long unless the fault says otherwise (5 min). */
export const DEFAULT_LINK_DOWN_S = 300;

/** True when a TCP connection to address:port opens within `timeoutMs` (the host answers). */
export function tcpAnswers(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export interface LinkDownOptions {
  readonly host: string;
  readonly ip?: string;
  /** How long the host stays off the network before its own timer restores it (default 300 s). */
  readonly downForS?: number;
  /** Injectable for tests; default a real TCP connect. */
  readonly answers?: (address: string, port: number) => Promise<boolean>;
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
  const answers = o.answers ?? ((a: string, p: number) => tcpAnswers(a, p));
  const down = { kind: 'link-down', host: o.host, restoreAfterS: downForS } as const;
  const state = { kind: 'link-state', host: o.host } as const;
  let injectedAt: number | undefined;
  const isUp = (stdout: string) => /[<,]UP[,>]/.test(stdout);
  return {
    name: 'link-down',
    impact: [{ kind: 'host-offline', host: o.host }],
    aim: { host: o.host, ip: o.ip },
    summary: `network link of ${o.host} down (back by itself after ${downForS} s at the latest)`,
    plan: (target) => {
      const reach = target.profile.reachability?.(o.host);
      const seen = reach ? `${reach.address}:${reach.port}` : undefined;
      return [
        step(
          target,
          'inject',
          down,
          `${o.host} is off the network; its own timer restores it after ${downForS} s`,
        ),
        seen
          ? { step: 'prove', host: 'local', argv: ['tcp-connect', seen], expect: `${seen} stops answering` }
          : step(target, 'prove', state, 'link state DOWN'),
        ...(seen
          ? [
              {
                step: 'heal',
                host: 'local',
                argv: ['tcp-connect', seen],
                expect: `wait until ${seen} answers again`,
              } as const,
            ]
          : []),
        step(
          target,
          'heal',
          { kind: 'link-up', host: o.host },
          `${o.host} back on the network, routes restored`,
        ),
        step(target, 'verify-heal', state, 'link state UP'),
      ];
    },
    async inject({ target }): Promise<InjectOutcome> {
      const reach = target.profile.reachability?.(o.host);
      if (reach && !(await answers(reach.address, reach.port)))
        return {
          effect: false,
          reason: `${o.host} (${reach.address}:${reach.port}) did not answer before the fault`,
        };
      const res = await runAction(target, down);
      if (res.code !== 0) throw failed(res, 'taking the link down');
      injectedAt = Date.now();
      if (reach) {
        // Two failed connects in a row, within 15 s (the link goes down 1 s after the command).
        let misses = 0;
        const gone = await waitFor(
          async () => {
            misses = (await answers(reach.address, reach.port)) ? 0 : misses + 1;
            return misses >= 2 ? true : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 200, what: `${o.host} to stop answering` },
        ).catch(() => false);
        if (!gone)
          return {
            effect: false,
            reason: `${o.host} (${reach.address}:${reach.port}) still answers after link-down`,
          };
        return {
          effect: true,
          proof: {
            kind: 'link-down',
            host: o.host,
            link: `${reach.address}:${reach.port} stopped answering`,
          },
        };
      }
      // A host-side timer downs the link a second after the command returns (kind's nodes).
      const st = await waitFor(
        async () => {
          const r = await runAction(target, state);
          return r.code === 0 && !isUp(r.stdout) ? r : undefined;
        },
        { timeoutMs: 5000, intervalMs: 100, what: `link of ${o.host} to go down` },
      ).catch(() => undefined);
      if (!st) return { effect: false, reason: `link of ${o.host} is not down` };
      const link = st.stdout.split(':')[1]?.trim().split('@')[0] ?? o.host;
      return { effect: true, proof: { kind: 'link-down', host: o.host, link } };
    },
    async heal({ target }) {
      const reach = target.profile.reachability?.(o.host);
      if (reach) {
        // The host's timer brings it back by injectedAt + downForS; allow 60 s more.
        const deadline = (injectedAt ?? Date.now()) + (downForS + 60) * 1000;
        await waitFor(async () => ((await answers(reach.address, reach.port)) ? true : undefined), {
          timeoutMs: Math.max(deadline - Date.now(), 5000),
          intervalMs: 500,
          what: `${o.host} (${reach.address}:${reach.port}) to answer again (its own timer restores the link after ${downForS} s)`,
        });
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
