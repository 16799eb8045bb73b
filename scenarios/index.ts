/**
 * The scenario catalogue: one module per scenario, each carrying its fault, probes, recovery
 * criteria, default SLOs, informational measurements and expected-window rules
 * (src/runner/scenario.ts). Adding a scenario = its module + one entry here. `all` runs them in
 * this order; the CLI and the config file know scenario names only from this list.
 * lb-stop comes last: its heal gives the VIP back to its first holder (keepalived preempts), and a
 * watch that re-opened through the backup meanwhile is left on a connection that leads nowhere
 * until its client's idle timeout (the `vip-failback` finding). Run right after it, kubelet-stop's
 * workload waited 9–10 s on `seeds` for a kubelet to see its pods (1 s otherwise), and npm test's
 * lb-stop files run late for the same reason (scripts/test.mjs LATE_LAB_MARKER).
 */
import type { Scenario } from '../src/runner/scenario.ts';
import { apiserverKill } from './apiserver-kill.ts';
import { certExpiry } from './cert-expiry.ts';
import { etcdDiskLatency } from './etcd-disk-latency.ts';
import { etcdMemberReplace } from './etcd-member-replace.ts';
import { etcdPartition } from './etcd-partition.ts';
import { etcdRestore } from './etcd-restore.ts';
import { kubeletStop } from './kubelet-stop.ts';
import { lbStop } from './lb-stop.ts';
import { leaderKill } from './leader-kill.ts';
import { networkDegrade } from './network-degrade.ts';
import { rollingRestart } from './rolling-restart.ts';

export const SCENARIO_CATALOGUE: ReadonlyMap<string, Scenario> = new Map(
  [
    apiserverKill,
    etcdPartition,
    kubeletStop,
    leaderKill,
    etcdRestore,
    etcdDiskLatency,
    networkDegrade,
    rollingRestart,
    etcdMemberReplace,
    certExpiry,
    lbStop,
  ].map((s) => [s.name, s]),
);
