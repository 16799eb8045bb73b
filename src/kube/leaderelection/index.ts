/**
 * Leader election for the lab's controller-manager and scheduler, as client-go does it on a
 * coordination.k8s.io/v1 Lease. Concepts: a ResourceLock (LeaseLock) stores the LeaderElectionRecord;
 * a LeaderElector runs acquire → lead → renew and reports through callbacks; `runLeaderElected` wires it
 * into a process (identity `<hostname>_<uuid>`, exit codes) and `runLeaderElectedComponent` is a whole
 * leader-elected component (flags, clients, signals).
 */
export { runLeaderElectedComponent } from './component.ts';
export type { Clock, LeaderCallbacks, LeaderElectionConfig } from './elector.ts';
export { LeaderElector, realClock, validateTimings } from './elector.ts';
export { type LeaderElectValues, leaderElectFlags } from './flags.ts';
export { LeaseLock } from './leaselock.ts';
export type { LeaderElectionRecord, ResourceLock } from './lock.ts';
export { newIdentity, runLeaderElected } from './run.ts';
