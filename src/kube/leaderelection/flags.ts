/**
 * The upstream leader-election flags (component-base defaults) plus the lab host name. Light on
 * purpose: entry points parse flags before loading the Kubernetes client.
 */
import type { FlagSpec, FlagValues } from '../runtime/flags.ts';

/** The upstream leader-election flags (component-base defaults) plus the lab host name. */
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
    'lab-hostname': {
      type: 'string',
      default: '',
      help: 'Host name used in the leader identity <hostname>_<uuid> (default: os.hostname()).',
    },
  } as const satisfies Record<string, FlagSpec>;
}

export type LeaderElectValues = FlagValues<ReturnType<typeof leaderElectFlags>>;
