/**
 * The secure port of kube-controller-manager and kube-scheduler: HTTPS on --bind-address:
 * --secure-port (10257 / 10259) serving `/healthz`, `/livez`, `/readyz` and `/metrics`, with
 * upstream's delegated authentication and authorization (k8s.io/apiserver
 * pkg/server/options/authentication.go, authorization.go; runtime/secure-serving.ts):
 *  - client certificates verified against --client-ca-file, or the CA the apiserver publishes
 *    (runtime/client-ca.ts, via --authentication-kubeconfig); anonymous authentication on;
 *  - the health paths always allowed (--authorization-always-allow-paths default
 *    /healthz,/readyz,/livez), so kubeadm's probes (https://127.0.0.1:10257/healthz) need no
 *    certificate; `/metrics` for authenticated users only (system:anonymous gets 403).
 * Serving certificate: --tls-cert-file/--tls-private-key-file, else self-signed for localhost as
 * upstream (runtime/self-signed.ts). `--secure-port=0` turns serving off, as upstream.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { clientCa } from '../runtime/client-ca.ts';
import { FlagError } from '../runtime/flags.ts';
import type { Logger } from '../runtime/log.ts';
import { metricsHandler } from '../runtime/metrics.ts';
import { type Handler, startSecureServer } from '../runtime/secure-serving.ts';
import { type ServingCert, selfSignedCert } from '../runtime/self-signed.ts';

const str = (help: string, def = '') => ({ type: 'string', default: def, help }) as const;

/** The secure-serving and delegated-auth flags with upstream defaults; `port` differs per component. */
export function secureServingFlags(port: number) {
  return {
    'bind-address': str(
      'IP address on which to serve --secure-port (/healthz, /livez, /readyz, /metrics over HTTPS).',
      '0.0.0.0',
    ),
    'secure-port': {
      type: 'int',
      default: port,
      min: 0,
      max: 65535,
      help: 'HTTPS port for /healthz, /livez, /readyz, /metrics; 0 turns serving off.',
    },
    'tls-cert-file': str('Serving certificate (PEM); default: a self-signed one for localhost.'),
    'tls-private-key-file': str('Key of --tls-cert-file.'),
    'client-ca-file': str(
      'CA bundle that verifies client certificates (CN = user, O = groups); default: the one the apiserver publishes in kube-system/extension-apiserver-authentication, read with --authentication-kubeconfig.',
    ),
    'authentication-kubeconfig': str(
      'kubeconfig to read the client CA from kube-system/extension-apiserver-authentication (when no --client-ca-file).',
    ),
    'authorization-kubeconfig': str(
      'accepted: upstream asks the apiserver (SubjectAccessReview) through it; the lab allows every authenticated user, as its apiserver does.',
    ),
    'authorization-always-allow-paths': str(
      'Comma-separated paths served without authorization (a trailing * matches a prefix).',
      '/healthz,/readyz,/livez',
    ),
  } as const;
}

type ServingFlagValues = {
  [K in keyof ReturnType<typeof secureServingFlags>]: K extends 'secure-port' ? number : string;
};

/** The flag checks (exit 2 with the flag named) for a component's `check`. */
export function checkSecureServing(
  v: Pick<ServingFlagValues, 'bind-address' | 'tls-cert-file' | 'tls-private-key-file'>,
): void {
  if (!isIP(v['bind-address'])) {
    throw new FlagError(`--bind-address=${v['bind-address']}: expected an IP address such as 127.0.0.1`);
  }
  if (Boolean(v['tls-cert-file']) !== Boolean(v['tls-private-key-file'])) {
    throw new FlagError('--tls-cert-file and --tls-private-key-file go together: give both or neither');
  }
}

function servingCert(f: ServingFlagValues): ServingCert | Promise<ServingCert> {
  if (!f['tls-cert-file']) return selfSignedCert();
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`--${flag} ${file}: cannot read it (${(e as Error).message})`);
    }
  };
  return {
    cert: read('tls-cert-file', f['tls-cert-file']),
    key: read('tls-private-key-file', f['tls-private-key-file']),
  };
}

const ok: Handler = (_req, res) => {
  res
    .writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' })
    .end('ok');
};

/**
 * Starts serving (resolves once listening); the returned function stops it. Serving off
 * (--secure-port=0) or the port taken: a no-op. A bad flag is an error that names it.
 */
export async function startSecureServing(o: {
  readonly flags: ServingFlagValues;
  readonly registry: Registry;
  readonly log: Logger;
  readonly signal: AbortSignal;
}): Promise<() => Promise<void>> {
  const f = o.flags;
  checkSecureServing(f);
  if (f['secure-port'] === 0) return async () => {};
  const tls = await servingCert(f);
  let pending: Buffer | undefined;
  let setCa: (ca: Buffer | undefined) => void = (ca) => {
    pending = ca;
  };
  const initial = clientCa({
    file: f['client-ca-file'],
    authenticationKubeconfig: f['authentication-kubeconfig'],
    log: o.log,
    signal: o.signal,
    onChange: (ca) => setCa(ca),
  });
  const server = await startSecureServer({
    bindAddress: f['bind-address'],
    port: f['secure-port'],
    tls,
    clientCa: initial ?? pending,
    anonymous: true,
    authorization: 'Delegated',
    alwaysAllowPaths: f['authorization-always-allow-paths'].split(',').filter((p) => p.length > 0),
    routes: {
      '/healthz': ok,
      '/livez': ok,
      '/readyz': ok,
      '/metrics': metricsHandler(o.registry),
    },
    refusals: 'status',
    log: o.log,
  });
  if (!server) return async () => {};
  setCa = (ca) => server.setClientCa(ca);
  return () => server.close();
}
