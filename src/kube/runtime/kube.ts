/**
 * Kubernetes client plumbing for the lab components: kubeconfig loading with a clear error, typed API
 * clients whose every request carries a timeout (AbortSignal set by a promise middleware). The
 * errors they raise are read by errors.ts.
 */
import { existsSync } from 'node:fs';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  KubeConfig,
  RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
  ServerConfiguration,
  type V1Pod,
} from '@kubernetes/client-node';
import { isNotFound } from './errors.ts';

export function loadKubeConfig(path: string): KubeConfig {
  if (!path) throw new Error('--kubeconfig is required: pass the kubeconfig file the lab wrote');
  if (!existsSync(path)) throw new Error(`--kubeconfig ${path}: file not found`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new Error(`--kubeconfig ${path}: cannot load (${(e as Error).message})`);
  }
  if (!kc.getCurrentCluster()) throw new Error(`--kubeconfig ${path}: no current context/cluster`);
  return kc;
}

export interface Clients {
  readonly core: CoreV1Api;
  readonly coord: CoordinationV1Api;
  readonly apps: AppsV1Api;
}

/**
 * The kubeconfig's authentication with ONE connection pool. client-node's KubeConfig builds a new undici
 * Agent (and re-reads the certificate files) for every request: a TLS handshake per call and RSS that
 * keeps growing in a process polling every second. This applies the same headers and reuses the first
 * dispatcher; headers are re-derived every `refreshMs` (tokens from files may rotate).
 */
export class PooledKubeConfigAuth implements SecurityAuthentication {
  private template:
    | { headers: Record<string, string>; dispatcher: ReturnType<RequestContext['getDispatcher']> }
    | undefined;
  private at = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly refreshMs = 300_000,
  ) {}

  getName(): string {
    return 'pooled-kubeconfig';
  }

  async applySecurityAuthentication(ctx: RequestContext): Promise<void> {
    if (!this.template || Date.now() - this.at > this.refreshMs) {
      const probe = new RequestContext(
        this.kc.getCurrentCluster()?.server ?? 'https://localhost',
        HttpMethod.GET,
      );
      await this.kc.applySecurityAuthentication(probe);
      this.template = {
        headers: { ...probe.getHeaders() },
        dispatcher: this.template?.dispatcher ?? probe.getDispatcher(),
      };
      this.at = Date.now();
    }
    for (const [k, v] of Object.entries(this.template.headers)) ctx.setHeaderParam(k, v);
    if (this.template.dispatcher) ctx.setDispatcher(this.template.dispatcher);
  }
}

/** API clients whose requests abort after `timeoutMs` (client-go's rest.Config.Timeout). */
export function makeClients(kc: KubeConfig, timeoutMs: number, userAgent = 'ha-drill-lab'): Clients {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: new PooledKubeConfigAuth(kc) },
    promiseMiddleware: [
      {
        pre: async (ctx: RequestContext) => {
          ctx.setHeaderParam('User-Agent', userAgent);
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return ctx;
        },
        post: async (ctx: ResponseContext) => ctx,
      },
    ],
  });
  return { core: new CoreV1Api(config), coord: new CoordinationV1Api(config), apps: new AppsV1Api(config) };
}

/**
 * Deletes a pod (with `gracePeriodSeconds` if given, else the pod's own); false when it was already
 * gone, which a controller's delete tolerates.
 */
export async function deletePod(core: CoreV1Api, pod: V1Pod, gracePeriodSeconds?: number): Promise<boolean> {
  try {
    await core.deleteNamespacedPod({
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? 'default',
      ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
    });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
