/**
 * httpGet probes, as the kubelet runs them.
 *
 * kubernetes/kubernetes pkg/probe/http/http.go: GET with a timeout of timeoutSeconds; 200–399 is
 * success (a redirect not followed is a warning, which counts as success); anything else, a
 * connection error or a timeout is a failure. pkg/kubelet/prober/prober.go: scheme HTTPS does not
 * verify the certificate (InsecureSkipVerify); host defaults to the pod IP, which for these
 * hostNetwork pods is the node's address (kubeadm sets host explicitly, e.g. 127.0.0.1).
 * pkg/kubelet/prober/worker.go doProbe: a result changes only after failureThreshold consecutive
 * failures or successThreshold consecutive successes (resultRun); probes wait initialDelaySeconds
 * after the container started; readiness starts as failure, liveness as success, startup as
 * unknown; while a startup probe has not succeeded, liveness and readiness are not run; a liveness
 * or startup failure puts the worker on hold until the container is restarted.
 */
import http from 'node:http';
import https from 'node:https';
import type { V1Probe } from '@kubernetes/client-node';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeResult = 'success' | 'failure';

/** One httpGet probe; resolves with its result (never rejects). */
export function httpGetProbe(p: V1Probe, defaultHost: string): Promise<ProbeResult> {
  const g = p.httpGet;
  if (!g) return Promise.resolve('failure');
  const scheme = (g.scheme ?? 'HTTP').toUpperCase();
  const mod = scheme === 'HTTPS' ? https : http;
  const port = typeof g.port === 'number' ? g.port : Number(g.port);
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ProbeResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    const req = mod.request(
      {
        host: g.host || defaultHost,
        port,
        path: g.path || '/',
        method: 'GET',
        headers,
        timeout: timeoutMs,
        agent: false,
        ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        finish(code >= 200 && code < 400 ? 'success' : 'failure');
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish('failure');
    });
    req.on('error', () => finish('failure'));
    req.end();
  });
}

/** The thresholded state of one probe of one container instance (worker.go's lastResult/resultRun). */
export class ProbeState {
  private last: ProbeResult | undefined;
  private run = 0;
  result: ProbeResult | 'unknown';

  constructor(
    readonly kind: ProbeKind,
    private readonly spec: V1Probe,
  ) {
    this.result = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  }

  /** Records one probe outcome; returns the new thresholded result when it changed. */
  observe(r: ProbeResult): ProbeResult | undefined {
    if (this.last === r) this.run++;
    else {
      this.last = r;
      this.run = 1;
    }
    const threshold = r === 'failure' ? (this.spec.failureThreshold ?? 3) : (this.spec.successThreshold ?? 1);
    if (this.run < threshold) return undefined;
    const changed = this.result !== r;
    this.result = r;
    if (r === 'failure' && this.kind !== 'readiness') this.run = 0;
    return changed || r === 'failure' ? r : undefined;
  }
}
