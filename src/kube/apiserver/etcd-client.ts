/**
 * The apiserver's etcd client: kube-apiserver's `--etcd-servers` with `--etcd-cafile`,
 * `--etcd-certfile`, `--etcd-keyfile` (kubernetes/kubernetes
 * staging/src/k8s.io/apiserver/pkg/server/options/etcd.go; the transport in
 * staging/src/k8s.io/apiserver/pkg/storage/storagebackend/factory/etcd3.go newETCD3Client:
 * TLS with the client certificate when the files are given, the CA pool from --etcd-cafile
 * or the system roots). https URLs use TLS (the etcd3 package's grpc SSL credentials; the
 * server's certificate is checked against the URL's host, e.g. the IP SAN 127.0.0.1 of
 * kubeadm's etcd/server.crt); http URLs are plain.
 */
import { readFileSync } from 'node:fs';
import { noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { EtcdBalancer } from './etcd-balancer.ts';

export interface EtcdClientConfig {
  readonly servers: readonly string[];
  /** PEM CA bundle that signed etcd's serving certificate (--etcd-cafile). */
  readonly caFile?: string;
  /** Client certificate and key (--etcd-certfile, --etcd-keyfile). */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/**
 * The TLS material for etcd3 (throws naming the flag to fix), or undefined: plain http, or https
 * without files (etcd3 then uses TLS with the system roots, as the upstream transport does).
 */
export function etcdCredentials(
  c: EtcdClientConfig,
  read: (file: string) => Buffer = readFileSync,
): IOptions['credentials'] {
  const load = (flag: string, file: string) => {
    try {
      return read(file);
    } catch (err) {
      throw new Error(`--${flag} ${file}: cannot read it (${(err as Error).message})`);
    }
  };
  if (!c.servers.every((s) => s.startsWith('https://'))) return undefined;
  if (!c.caFile && !c.certFile) return undefined;
  return {
    // grpc's createSsl: a null root certificate means the system roots
    rootCertificate: c.caFile ? load('etcd-cafile', c.caFile) : (null as unknown as Buffer),
    ...(c.certFile ? { certChain: load('etcd-certfile', c.certFile) } : {}),
    ...(c.keyFile ? { privateKey: load('etcd-keyfile', c.keyFile) } : {}),
  };
}

/**
 * The client the apiserver uses: fast reconnects (grpc's default backoff grows to 120 s, which
 * would delay recovery after an etcd restart), keepalive to detect a silently dead connection
 * (partition), no retries and no circuit breaker (a failing member must show at once in
 * /readyz and recover as soon as it answers again). With several servers (kubeadm's external
 * etcd), calls go round robin over the members whose channel is READY, as clientv3's round_robin
 * balancer does (etcd-balancer.ts); with one, the host policy lets every call through.
 */
export function newEtcdClient(c: EtcdClientConfig): Etcd3 {
  const credentials = etcdCredentials(c);
  const balancer = c.servers.length > 1 ? new EtcdBalancer() : undefined;
  const etcd = new Etcd3({
    hosts: [...c.servers],
    dialTimeout: 2000,
    ...(credentials ? { credentials } : {}),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
    },
    faultHandling: { host: balancer?.hostPolicy ?? (() => noop), global: noop },
  });
  try {
    balancer?.attach(etcd);
  } catch (err) {
    etcd.close();
    throw err;
  }
  return etcd;
}
