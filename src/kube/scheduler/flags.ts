/**
 * kube-scheduler's flags: its secure port (serving.ts) and what every leader-elected component
 * takes (leaderelection/flags.ts: leader election, --bind-address, --authentication-kubeconfig,
 * --authorization-kubeconfig, as kubeadm writes them: kubernetes/kubernetes
 * cmd/kubeadm/app/phases/controlplane/manifests.go getSchedulerCommand) and --kubeconfig.
 */
import { leaderElectFlags } from '../leaderelection/flags.ts';
import { secureServingFlags } from '../leaderelection/serving.ts';
import { KUBECONFIG_FLAG } from '../runtime/component.ts';
import type { FlagSpec } from '../runtime/flags.ts';

/** --bind-address, --secure-port (10259): the health paths over HTTPS (serving.ts). */
export const FLAGS = { ...secureServingFlags(10259) } as const satisfies Record<string, FlagSpec>;

/** Every flag the process takes, as leaderelection/component.ts assembles them. */
export const ALL_FLAGS = {
  kubeconfig: KUBECONFIG_FLAG,
  ...FLAGS,
  ...leaderElectFlags('kube-scheduler'),
} as const satisfies Record<string, FlagSpec>;
