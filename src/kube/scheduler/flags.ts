/**
 * kube-scheduler's flags: it has none of its own beyond what every leader-elected component
 * takes (leaderelection/flags.ts: leader election, --bind-address, --authentication-kubeconfig,
 * --authorization-kubeconfig, as kubeadm writes them: kubernetes/kubernetes
 * cmd/kubeadm/app/phases/controlplane/manifests.go getSchedulerCommand) and --kubeconfig.
 */
import { leaderElectFlags } from '../leaderelection/flags.ts';
import { KUBECONFIG_FLAG } from '../runtime/component.ts';
import type { FlagSpec } from '../runtime/flags.ts';

export const FLAGS = {} as const satisfies Record<string, FlagSpec>;

/** Every flag the process takes, as leaderelection/component.ts assembles them. */
export const ALL_FLAGS = {
  kubeconfig: KUBECONFIG_FLAG,
  ...FLAGS,
  ...leaderElectFlags('kube-scheduler'),
} as const satisfies Record<string, FlagSpec>;
