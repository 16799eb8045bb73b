/**
 * etcd-restore: the quarterly DR drill (seeds: `etcdctl snapshot save`, destroy, `snapshot
 * restore` with a new cluster token on every member, restart). The write probe keeps writing
 * through the LB while the snapshot is taken and for a few seconds after; it stops when the
 * control plane is stopped, so every acknowledged write falls either before the snapshot (must
 * survive: rpo_pre_snapshot_lost_writes = 0) or after it (must be gone: rpo_lost_writes equals
 * the post-snapshot acks, its expected window). rto_s runs from the fault's effect, the
 * disaster's first stop (not the invoke: the snapshot and `POST_SNAPSHOT_MS` of service come
 * first), to 3 s of sustained API success.
 *
 * `--member` picks the member the snapshot is taken through (default: the first).
 */
import { noWindow } from '../src/analysis/expected.ts';
import { etcdRestoreFault } from '../src/faults/etcd-restore.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import type { Probe } from '../src/probes/types.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { apiRecovered } from '../src/runner/recovery.ts';
import type { Scenario, ScenarioContext } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import { eventsOf } from '../src/timeline/events.ts';
import { UserError } from '../src/util/errors.ts';
import { pickMember } from './pick.ts';

/** Service after the snapshot: the window of writes the restore loses (≈ 10 writes at 200 ms). */
export const POST_SNAPSHOT_MS = 2000;

/** Per run: stops the write probe at the disaster (the fault and the probes share the context). */
const disaster = new WeakMap<ScenarioContext, AbortController>();
const disasterOf = (ctx: ScenarioContext): AbortController => {
  let c = disaster.get(ctx);
  if (!c) {
    c = new AbortController();
    disaster.set(ctx, c);
  }
  return c;
};

/** The probe, stopped early when `stop` aborts. */
export function until(probe: Probe, stop: AbortSignal): Probe {
  return {
    name: probe.name,
    run: (ctx) => probe.run({ ...ctx, signal: AbortSignal.any([ctx.signal, stop]) }),
  };
}

export const etcdRestore: Scenario = {
  name: 'etcd-restore',
  description:
    "DR drill: snapshot etcd, keep writing, destroy every member's data, restore all from the snapshot; RTO and RPO",
  defaultSlos: sloDefaults([
    ['rto_s', '<', 600],
    // Exactly the writes acknowledged after the snapshot are gone.
    ['rpo_lost_writes', '==', 'expected'],
    ['rpo_pre_snapshot_lost_writes', '<=', 0],
  ]),
  informational: ['rpo_window_s'],
  // A restore loses the post-snapshot writes by design: no "HA loses nothing" window. The exact
  // expected count comes from the snapshot events (src/analysis/rpo.ts).
  windows: { rpo_lost_writes: noWindow },
  destructive:
    "stops every kube-apiserver and etcd member, destroys every member's data and restores it from a snapshot: the whole control plane is down for the restore and every write after the snapshot is lost",
  async fault(ctx) {
    const t = ctx.target.topology;
    if (t.etcd.length === 0) throw new UserError(`target ${t.name} lists no etcd member`);
    const from = ctx.options.member ? pickMember(t, ctx.options.member) : t.etcd[0]!;
    return etcdRestoreFault({
      members: t.etcd.map((e) => ({ host: e.host, member: e.member })),
      apiservers: t.apiservers.map((a) => a.host),
      snapshotFrom: { host: from.host, member: from.member },
      token: `ha-drill-restore-${ctx.runId}`,
      postSnapshotMs: POST_SNAPSHOT_MS,
      sink: ctx.sink,
      onDisaster: () => disasterOf(ctx).abort(),
      keepSnapshot: ctx.options.keepSnapshot,
      ...(ctx.untilDetected ? { untilDetected: ctx.untilDetected } : {}),
    });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    readyzProbe(),
    etcdProbe(),
    until(writeProbe(ctx.runId), disasterOf(ctx).signal),
  ],
  recovered(events, at, ctx) {
    const failed = eventsOf(events, 'api.request').some((e) => e.atMs >= at && e.target === 'lb' && !e.ok);
    return failed && apiRecovered(events, at, ctx.sustained);
  },
  // The restore runs inside the inject; after it the apiservers need a few seconds to serve.
  // The disaster inside the inject: every apiserver stopped first and started last (APIServerDown
  // for each; all back before the heal, so its resolution comes before the heal: clearS from
  // -120 s). etcd is down for a shorter part of it (stop, wipe, restore, start): whether
  // etcdInsufficientMembers fires depends on that length against its `for` (3m as written), so it
  // is allowed, not expected. (The mixin's KubeAPIDown is `absent(up{job="apiserver"})`: with
  // static targets `up` never disappears.)
  alerts: () => ({
    expected: [{ alert: 'APIServerDown', conditionS: { min: 0, max: 30 }, clearS: { min: -120, max: 30 } }],
    allowed: ['etcdInsufficientMembers', 'EtcdClusterUnavailable', 'etcdNoLeader', 'KubeletDown'],
  }),
  observeMs: () => 120_000,
};
