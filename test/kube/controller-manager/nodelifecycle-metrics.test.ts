/**
 * The node lifecycle controller's node_collector_* metrics as upstream sets them: zone size,
 * not-Ready count and health percentage each pass, a zone gone cleared to 0/100/0, evictions 0
 * from the moment a zone is seen and counted per NoExecute taint, upstream's histogram buckets.
 */
import { Registry } from 'prom-client';
import t from 'tap';
import { nodeLifecycleMetrics } from '../../../src/kube/controller-manager/nodelifecycle/metrics.ts';
import { bucketBounds, promtoolCheck } from '../../helpers/https.ts';

t.test('zones, evictions, pass durations', async (t) => {
  const registry = new Registry();
  const m = nodeLifecycleMetrics(registry);
  m.zones(
    new Map([
      ['a', { size: 4, unhealthy: 1 }],
      ['b', { size: 2, unhealthy: 2 }],
    ]),
  );
  m.eviction('a');
  m.monitorPass(0.02);
  m.nodeHealthUpdate(0.002);
  let text = await registry.metrics();
  t.match(text, /^node_collector_zone_size\{zone="a"\} 4$/m);
  t.match(text, /^node_collector_unhealthy_nodes_in_zone\{zone="a"\} 1$/m);
  t.match(text, /^node_collector_zone_health\{zone="a"\} 75$/m);
  t.match(text, /^node_collector_zone_health\{zone="b"\} 0$/m);
  t.match(text, /^node_collector_evictions_total\{zone="a"\} 1$/m);
  t.match(text, /^node_collector_evictions_total\{zone="b"\} 0$/m, 'a zone seen starts at 0');
  m.zones(new Map([['a', { size: 4, unhealthy: 0 }]]));
  text = await registry.metrics();
  t.match(text, /^node_collector_zone_size\{zone="b"\} 0$/m, 'a zone without nodes is cleared');
  t.match(text, /^node_collector_zone_health\{zone="b"\} 100$/m);
  t.match(text, /^node_collector_unhealthy_nodes_in_zone\{zone="b"\} 0$/m);
  t.same(
    bucketBounds(text, 'node_collector_update_node_health_duration_seconds'),
    [...Array.from({ length: 8 }, (_, i) => String(0.001 * 4 ** i)), '+Inf'],
    'ExponentialBuckets(0.001, 4, 8)',
  );
  const lint = await promtoolCheck(text);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});
