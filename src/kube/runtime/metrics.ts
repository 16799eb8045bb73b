/**
 * The metrics registry of one component process (prom-client; one Registry per process, never
 * prom-client's global one, so tests may run several components in one process) with what every
 * upstream component exposes besides its own metrics:
 *  - the process metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 *    process_start_time_seconds, process_open_fds, ...: prom-client's defaults, as client_golang's
 *    process collector; Node's own runtime metrics come as nodejs_* where Go's are go_*, less the
 *    three gauges prom-client names *_total);
 *  - `kubernetes_build_info` (gauge 1 with the version labels): kubernetes/component-base
 *    metrics/version.go RegisterBuildInfo, labels major, minor, git_version, git_commit,
 *    git_tree_state, build_date, go_version, compiler, platform.
 * `renderMetrics` is the text exposition format 0.0.4 that Prometheus scrapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** The version every emulated component reports (the apiserver's /version says the same). */
export const BUILD_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-hadrill',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'n/a (node)',
  compiler: 'tsx',
  platform: 'linux/amd64',
} as const;

const LINT_FAILURES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A new registry with the process metrics and kubernetes_build_info. */
export function newComponentRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges named *_total, which Prometheus' naming rules (promtool check metrics) refuse
  for (const name of LINT_FAILURES) registry.removeSingleMetric(name);
  const info = BUILD_INFO;
  new Gauge({
    name: 'kubernetes_build_info',
    help: "A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
    labelNames: [
      'major',
      'minor',
      'git_version',
      'git_commit',
      'git_tree_state',
      'build_date',
      'go_version',
      'compiler',
      'platform',
    ],
    registers: [registry],
  })
    .labels(
      info.major,
      info.minor,
      info.gitVersion,
      info.gitCommit,
      info.gitTreeState,
      info.buildDate,
      info.goVersion,
      info.compiler,
      info.platform,
    )
    .set(1);
  return registry;
}

/** The registry's metrics in the Prometheus text format, with its content type. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}

/** A `/metrics` handler: the registry's exposition, 200. */
export const metricsHandler =
  (registry: Registry) =>
  async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const m = await renderMetrics(registry);
    res.writeHead(200, { 'content-type': m.contentType }).end(m.text);
  };
