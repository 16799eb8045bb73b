/**
 * The secure port of kube-controller-manager and kube-scheduler: HTTPS on --bind-address:
 * --secure-port serving `/healthz`, `/livez` and `/readyz` without authentication (upstream's
 * `--authorization-always-allow-paths` default), so kubeadm's probes
 * (https://127.0.0.1:10257/healthz, :10259/healthz) find them. Without a serving certificate
 * upstream makes a self-signed one for "localhost@<unix time>" with SANs localhost and 127.0.0.1
 * (kubernetes/kubernetes cmd/kube-controller-manager/app/options/options.go Config:
 * SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, [127.0.0.1])); here the
 * `openssl` CLI makes it at start. `--secure-port=0` turns serving off, as upstream.
 * Lab difference: when the port is taken (several controller-managers on one test machine) the
 * component logs it and runs on without serving instead of exiting.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FlagError } from '../runtime/flags.ts';
import type { Logger } from '../runtime/log.ts';

/** The secure-serving flags with upstream defaults; `port` differs per component. */
export function secureServingFlags(port: number) {
  return {
    'bind-address': {
      type: 'string',
      default: '0.0.0.0',
      help: 'IP address on which to serve --secure-port (/healthz, /livez, /readyz over HTTPS).',
    },
    'secure-port': {
      type: 'int',
      default: port,
      min: 0,
      max: 65535,
      help: 'HTTPS port for /healthz, /livez, /readyz; 0 turns serving off.',
    },
  } as const;
}

/** A self-signed serving certificate as upstream makes one (see the header). */
export async function selfSignedCert(): Promise<{ cert: Buffer; key: Buffer }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-serving-'));
  try {
    const cert = path.join(dir, 'tls.crt');
    const key = path.join(dir, 'tls.key');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '365',
      '-subj',
      `/CN=localhost@${Math.floor(Date.now() / 1000)}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    return { cert: await readFile(cert), key: await readFile(key) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The flag check (exit 2 with the flag named) for a component's `check`. */
export function checkSecureServing(v: { 'bind-address': string }): void {
  if (!isIP(v['bind-address'])) {
    throw new FlagError(`--bind-address=${v['bind-address']}: expected an IP address such as 127.0.0.1`);
  }
}

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

/**
 * Starts serving; resolves with a function that stops it (or a no-op when serving is off or the
 * port is taken). A bad --bind-address is an error that names the flag.
 */
export async function startSecureServing(
  o: { bindAddress: string; port: number; log: Logger },
  makeCert: () => Promise<{ cert: Buffer; key: Buffer }> = selfSignedCert,
): Promise<() => Promise<void>> {
  checkSecureServing({ 'bind-address': o.bindAddress });
  if (o.port === 0) return async () => {};
  const tls = await makeCert();
  const server = createServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (req.method === 'GET' && HEALTH_PATHS.has(url.pathname)) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
    } else {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden\n');
    }
  });
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EADDRINUSE' ? resolve(false) : reject(e),
    );
    server.listen(o.port, o.bindAddress, () => resolve(true));
  });
  const where = `https://${o.bindAddress.includes(':') ? `[${o.bindAddress}]` : o.bindAddress}:${o.port}`;
  if (!listening) {
    o.log('secure serving off: address in use', { address: where });
    return async () => {};
  }
  o.log('serving securely', { address: where });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
