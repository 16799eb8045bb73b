/**
 * Renders the apiserver command line from lab inputs (the lab config's ApiserverTimings plus
 * addresses and certificate paths), so `lab up` and the drills' expected windows use the same
 * values. `apiserverCommand` returns argv for spawning with the current node binary.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiserverTimings } from '../config.ts';

/** Absolute path of the entry point. */
export const APISERVER_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');

/**
 * Node options for the apiserver process: a small young generation keeps RSS near 90 MB idle and
 * under ~120 MB under load (default semi-spaces cost ~20 MB more), at a negligible GC cost.
 */
export const APISERVER_NODE_OPTIONS = ['--max-semi-space-size=2'];

export interface ApiserverArgsInput {
  readonly advertiseAddress: string;
  /** Default: the advertise address. */
  readonly bindAddress?: string;
  /** Default 6443. */
  readonly securePort?: number;
  /** The local member only, as kubeadm's stacked topology does. */
  readonly etcdServers: readonly string[];
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  readonly clientCaFile?: string;
  readonly tokenAuthFile?: string;
  readonly timings: ApiserverTimings;
  readonly endpointReconcilerType?: 'lease' | 'none';
  /** Name hashed into the identity Lease name (e.g. the lab host name, cp1). */
  readonly identityHostname?: string;
  readonly logRequests?: boolean;
}

/** The flags (without node or the entry point). */
export function apiserverArgs(i: ApiserverArgsInput): string[] {
  const t = i.timings;
  return [
    `--advertise-address=${i.advertiseAddress}`,
    `--bind-address=${i.bindAddress ?? i.advertiseAddress}`,
    `--secure-port=${i.securePort ?? 6443}`,
    `--etcd-servers=${i.etcdServers.join(',')}`,
    `--tls-cert-file=${i.tlsCertFile}`,
    `--tls-private-key-file=${i.tlsPrivateKeyFile}`,
    ...(i.clientCaFile ? [`--client-ca-file=${i.clientCaFile}`] : []),
    ...(i.tokenAuthFile ? [`--token-auth-file=${i.tokenAuthFile}`] : []),
    `--endpoint-reconciler-type=${i.endpointReconcilerType ?? 'lease'}`,
    `--shutdown-delay-duration=${t.shutdownDelayS}s`,
    `--default-not-ready-toleration-seconds=${t.defaultNotReadyTolerationS}`,
    `--default-unreachable-toleration-seconds=${t.defaultUnreachableTolerationS}`,
    `--master-lease-ttl=${t.masterLeaseTtlS}s`,
    `--endpoint-reconciler-interval=${t.endpointReconcileIntervalS}s`,
    `--identity-lease-duration-seconds=${t.identityLeaseDurationS}`,
    `--identity-lease-renew-interval-seconds=${t.identityLeaseRenewIntervalS}`,
    ...(i.identityHostname ? [`--identity-hostname=${i.identityHostname}`] : []),
    ...(i.logRequests ? ['--log-requests'] : []),
  ];
}

/** `{ command, args }` to spawn the apiserver: node [options] --import tsx main.ts FLAGS. */
export function apiserverCommand(i: ApiserverArgsInput): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [...APISERVER_NODE_OPTIONS, '--import', 'tsx', APISERVER_MAIN, ...apiserverArgs(i)],
  };
}
