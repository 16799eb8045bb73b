/**
 * The DR drill as a fault: snapshot etcd through one member (recorded as `snapshot.invoke` /
 * `snapshot.done` with the revision), copy the snapshot to every member's host, keep the cluster
 * serving for `postSnapshotMs` (the writes acknowledged then are the ones a restore must lose),
 * stop the control plane (every kube-apiserver, then every etcd), destroy every member's data,
 * restore every member from the snapshot with a new cluster token (same member names and peer
 * URLs, so etcd starts with its usual command line), start etcd and the apiservers again.
 *
 * Proof: every member's data dir was destroyed. Effect (where the measurements start): the
 * disaster's first stop (an apiserver's, they go first), within its command's round trip; not
 * the snapshot the inject begins with, nor the copies and the service after it. Heal
 * (idempotent, executor only): for each member whose etcd is not running, restore from the
 * snapshot if its data is gone, start it; then start every apiserver that is not running.
 * Every journaled step replays: `restore-etcd` succeeds on the member its own restore produced
 * (marker with the token) and, as a heal, keeps member data that was never wiped; `start`
 * succeeds on a running component. Not covered: a harness killed between two members' wipes
 * leaves old data beside restored members (different cluster IDs). Everything goes through the
 * host profile's actions.
 */
import type { Action, Component, Target } from '../targets/types.ts';
import type { EventSink } from '../timeline/recorder.ts';
import { sleep, waitFor } from '../util/time.ts';
import { effectWithin, type RoundTrip, timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, type PlanStep, runAction, step } from './types.ts';

export interface RestoreMember {
  readonly host: string;
  readonly member: string;
}

export interface EtcdRestoreOptions {
  readonly members: readonly RestoreMember[];
  /** Hosts running a kube-apiserver (stopped before etcd, started after it). */
  readonly apiservers: readonly string[];
  /** The member whose host takes the snapshot. */
  readonly snapshotFrom: RestoreMember;
  /** New `--initial-cluster-token` of the restored cluster. */
  readonly token: string;
  /** How long the cluster keeps serving after the snapshot before the disaster. */
  readonly postSnapshotMs: number;
  /** Where snapshot.invoke/done and step notes go (the scenario's sink). */
  readonly sink: EventSink;
  /** Called right before the control plane is stopped (the scenario stops its write probe). */
  readonly onDisaster?: () => void;
  /** `--keep-snapshot`: the heal keeps the snapshot copies (0600) and says where, instead of removing them. */
  readonly keepSnapshot?: boolean;
  /** `--hold-until-detected`: resolves when the disaster may end (src/runner/scenario.ts `untilDetected`). */
  readonly untilDetected?: (effectMs: number) => Promise<void>;
}

/** A component the disaster stopped, with its stop command's round trip. */
interface Stopped {
  readonly host: string;
  readonly component: Component;
  readonly trip?: RoundTrip;
  /** The stop command's output (its host-timing line, src/faults/effect.ts). */
  readonly stdout: string;
}

interface SnapshotStatus {
  readonly hash?: number;
  readonly revision?: number;
  readonly totalKey?: number;
  readonly totalSize?: number;
}

export function parseSnapshotStatus(stdout: string): SnapshotStatus {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (!line) throw new Error(`no snapshot status in etcdctl output: ${stdout.slice(0, 200)}`);
  return JSON.parse(line) as SnapshotStatus;
}

/** The disaster's first stop (the earliest sent), whose round trip holds the outage's start. */
function firstStop(stopped: readonly Stopped[]): Stopped | undefined {
  return stopped.reduce<Stopped | undefined>(
    (a, s) => (s.trip && (!a?.trip || s.trip.sentMs < a.trip.sentMs) ? s : a),
    undefined,
  );
}

export function etcdRestoreFault(o: EtcdRestoreOptions): Fault {
  const hosts = o.members.map((m) => m.host);
  const running = (host: string, component: Component) => ({ kind: 'running', host, component }) as const;
  const must = async (target: Target, a: Action, what: string, timeoutMs = 60_000) => {
    const res = await runAction(target, a, timeoutMs);
    // The snapshot's bytes (every Secret of the cluster) never go into an error.
    if (res.code !== 0) throw failed(res, what, { stdoutIsData: a.kind === 'read-etcd-snapshot' });
    return res;
  };
  /** Stops `component` on every host at once; returns each stop command's round trip (run clock). */
  const stopAll = async (
    target: Target,
    component: Component,
    on: readonly string[],
    nowMs?: () => number,
  ): Promise<Stopped[]> => {
    const stopped = await Promise.all(
      on.map(async (host): Promise<Stopped | undefined> => {
        if ((await runAction(target, running(host, component))).code !== 0) return undefined;
        const { result, trip } = await timed(nowMs, () =>
          must(target, { kind: 'stop', host, component, signal: 'TERM' }, `stopping ${component}`),
        );
        await waitFor(
          async () => ((await runAction(target, running(host, component))).code !== 0 ? true : undefined),
          { timeoutMs: 30_000, intervalMs: 100, what: `${component} on ${host} to exit` },
        );
        return { host, component, trip, stdout: result.stdout };
      }),
    );
    return stopped.filter((s) => s !== undefined);
  };
  const startAll = async (target: Target, component: Component, on: readonly string[]) => {
    await Promise.all(
      on.map(async (host) => {
        if ((await runAction(target, running(host, component))).code === 0) return;
        await must(target, { kind: 'start', host, component }, `starting ${component}`);
      }),
    );
  };
  /** Copies the snapshot file from the snapshot host to every other member's host. */
  const distribute = async (target: Target) => {
    const read = await must(
      target,
      { kind: 'read-etcd-snapshot', host: o.snapshotFrom.host },
      'reading the snapshot',
    );
    for (const host of hosts.filter((h) => h !== o.snapshotFrom.host)) {
      const res = await runAction(target, { kind: 'write-etcd-snapshot', host }, 60_000, read.stdout);
      if (res.code !== 0) throw failed(res, `copying the snapshot to ${host}`);
    }
  };
  const restore = async (target: Target, m: RestoreMember, foreignData: 'refuse' | 'keep' = 'refuse') =>
    must(
      target,
      { kind: 'restore-etcd', host: m.host, member: m.member, token: o.token, foreignData },
      `restoring ${m.member}`,
    );

  return {
    name: 'etcd-restore',
    // The DR drill takes the whole control plane down on purpose (the interlocks allow it).
    declaresOutage: true,
    impact: [
      ...hosts.map((host) => ({ kind: 'etcd-member', host }) as const),
      ...o.apiservers.map((host) => ({ kind: 'apiserver', host }) as const),
    ],
    aim: { host: hosts.join(','), member: o.snapshotFrom.member },
    summary: `snapshot etcd via ${o.snapshotFrom.member}, destroy every member's data, restore all from the snapshot`,
    plan(target): PlanStep[] {
      const t = target;
      return [
        step(
          t,
          'inject',
          { kind: 'etcd-snapshot', host: o.snapshotFrom.host },
          'snapshot saved; prints its revision',
        ),
        step(
          t,
          'inject',
          { kind: 'read-etcd-snapshot', host: o.snapshotFrom.host },
          'snapshot bytes (base64)',
        ),
        ...hosts
          .filter((h) => h !== o.snapshotFrom.host)
          .map((host) => step(t, 'inject', { kind: 'write-etcd-snapshot', host }, 'snapshot copied (stdin)')),
        ...o.apiservers.map((host) =>
          step(
            t,
            'inject',
            { kind: 'stop', host, component: 'kube-apiserver', signal: 'TERM' },
            'apiserver stopped',
          ),
        ),
        ...hosts.map((host) =>
          step(t, 'inject', { kind: 'stop', host, component: 'etcd', signal: 'TERM' }, 'etcd stopped'),
        ),
        ...hosts.map((host) => step(t, 'inject', { kind: 'wipe-etcd-data', host }, 'data dir destroyed')),
        ...hosts.map((host) =>
          step(t, 'prove', { kind: 'etcd-data-state', host }, 'exits 1: no member data'),
        ),
        ...o.members.map((m) =>
          step(
            t,
            'inject',
            { kind: 'restore-etcd', host: m.host, member: m.member, token: o.token },
            'data dir restored',
          ),
        ),
        ...hosts.map((host) =>
          step(t, 'inject', { kind: 'start', host, component: 'etcd' }, 'etcd runs on the restored data'),
        ),
        ...o.apiservers.map((host) =>
          step(t, 'inject', { kind: 'start', host, component: 'kube-apiserver' }, 'apiserver runs'),
        ),
        // The heal, replayable by `drill recover`: every step is idempotent.
        ...o.members.map((m) =>
          step(
            t,
            'heal',
            { kind: 'restore-etcd', host: m.host, member: m.member, token: o.token, foreignData: 'keep' },
            'restores a member whose data is gone; its own restore or data never wiped is kept (exit 0)',
          ),
        ),
        ...hosts.map((host) => step(t, 'heal', { kind: 'start', host, component: 'etcd' }, 'etcd runs')),
        ...o.apiservers.map((host) =>
          step(t, 'heal', { kind: 'start', host, component: 'kube-apiserver' }, 'apiserver runs'),
        ),
        // Last: the snapshot copies go (they hold every Secret), once every member runs again.
        ...hosts.map((host) =>
          o.keepSnapshot
            ? step(
                t,
                'heal',
                { kind: 'keep-etcd-snapshot', host },
                'the snapshot copy kept (0600); prints its path',
              )
            : step(t, 'heal', { kind: 'remove-etcd-snapshot', host }, 'the snapshot copy removed'),
        ),
        ...hosts.map((host) => step(t, 'verify-heal', running(host, 'etcd'), 'exits 0: etcd runs')),
      ];
    },
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      o.sink.record({ type: 'snapshot.invoke', member: o.snapshotFrom.member });
      const snap = await must(
        target,
        { kind: 'etcd-snapshot', host: o.snapshotFrom.host },
        'taking the snapshot',
      );
      const st = parseSnapshotStatus(snap.stdout);
      o.sink.record({
        type: 'snapshot.done',
        member: o.snapshotFrom.member,
        ...(st.revision !== undefined ? { revision: st.revision } : {}),
        ...(st.totalSize !== undefined ? { bytes: st.totalSize } : {}),
      });
      await distribute(target);
      await sleep(o.postSnapshotMs);
      o.onDisaster?.();
      o.sink.note('disaster: stopping every kube-apiserver and etcd member');
      const stopped = [
        ...(await stopAll(target, 'kube-apiserver', o.apiservers, nowMs)),
        ...(await stopAll(target, 'etcd', hosts, nowMs)),
      ];
      const paths: string[] = [];
      for (const host of hosts) {
        paths.push(
          (await must(target, { kind: 'wipe-etcd-data', host }, 'destroying etcd data')).stdout.trim(),
        );
        if ((await runAction(target, { kind: 'etcd-data-state', host })).code === 0)
          return { effect: false, reason: `the etcd data on ${host} is still there after wiping it` };
      }
      // --hold-until-detected: the disaster stays in place until its expected alerts fired (or their
      // windows passed), measured from its first stop, before the restore ends it.
      if (o.untilDetected) {
        const first = firstStop(stopped);
        o.sink.note('holding the disaster until its expected alerts fired (--hold-until-detected)');
        const at = first ? effectWithin(first.trip, 'first stop', first.stdout).effectAt?.atMs : undefined;
        await o.untilDetected(at ?? nowMs?.() ?? 0);
      }
      o.sink.note(`every member's data destroyed; restoring from the snapshot (token ${o.token})`, { paths });
      for (const m of o.members) await restore(target, m);
      await startAll(target, 'etcd', hosts);
      await startAll(target, 'kube-apiserver', o.apiservers);
      o.sink.note('etcd and every kube-apiserver started on the restored data');
      // The outage starts with the disaster's first stop (the apiservers go first), not with the
      // snapshot the inject began with: that stop's round trip holds the effect (src/faults/effect.ts).
      const earliest = firstStop(stopped);
      return {
        effect: true,
        proof: { kind: 'data-destroyed', host: hosts.join(','), path: paths.join(',') },
        ...(earliest
          ? effectWithin(
              earliest.trip,
              `the disaster's first stop: SIGTERM sent to ${earliest.component} on ${earliest.host} by its stop command`,
              earliest.stdout,
            )
          : {}),
      };
    },
    async heal({ target }) {
      const restored: string[] = [];
      for (const m of o.members) {
        if ((await runAction(target, running(m.host, 'etcd'))).code === 0) continue;
        if ((await runAction(target, { kind: 'etcd-data-state', host: m.host })).code !== 0) {
          await restore(target, m, 'keep');
          restored.push(m.member);
        }
      }
      await startAll(target, 'etcd', hosts);
      await startAll(target, 'kube-apiserver', o.apiservers);
      for (const host of hosts) {
        if ((await runAction(target, running(host, 'etcd'))).code !== 0)
          throw new Error(`etcd on ${host} did not stay up after the heal`);
      }
      // Every member runs on its data: the snapshot copies (every Secret of the cluster) go,
      // unless asked to keep them (then: where).
      const kept: string[] = [];
      for (const host of hosts) {
        if (!o.keepSnapshot)
          await must(target, { kind: 'remove-etcd-snapshot', host }, 'removing the snapshot');
        else {
          const at = (
            await must(target, { kind: 'keep-etcd-snapshot', host }, 'keeping the snapshot')
          ).stdout.trim();
          if (at) kept.push(`${host}:${at}`);
        }
      }
      const snapshots = o.keepSnapshot
        ? `; snapshot kept (0600, every Secret of the cluster: remove it when done) at ${kept.join(', ') || 'no host'}`
        : '';
      return restored.length
        ? `restored ${restored.join(', ')} from the snapshot; etcd and apiservers running${snapshots}`
        : `etcd and every apiserver running${snapshots}`;
    },
  };
}
