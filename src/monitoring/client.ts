/**
 * A small client for the HTTP APIs of Prometheus (`/api/v1/...`, prometheus web/api/v1/api.go)
 * and Alertmanager (`/api/v2/status`, alertmanager api/v2/openapi.yaml): the alerts list, the
 * loaded rules, the running config and instant/range queries. Over http or https, with the
 * options a real cluster's monitoring needs (bearer token, CA, client certificate); every request
 * has a timeout. Errors say which endpoint failed and why.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import YAML from 'yaml';
import { TargetError, UserError } from '../util/errors.ts';
import { parsePromDuration } from './duration.ts';
import type { AlertRuleInfo } from './types.ts';

export interface EndpointOptions {
  readonly url: string;
  /** A file holding a bearer token (kube-prometheus behind a proxy, a service account token). */
  readonly bearerTokenFile?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Skip the server certificate check (the report says so). */
  readonly insecureSkipVerify?: boolean;
  readonly timeoutMs?: number;
}

/** Checks an endpoint's options before anything is sent: exit 2 with what to fix. */
export function checkEndpoint(flag: string, o: EndpointOptions): void {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new UserError(`${flag} ${o.url}: not a URL; give e.g. http://prometheus.example:9090`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new UserError(`${flag} ${o.url}: use an http:// or https:// URL`);
  for (const [what, file] of [
    ['bearer token file', o.bearerTokenFile],
    ['CA file', o.caFile],
    ['client certificate', o.certFile],
    ['client key', o.keyFile],
  ] as const) {
    if (file !== undefined && !fs.existsSync(file))
      throw new UserError(`${flag}: the ${what} ${file} does not exist`);
  }
  if ((o.certFile === undefined) !== (o.keyFile === undefined))
    throw new UserError(`${flag}: give the client certificate and its key together`);
}

/** One GET returning parsed JSON; throws a TargetError naming the URL on any failure. */
export async function getJson(o: EndpointOptions, pathAndQuery: string): Promise<unknown> {
  const url = new URL(pathAndQuery, o.url.endsWith('/') ? o.url : `${o.url}/`);
  const body = await getText(o, pathAndQuery);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new TargetError(`GET ${url.origin}${url.pathname}: the answer is not JSON`);
  }
}

/** One GET returning the body of a 200 answer; throws a TargetError naming the URL otherwise. */
export async function getText(o: EndpointOptions, pathAndQuery: string): Promise<string> {
  const url = new URL(pathAndQuery, o.url.endsWith('/') ? o.url : `${o.url}/`);
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = {};
  if (o.bearerTokenFile)
    headers.authorization = `Bearer ${fs.readFileSync(o.bearerTokenFile, 'utf8').trim()}`;
  const tls: https.RequestOptions = secure
    ? {
        ...(o.caFile ? { ca: fs.readFileSync(o.caFile) } : {}),
        ...(o.certFile ? { cert: fs.readFileSync(o.certFile) } : {}),
        ...(o.keyFile ? { key: fs.readFileSync(o.keyFile) } : {}),
        ...(o.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
      }
    : {};
  const timeoutMs = o.timeoutMs ?? 2000;
  const body = await new Promise<string>((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      { method: 'GET', headers, agent: false, timeout: timeoutMs, ...tls },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          data += c;
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(data)
            : reject(new Error(`HTTP ${res.statusCode}: ${data.slice(0, 200).trim()}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  }).catch((err: Error) => {
    throw new TargetError(`GET ${url.origin}${url.pathname}: ${err.message}`);
  });
  return body;
}

/** Prometheus' `{status, data}` envelope (web/api/v1/api.go `response`). */
async function promData(o: EndpointOptions, pathAndQuery: string): Promise<unknown> {
  const r = (await getJson(o, pathAndQuery)) as { status?: string; data?: unknown; error?: string };
  if (r.status !== 'success') throw new TargetError(`Prometheus ${pathAndQuery}: ${r.error ?? 'failed'}`);
  return r.data;
}

/** One active alert of `GET /api/v1/alerts` (web/api/v1/api.go `Alert`). */
export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt?: string;
}

export async function activeAlerts(o: EndpointOptions): Promise<ActiveAlert[]> {
  const d = (await promData(o, 'api/v1/alerts')) as { alerts?: ActiveAlert[] };
  return (d.alerts ?? []).filter((a) => a.state === 'pending' || a.state === 'firing');
}

/** Prometheus model durations (`30s`, `1m`, `1d`) in seconds (duration.ts: Prometheus' grammar). */
const seconds = (text: string, what: string): number => {
  try {
    return parsePromDuration(text) / 1000;
  } catch (err) {
    throw new TargetError(`${what} '${text}': ${(err as Error).message}`);
  }
};

/** The global scrape interval/timeout and evaluation interval Prometheus runs with. */
export interface PromGlobals {
  readonly scrapeIntervalS: number;
  readonly scrapeTimeoutS: number;
  readonly evaluationIntervalS: number;
}

/**
 * `GET /api/v1/status/config` gives the loaded config as YAML, defaults filled in (prometheus
 * config/config.go DefaultGlobalConfig: scrape_interval 1m, scrape_timeout 10s,
 * evaluation_interval 1m).
 */
export async function promGlobals(o: EndpointOptions): Promise<PromGlobals> {
  const d = (await promData(o, 'api/v1/status/config')) as { yaml?: string };
  const g = ((YAML.parse(d.yaml ?? '') ?? {}) as { global?: Record<string, string> }).global ?? {};
  return {
    scrapeIntervalS: seconds(g.scrape_interval ?? '1m', 'scrape_interval'),
    scrapeTimeoutS: seconds(g.scrape_timeout ?? '10s', 'scrape_timeout'),
    evaluationIntervalS: seconds(g.evaluation_interval ?? '1m', 'evaluation_interval'),
  };
}

interface RuleGroup {
  readonly name: string;
  /** Seconds (web/api/v1/api.go RuleGroup.Interval is a float of seconds). */
  readonly interval: number;
  readonly rules: readonly {
    readonly type: string;
    readonly name: string;
    readonly query: string;
    readonly duration?: number;
    readonly keepFiringFor?: number;
    readonly labels?: Readonly<Record<string, string>>;
  }[];
}

/** Every alerting rule Prometheus has loaded (`GET /api/v1/rules?type=alert`). */
export async function loadedAlertRules(o: EndpointOptions): Promise<AlertRuleInfo[]> {
  const d = (await promData(o, 'api/v1/rules?type=alert')) as { groups?: RuleGroup[] };
  return (d.groups ?? []).flatMap((g) =>
    g.rules
      .filter((r) => r.type === 'alerting')
      .map((r) => ({
        name: r.name,
        expr: r.query,
        forS: r.duration ?? 0,
        keepFiringForS: r.keepFiringFor ?? 0,
        ...(r.labels?.severity ? { severity: r.labels.severity } : {}),
        evaluationIntervalS: g.interval,
        group: g.name,
      })),
  );
}

/** One sample of an instant or range query, as [unix seconds, value]. */
export type Sample = readonly [number, number];
export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly Sample[];
}

/** `GET /api/v1/query_range`: a matrix; `step` in seconds. */
export async function queryRange(
  o: EndpointOptions,
  expr: string,
  startS: number,
  endS: number,
  stepS: number,
): Promise<Series[]> {
  const q = new URLSearchParams({
    query: expr,
    start: String(startS),
    end: String(endS),
    step: String(stepS),
  });
  const d = (await promData(o, `api/v1/query_range?${q}`)) as {
    resultType?: string;
    result?: { metric: Record<string, string>; values: [number, string][] }[];
  };
  if (d.resultType !== 'matrix') throw new TargetError(`query_range ${expr}: not a matrix`);
  return (d.result ?? []).map((s) => ({
    metric: s.metric,
    values: s.values.map(([t, v]) => [t, Number(v)] as const),
  }));
}

/**
 * Alertmanager's root route `group_wait` and `group_interval` (`GET /api/v2/status`:
 * config.original is the loaded YAML; alertmanager dispatch/route.go DefaultRouteOpts: GroupWait
 * 30s, GroupInterval 5m when the route sets none).
 */
export async function alertmanagerGrouping(
  o: EndpointOptions,
): Promise<{ readonly groupWaitS: number; readonly groupIntervalS: number }> {
  const d = (await getJson(o, 'api/v2/status')) as { config?: { original?: string } };
  const route = (
    (YAML.parse(d.config?.original ?? '') ?? {}) as {
      route?: { group_wait?: string; group_interval?: string };
    }
  ).route;
  return {
    groupWaitS: seconds(route?.group_wait ?? '30s', 'group_wait'),
    groupIntervalS: seconds(route?.group_interval ?? '5m', 'group_interval'),
  };
}
