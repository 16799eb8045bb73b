/**
 * The apiserver's request metrics, names, labels, types and buckets as kubernetes/apiserver
 * pkg/endpoints/metrics/metrics.go defines them (component label "apiserver"), recorded for the
 * requests that reach a resource route, as upstream's installer instruments only those
 * (pkg/endpoints/installer.go InstrumentRouteFunc; a 401/403 or an unknown path is not counted):
 *  - `apiserver_request_total{verb, dry_run, group, version, resource, subresource, scope,
 *    component, code}` counter;
 *  - `apiserver_request_duration_seconds{verb, dry_run, group, version, resource, subresource,
 *    scope, component}` histogram (buckets 0.005 … 60, upstream's);
 *  - `apiserver_request_sli_duration_seconds{verb, group, version, resource, subresource, scope,
 *    component}` histogram (buckets 0.05 … 60): the same minus webhook and APF queue time (none
 *    here), not for dry runs nor watches (filters/webhook_duration.go WithLatencyTrackers);
 *  - `apiserver_response_sizes{verb, group, version, resource, subresource, scope, component}`
 *    histogram (ExponentialBuckets(1000, 10, 7)) for GET and LIST (upstream also observes a
 *    watch served by the LIST route; its size is not known here);
 *  - `apiserver_longrunning_requests{verb, group, version, resource, subresource, scope,
 *    component}` gauge: watches open now;
 *  - `apiserver_current_inflight_requests{request_kind}` gauge: the most requests executing at
 *    once in the last second, readOnly and mutating, watches excluded (server/filters/
 *    maxinflight.go requestWatermark, reset every inflightUsageMetricUpdatePeriod = 1 s).
 * Labels (labels.ts): the verb as MonitorRequest reports it (CanonicalVerb + CleanVerb: LIST vs
 * GET, WATCH, APPLY), the route's scope (installer.go requestScope), dry_run as cleanDryRun.
 */
import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestLabels } from './labels.ts';

const COMPONENT = 'apiserver';

/** requestLatencies' buckets (metrics.go). */
export const REQUEST_DURATION_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];
/** requestSliLatencies' buckets (metrics.go). */
export const REQUEST_SLI_DURATION_BUCKETS = [
  0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];

const ROUTE = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export type RequestKind = 'readOnly' | 'mutating';

/** The values of ROUTE's labels, and the same with dry_run second (request_total, request_duration). */
const route = (l: RequestLabels) =>
  [l.verb, l.group, l.version, l.resource, l.subresource, l.scope, COMPONENT] as const;
const withDryRun = (l: RequestLabels) =>
  [l.verb, l.dryRun, l.group, l.version, l.resource, l.subresource, l.scope, COMPONENT] as const;

export class ApiserverMetrics {
  private readonly total: Counter;
  private readonly duration: Histogram;
  private readonly sli: Histogram;
  private readonly sizes: Histogram;
  private readonly longRunning: Gauge;
  private readonly inflight: Gauge;
  private readonly executing: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  private readonly watermark: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(registry: Registry) {
    const registers = [registry];
    this.total = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [
        'verb',
        'dry_run',
        'group',
        'version',
        'resource',
        'subresource',
        'scope',
        'component',
        'code',
      ],
      registers,
    });
    this.duration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.sli = new Histogram({
      name: 'apiserver_request_sli_duration_seconds',
      help: 'Response latency distribution (not counting webhook duration and priority & fairness queue wait times) in seconds for each verb, group, version, resource, subresource, scope and component.',
      labelNames: ROUTE,
      buckets: REQUEST_SLI_DURATION_BUCKETS,
      registers,
    });
    this.sizes = new Histogram({
      name: 'apiserver_response_sizes',
      help: 'Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.',
      labelNames: ROUTE,
      buckets: exponentialBuckets(1000, 10, 7),
      registers,
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: ROUTE,
      registers,
    });
    this.inflight = new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      labelNames: ['request_kind'],
      registers,
    });
    this.publishWatermark();
    this.timer = setInterval(() => this.publishWatermark(), 1000);
    this.timer.unref();
  }

  /** A request that is not long-running started executing; call the result when it ends. */
  executingRequest(kind: RequestKind): () => void {
    this.executing[kind]++;
    this.mark(kind);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.executing[kind]--;
      this.mark(kind);
    };
  }

  /** A watch opened; call the result when it closes. */
  watchOpened(l: RequestLabels): () => void {
    const g = this.longRunning.labels(...route(l));
    g.inc();
    return () => g.dec();
  }

  /** One finished resource request (MonitorRequest). */
  observe(l: RequestLabels, code: number, seconds: number, responseBytes: number): void {
    this.total.labels(...withDryRun(l), String(code)).inc();
    this.duration.labels(...withDryRun(l)).observe(seconds);
    if (l.dryRun === '' && l.verb !== 'WATCH') this.sli.labels(...route(l)).observe(seconds);
    if (l.verb === 'GET' || l.verb === 'LIST') this.sizes.labels(...route(l)).observe(responseBytes);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private mark(kind: RequestKind): void {
    this.watermark[kind] = Math.max(this.watermark[kind], this.executing[kind]);
  }

  private publishWatermark(): void {
    for (const kind of ['readOnly', 'mutating'] as const) {
      this.inflight.labels(kind).set(this.watermark[kind]);
      this.watermark[kind] = 0;
    }
  }
}
