/**
 * kube-controller-manager's own flags (the node lifecycle controller's, upstream names and
 * defaults) and the flags kubeadm writes that the lab accepts without acting on them
 * (kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/manifests.go
 * getControllerManagerCommand; with a pod subnet kubeadm adds --allocate-node-cidrs,
 * --cluster-cidr and --service-cluster-ip-range). --kubeconfig and the leader-election and
 * secure-serving flags are added by leaderelection/component.ts (leaderelection/flags.ts).
 */

import { leaderElectFlags, noEffectFlags } from '../leaderelection/flags.ts';
import { secureServingFlags } from '../leaderelection/serving.ts';
import { KUBECONFIG_FLAG } from '../runtime/component.ts';
import type { FlagSpec } from '../runtime/flags.ts';

export const CONTROLLER_MANAGER_ACCEPTED_NO_EFFECT = {
  'root-ca-file': 'no service-account token controller (no ServiceAccount tokens or root CA ConfigMaps)',
  'service-account-private-key-file': 'no service-account token controller',
  'use-service-account-credentials': 'every controller uses the --kubeconfig identity',
  'cluster-signing-cert-file': 'no CSR signing controller',
  'cluster-signing-key-file': 'no CSR signing controller',
  controllers:
    'the lab runs its fixed set: node lifecycle, taint eviction, ReplicaSet (bootstrapsigner/tokencleaner absent)',
  'cluster-name': 'only used by cloud providers upstream; the lab has none',
  'allocate-node-cidrs': 'no pod network: nodes get no podCIDR',
  'cluster-cidr': 'no pod network: nodes get no podCIDR',
  'service-cluster-ip-range': 'no IPAM controllers in the lab',
} as const satisfies Record<string, string>;

export const FLAGS = {
  'node-monitor-period': {
    type: 'duration',
    default: 5_000,
    min: 1,
    help: 'Period of the node health check.',
  },
  'node-monitor-grace-period': {
    type: 'duration',
    default: 40_000,
    min: 1,
    help: 'How long a node may be unresponsive before it is marked Unknown (lab/seeds 40s; upstream 50s since v1.32).',
  },
  'node-startup-grace-period': {
    type: 'duration',
    default: 60_000,
    help: 'How long a starting node may be unresponsive before it is marked unhealthy.',
  },
  'node-eviction-rate': {
    type: 'number',
    default: 0.1,
    min: 0,
    help: 'Nodes per second NoExecute-tainted in a healthy zone.',
  },
  'secondary-node-eviction-rate': {
    type: 'number',
    default: 0.01,
    min: 0,
    help: 'Nodes per second NoExecute-tainted in a partially disrupted zone of a large cluster.',
  },
  'large-cluster-size-threshold': {
    type: 'int',
    default: 50,
    help: 'Zone size above which the secondary rate applies.',
  },
  'unhealthy-zone-threshold': {
    type: 'number',
    default: 0.55,
    min: 0,
    help: 'Fraction of not-Ready nodes (at least 3) that makes a zone partially disrupted.',
  },
  ...secureServingFlags(10257),
  ...noEffectFlags(CONTROLLER_MANAGER_ACCEPTED_NO_EFFECT),
} as const satisfies Record<string, FlagSpec>;

/** Every flag the process takes, as leaderelection/component.ts assembles them. */
export const ALL_FLAGS = {
  kubeconfig: KUBECONFIG_FLAG,
  ...FLAGS,
  ...leaderElectFlags('kube-controller-manager'),
} as const satisfies Record<string, FlagSpec>;
