/**
 * Kubernetes access for probes, loaded once from the target's kubeconfig: the client-node
 * KubeConfig for typed APIs and watches, plus the TLS options for raw HTTPS probes that need
 * control over connections (a new TCP+TLS connection per request, or one kept-alive socket).
 */
import fs from 'node:fs';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../util/errors.ts';

export interface HttpResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly body?: string;
  readonly latencyMs: number;
}

export class KubeAccess {
  readonly kc: KubeConfig;
  private tls?: https.RequestOptions;

  /** `context`: the one to use (default: the kubeconfig's current context). */
  constructor(kubeconfigPath: string, context?: string) {
    if (!fs.existsSync(kubeconfigPath)) {
      throw new UserError(
        `kubeconfig ${kubeconfigPath} does not exist: bring the target up or pass --kubeconfig`,
      );
    }
    this.kc = new KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    if (context) this.kc.setCurrentContext(context);
  }

  /** TLS and auth options from the kubeconfig (CA, client cert/key or bearer token). */
  async tlsOptions(): Promise<https.RequestOptions> {
    if (!this.tls) {
      const opts: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      this.tls = opts;
    }
    return this.tls;
  }

  /**
   * One GET with a hard timeout. `agent: false` = a new connection per request; pass a
   * keep-alive agent to reuse one. `anonymous` drops credentials (health endpoints).
   */
  get(
    url: string,
    opts: { timeoutMs: number; agent?: https.Agent | false; anonymous?: boolean; keepBody?: boolean },
  ): Promise<HttpResult> {
    return this.request('GET', url, opts);
  }

  /** One request with a JSON body (POST, PUT, DELETE) and a hard timeout. */
  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts: {
      timeoutMs: number;
      agent?: https.Agent | false;
      anonymous?: boolean;
      keepBody?: boolean;
      body?: unknown;
    },
  ): Promise<HttpResult> {
    const tls = await this.tlsOptions();
    const started = performance.now();
    const u = new URL(url);
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: Omit<HttpResult, 'latencyMs'>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ ...r, latencyMs: performance.now() - started });
      };
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: Record<string, string | string[] | number | undefined> = {
        ...((opts.anonymous ? {} : (tls.headers ?? {})) as Record<
          string,
          string | string[] | number | undefined
        >),
        accept: 'application/json',
      };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = https.request(
        {
          ...(opts.anonymous ? { ca: tls.ca } : tls),
          headers,
          hostname: u.hostname,
          port: u.port,
          path: `${u.pathname}${u.search}`,
          method,
          agent: opts.agent ?? false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            if (opts.keepBody) chunks.push(c);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            finish({
              ok: status >= 200 && status < 300,
              status,
              body: opts.keepBody ? Buffer.concat(chunks).toString() : undefined,
            });
          });
          res.on('error', (e) => finish({ ok: false, status: res.statusCode, error: e.message }));
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish({ ok: false, error: e.code ? `${e.code}: ${e.message}` : e.message }),
      );
      req.end(payload);
    });
  }
}
