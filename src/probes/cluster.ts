/**
 * Watch-based probes of cluster state: the `kubernetes` Service endpoints (Endpoints and
 * EndpointSlice), the leader-election Leases, Nodes (Ready condition and taints) and the drill
 * workload's pods. Each records an event only when what it tracks changes.
 */
import type { V1EndpointSlice, V1Endpoints, V1Lease, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ConditionStatus, Taint } from '../timeline/events.ts';
import type { Probe } from './types.ts';
import { resilientWatch } from './watch.ts';

function onChange<K>(): (key: K, value: string) => boolean {
  const last = new Map<K, string>();
  return (key, value) => {
    if (last.get(key) === value) return false;
    last.set(key, value);
    return true;
  };
}

export function endpointsProbe(): Probe {
  return {
    name: 'endpoints',
    async run(ctx) {
      const changed = onChange<string>();
      const record = (resource: 'Endpoints' | 'EndpointSlice', name: string, ips: string[]) => {
        const sorted = [...new Set(ips)].sort();
        if (changed(`${resource}/${name}`, sorted.join(','))) {
          ctx.sink.record({ type: 'endpoints', resource, name, ips: sorted });
        }
      };
      await Promise.all([
        resilientWatch<V1Endpoints>(ctx, {
          name: 'endpoints/default/kubernetes',
          path: '/api/v1/namespaces/default/endpoints',
          query: { fieldSelector: 'metadata.name=kubernetes' },
          onObject: (ep, deleted) =>
            record(
              'Endpoints',
              ep.metadata?.name ?? 'kubernetes',
              deleted ? [] : (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)),
            ),
        }),
        resilientWatch<V1EndpointSlice>(ctx, {
          name: 'endpointslices/default/kubernetes',
          path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
          query: { labelSelector: 'kubernetes.io/service-name=kubernetes' },
          onObject: (es, deleted) =>
            record(
              'EndpointSlice',
              es.metadata?.name ?? 'kubernetes',
              deleted
                ? []
                : (es.endpoints ?? [])
                    .filter((e) => e.conditions?.ready !== false)
                    .flatMap((e) => e.addresses),
            ),
        }),
      ]);
    },
  };
}

export const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'] as const;

export function leaseProbe(): Probe {
  return {
    name: 'leases',
    async run(ctx) {
      const changed = onChange<string>();
      await resilientWatch<V1Lease>(ctx, {
        name: 'leases/kube-system',
        path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
        onObject: (l) => {
          const name = l.metadata?.name ?? '';
          if (!(LEADER_LEASES as readonly string[]).includes(name)) return;
          const holder = l.spec?.holderIdentity || null;
          const transitions = l.spec?.leaseTransitions;
          if (!changed(name, `${holder}|${transitions}`)) return;
          ctx.sink.record({
            type: 'lease',
            namespace: 'kube-system',
            name,
            holderIdentity: holder,
            leaseTransitions: transitions,
            renewTime: l.spec?.renewTime ? new Date(l.spec.renewTime).toISOString() : null,
            leaseDurationSeconds: l.spec?.leaseDurationSeconds,
          });
        },
      });
    },
  };
}

export function nodeProbe(): Probe {
  return {
    name: 'nodes',
    async run(ctx) {
      const changed = onChange<string>();
      await resilientWatch<V1Node>(ctx, {
        name: 'nodes',
        path: '/api/v1/nodes',
        onObject: (n) => {
          const name = n.metadata?.name ?? '';
          const ready = (n.status?.conditions?.find((c) => c.type === 'Ready')?.status ??
            'Unknown') as ConditionStatus;
          const taints: Taint[] = (n.spec?.taints ?? []).map((t) => ({
            taint: t.key,
            effect: t.effect as Taint['effect'],
            timeAdded: t.timeAdded ? new Date(t.timeAdded).toISOString() : undefined,
          }));
          const sig = `${ready}|${taints
            .map((t) => `${t.taint}:${t.effect}`)
            .sort()
            .join(',')}`;
          if (changed(name, sig)) ctx.sink.record({ type: 'node', name, ready, taints });
        },
      });
    },
  };
}

export function podProbe(namespace: string, labelSelector?: string): Probe {
  return {
    name: 'pods',
    async run(ctx) {
      const changed = onChange<string>();
      await resilientWatch<V1Pod>(ctx, {
        name: `pods/${namespace}`,
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: labelSelector ? { labelSelector } : undefined,
        onObject: (p, deleted) => {
          const name = p.metadata?.name ?? '';
          const node = p.spec?.nodeName ?? null;
          const phase = p.status?.phase ?? 'Pending';
          const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
          const gone = deleted;
          if (changed(name, `${node}|${phase}|${ready}|${gone}|${Boolean(p.metadata?.deletionTimestamp)}`)) {
            ctx.sink.record({ type: 'pod', name, node, phase, ready, deleted: gone });
          }
        },
      });
    },
  };
}
