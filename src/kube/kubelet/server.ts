/**
 * The kubelet's server (--address:--port, 0.0.0.0:10250): `/metrics` and `/healthz` over HTTPS,
 * behind the kubelet's authentication and authorization (pkg/kubelet/server/server.go
 * InstallAuthFilter, every path; runtime/secure-serving.ts):
 *  - client certificates verified against authentication.x509.clientCAFile (--client-ca-file;
 *    kubeadm: /etc/kubernetes/pki/ca.crt); requests without one are anonymous when
 *    authentication.anonymous.enabled, else 401 (kubeadm turns anonymous off);
 *  - authorization mode AlwaysAllow, or Webhook (upstream: a SubjectAccessReview for nodes/metrics;
 *    here every authenticated user, as our apiserver would answer).
 * Serving certificate (cmd/kubelet/app/server.go InitializeTLS): --tls-cert-file and
 * --tls-private-key-file, else `kubelet.crt`/`kubelet.key` in --cert-dir, made self-signed for the
 * node's host name when they cannot be read, and kept there for the next start.
 * Lab difference: a port in use is logged and the kubelet runs on without its server.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../runtime/log.ts';
import { metricsHandler } from '../runtime/metrics.ts';
import { startSecureServer } from '../runtime/secure-serving.ts';
import { hostSubject, type ServingCert, selfSignedCert } from '../runtime/self-signed.ts';
import type { KubeletConfig } from './static/config.ts';

export const DEFAULT_CERT_DIR = '/var/lib/kubelet/pki';

export interface KubeletServerOptions {
  readonly cfg: KubeletConfig;
  /** --cert-dir. */
  readonly certDir: string;
  /** The host name of a self-signed certificate (--hostname-override or the OS host name). */
  readonly hostname: string;
  readonly registry: Registry;
  readonly log: Logger;
}

const readFlagFile = async (what: string, file: string): Promise<Buffer> => {
  try {
    return await readFile(file);
  } catch (e) {
    throw new Error(`${what} ${file}: cannot read it (${(e as Error).message})`);
  }
};

/** The serving certificate InitializeTLS settles on (see the header). */
export async function kubeletServingCert(
  o: Pick<KubeletServerOptions, 'cfg' | 'certDir' | 'hostname' | 'log'>,
): Promise<ServingCert> {
  const { cfg } = o;
  if (cfg.tlsCertFile || cfg.tlsPrivateKeyFile) {
    return {
      cert: await readFlagFile('--tls-cert-file', cfg.tlsCertFile),
      key: await readFlagFile('--tls-private-key-file', cfg.tlsPrivateKeyFile),
    };
  }
  const certFile = path.join(o.certDir, 'kubelet.crt');
  const keyFile = path.join(o.certDir, 'kubelet.key');
  try {
    return { cert: await readFile(certFile), key: await readFile(keyFile) };
  } catch {
    // certutil.CanReadCertAndKey false: make one and write it (WriteCert 0644, WriteKey 0600)
  }
  const made = await selfSignedCert(hostSubject(o.hostname));
  await mkdir(o.certDir, { recursive: true, mode: 0o755 });
  await writeFile(certFile, made.cert, { mode: 0o644 });
  await writeFile(keyFile, made.key, { mode: 0o600 });
  o.log('using a self-signed serving certificate', { cert: certFile });
  return made;
}

/** Starts the server; resolves with a function that stops it (a no-op when the port was taken). */
export async function startKubeletServer(o: KubeletServerOptions): Promise<() => Promise<void>> {
  const { cfg } = o;
  const tls = await kubeletServingCert(o);
  const clientCa = cfg.clientCAFile ? await readFlagFile('--client-ca-file', cfg.clientCAFile) : undefined;
  const server = await startSecureServer({
    bindAddress: cfg.address,
    port: cfg.port,
    tls,
    clientCa,
    anonymous: cfg.anonymousAuth,
    authorization: cfg.authorizationMode === 'AlwaysAllow' ? 'AlwaysAllow' : 'Delegated',
    alwaysAllowPaths: [],
    routes: {
      '/healthz': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
      },
      '/metrics': metricsHandler(o.registry),
    },
    refusals: 'kubelet',
    log: o.log,
  });
  return server ? () => server.close() : async () => {};
}
