/**
 * The scenario catalogue: one module per scenario, each carrying its fault, probes, recovery
 * criteria, default SLOs, informational measurements and expected-window rules
 * (src/runner/scenario.ts). Adding a scenario = its module + one entry here. `all` runs them in
 * this order; the CLI and the config file know scenario names only from this list.
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
    lbStop,
    kubeletStop,
    leaderKill,
    etcdRestore,
    etcdDiskLatency,
    networkDegrade,
    rollingRestart,
    etcdMemberReplace,
    certExpiry,
  ].map((s) => [s.name, s]),
);
