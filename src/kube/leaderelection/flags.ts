/**
 * The flags every leader-elected component takes (kube-controller-manager, kube-scheduler):
 * the upstream leader-election flags (component-base defaults) and the lab host name. The
 * secure-serving and delegated-auth flags kubeadm writes for both
 * (cmd/kubeadm/app/phases/controlplane/manifests.go: --bind-address, --authentication-kubeconfig,
 * --authorization-kubeconfig, --client-ca-file) are serving.ts's (each component's own port). Light on purpose: entry points parse flags before loading the Kubernetes
 * client.
 *
 * Leader identity (run.ts newIdentity): `<hostname>_<uuid>` as upstream
 * (cmd/kube-controller-manager/app/controllermanager.go and cmd/kube-scheduler/app/options/options.go makeLeaderElectionConfig:
 * os.Hostname() + "_" + uuid.NewUUID()); the host name is the OS host name (each lab host has its
 * own UTS name) unless --lab-hostname is given.
 */
import type { FlagSpec, FlagValues } from '../runtime/flags.ts';

const str = (help: string, def = '') => ({ type: 'string', default: def, help }) as const;

/**
 * Flags of kube-controller-manager and kube-scheduler that the lab accepts without acting on
 * them, with the reason (listed by --help as "accepted, no effect in the lab").
 */
export const COMPONENT_ACCEPTED_NO_EFFECT = {
  'requestheader-client-ca-file':
    'the secure port authenticates client certificates only (no front-proxy authentication)',
} as const satisfies Record<string, string>;

/** A string flag listed as accepted with no effect, with its reason. */
export function noEffectFlags<L extends Record<string, string>>(list: L) {
  return Object.fromEntries(
    Object.entries(list).map(([name, why]) => [name, str(`accepted, no effect in the lab: ${why}`)]),
  ) as { [K in keyof L]: ReturnType<typeof str> };
}

/** The upstream leader-election flags, the component flags above, and the lab host name. */
export function leaderElectFlags(resourceName: string) {
  return {
    'leader-elect': {
      type: 'bool',
      default: true,
      help: 'Start a leader election client and gain leadership before running the main loop.',
    },
    'leader-elect-lease-duration': {
      type: 'duration',
      default: 15_000,
      help: 'How long non-leader candidates wait after observing a leadership renewal before taking over.',
    },
    'leader-elect-renew-deadline': {
      type: 'duration',
      default: 10_000,
      help: 'How long the leader retries refreshing leadership before it stops leading.',
    },
    'leader-elect-retry-period': {
      type: 'duration',
      default: 2_000,
      help: 'How long clients wait between attempts of acquisition and renewal of a leadership.',
    },
    'leader-elect-resource-lock': {
      type: 'string',
      default: 'leases',
      help: 'Lock object type; only leases.',
    },
    'leader-elect-resource-namespace': {
      type: 'string',
      default: 'kube-system',
      help: 'Namespace of the lock object.',
    },
    'leader-elect-resource-name': { type: 'string', default: resourceName, help: 'Name of the lock object.' },
    ...noEffectFlags(COMPONENT_ACCEPTED_NO_EFFECT),
    'lab-hostname': {
      type: 'string',
      default: '',
      help: 'Lab-only: host name in the leader identity <hostname>_<uuid> (default: the OS host name, as upstream).',
    },
  } as const satisfies Record<string, FlagSpec>;
}

export type LeaderElectValues = FlagValues<ReturnType<typeof leaderElectFlags>>;
