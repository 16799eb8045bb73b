/**
 * apiserver_current_inflight_requests as maxinflight.go's watermark: the most requests executing
 * at once during the last second, per kind, reset every second; request metrics recorded under
 * their labels (SLI not for watches nor dry runs; sizes for GET/LIST only).
 */
// hadrill-test: unit waits (alone: 2.5 s of wall time, 0.3 s of CPU; scripts/run-files.mjs)
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import t from 'tap';
import type { RequestLabels } from '../../../src/kube/apiserver/labels.ts';
import { ApiserverMetrics } from '../../../src/kube/apiserver/metrics.ts';

const kinds = async (r: Registry) =>
  Object.fromEntries(
    ((await r.getSingleMetric('apiserver_current_inflight_requests')?.get())?.values ?? []).map((v) => [
      v.labels.request_kind,
      v.value,
    ]),
  );

t.test('in-flight watermark over one second', async (t) => {
  const r = new Registry();
  const m = new ApiserverMetrics(r);
  t.teardown(() => m.stop());
  t.same(await kinds(r), { readOnly: 0, mutating: 0 }, 'both kinds from the start');
  const a = m.executingRequest('readOnly');
  const b = m.executingRequest('readOnly');
  b();
  b(); // idempotent
  m.executingRequest('mutating')();
  await sleep(1100);
  t.same(await kinds(r), { readOnly: 2, mutating: 1 }, 'the peak of the last second');
  a();
  await sleep(1100);
  t.same(
    await kinds(r),
    { readOnly: 0, mutating: 0 },
    'reset each second; as upstream only starts and ends are recorded (an end records the count after it)',
  );
});

t.test('observations', async (t) => {
  const r = new Registry();
  const m = new ApiserverMetrics(r);
  t.teardown(() => m.stop());
  const l: RequestLabels = {
    verb: 'WATCH',
    dryRun: '',
    group: '',
    version: 'v1',
    resource: 'pods',
    subresource: '',
    scope: 'namespace',
  };
  const closed = m.watchOpened(l);
  t.match(await r.metrics(), /^apiserver_longrunning_requests\{verb="WATCH",.*\} 1$/m);
  closed();
  m.observe(l, 200, 3, 0);
  m.observe({ ...l, verb: 'POST', dryRun: 'All', scope: 'resource' }, 201, 0.01, 100);
  m.observe({ ...l, verb: 'LIST' }, 200, 0.01, 5000);
  const text = await r.metrics();
  t.match(text, /^apiserver_longrunning_requests\{verb="WATCH",.*\} 0$/m);
  t.notMatch(text, /apiserver_request_sli_duration_seconds_count\{verb="WATCH"/);
  t.notMatch(text, /apiserver_request_sli_duration_seconds_count\{verb="POST"/, 'not for a dry run');
  t.match(text, /^apiserver_request_sli_duration_seconds_count\{verb="LIST",.*\} 1$/m);
  t.match(text, /^apiserver_response_sizes_sum\{verb="LIST",.*\} 5000$/m);
  t.notMatch(text, /apiserver_response_sizes_count\{verb="POST"/);
  t.match(
    text,
    /^apiserver_request_total\{verb="POST",dry_run="All",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="201"\} 1$/m,
  );
});
