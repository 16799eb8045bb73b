/**
 * The node lifecycle controller's metrics, as kubernetes/kubernetes
 * pkg/controller/nodelifecycle/metrics.go defines them (subsystem node_collector) and
 * node_lifecycle_controller.go sets them:
 *  - `node_collector_zone_size{zone}`, `node_collector_unhealthy_nodes_in_zone{zone}` (not Ready)
 *    and `node_collector_zone_health{zone}` (100 × Ready / size) gauges, every monitor pass
 *    (handleDisruption); a zone left without nodes reads size 0, health 100, unhealthy 0;
 *  - `node_collector_evictions_total{zone}` counter: NoExecute taints the rate-limited tainting
 *    pass added (doNoExecuteTaintingPass; a swap of the opposite taint is not counted), 0 from
 *    the moment a zone is first seen (addPodEvictorForNewZone);
 *  - `node_collector_update_all_nodes_health_duration_seconds` histogram, one monitor pass,
 *    ExponentialBuckets(0.01, 4, 8), and `node_collector_update_node_health_duration_seconds`,
 *    one node's health update, ExponentialBuckets(0.001, 4, 8).
 * The zone label is the node's topology.kubernetes.io/zone (taints.ts zoneOf); upstream's key
 * (nodetopology.GetZoneKey) is `<region>:\0:<zone>`, which a label value cannot print.
 */
import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';

export interface NodeLifecycleMetrics {
  /** One pass's zone statistics; zones not listed any more are cleared. */
  zones(stats: ReadonlyMap<string, { readonly size: number; readonly unhealthy: number }>): void;
  eviction(zone: string): void;
  monitorPass(seconds: number): void;
  nodeHealthUpdate(seconds: number): void;
}

export function nodeLifecycleMetrics(registry: Registry): NodeLifecycleMetrics {
  const gauge = (name: string, help: string) =>
    new Gauge({ name: `node_collector_${name}`, help, labelNames: ['zone'], registers: [registry] });
  const health = gauge('zone_health', 'Gauge measuring percentage of healthy nodes per zone.');
  const size = gauge('zone_size', 'Gauge measuring number of registered Nodes per zones.');
  const unhealthy = gauge('unhealthy_nodes_in_zone', 'Gauge measuring number of not Ready Nodes per zones.');
  const evictions = new Counter({
    name: 'node_collector_evictions_total',
    help: 'Number of Node evictions that happened since current instance of NodeController started.',
    labelNames: ['zone'],
    registers: [registry],
  });
  const allNodes = new Histogram({
    name: 'node_collector_update_all_nodes_health_duration_seconds',
    help: 'Duration in seconds for NodeController to update the health of all nodes.',
    buckets: exponentialBuckets(0.01, 4, 8),
    registers: [registry],
  });
  const oneNode = new Histogram({
    name: 'node_collector_update_node_health_duration_seconds',
    help: 'Duration in seconds for NodeController to update the health of a single node.',
    buckets: exponentialBuckets(0.001, 4, 8),
    registers: [registry],
  });
  const known = new Set<string>();
  return {
    zones(stats) {
      for (const [zone, s] of stats) {
        if (!known.has(zone)) {
          known.add(zone);
          evictions.labels(zone).inc(0);
        }
        size.labels(zone).set(s.size);
        unhealthy.labels(zone).set(s.unhealthy);
        health.labels(zone).set(s.size === 0 ? 100 : (100 * (s.size - s.unhealthy)) / s.size);
      }
      for (const zone of known) {
        if (stats.has(zone)) continue;
        size.labels(zone).set(0);
        health.labels(zone).set(100);
        unhealthy.labels(zone).set(0);
      }
    },
    eviction: (zone) => evictions.labels(zone).inc(),
    monitorPass: (s) => allNodes.observe(s),
    nodeHealthUpdate: (s) => oneNode.observe(s),
  };
}
