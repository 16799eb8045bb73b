/**
 * Self-signed serving certificates, made with the `openssl` CLI, for components that are given
 * none, as upstream makes them:
 *  - kube-controller-manager and kube-scheduler: "localhost@<unix time>" with SANs localhost and
 *    127.0.0.1 (cmd/kube-controller-manager/app/options/options.go Config:
 *    SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, [127.0.0.1]));
 *  - the kubelet: "<hostname>@<unix time>" for the node's host name (cmd/kubelet/app/server.go
 *    InitializeTLS → client-go util/cert GenerateSelfSignedCertKey(hostName, nil, nil): the name as
 *    a DNS SAN, or as an IP SAN when it is an IP). Upstream signs that leaf with a throw-away
 *    "<hostname>-ca@<time>" CA and writes both; here the leaf signs itself (a client that skips
 *    verification, as Prometheus does for the kubelet, sees no difference).
 * Validity one year, as upstream's.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface ServingCert {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface SelfSignedSubject {
  /** The name before `@<unix time>` in the CN. */
  readonly host: string;
  /** Subject alternative names: DNS names and IPs. */
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** kube-controller-manager's and kube-scheduler's default: localhost, 127.0.0.1. */
export const LOCALHOST_SUBJECT: SelfSignedSubject = {
  host: 'localhost',
  dns: ['localhost'],
  ips: ['127.0.0.1'],
};

/** The kubelet's default for its host name (GenerateSelfSignedCertKey(hostName, nil, nil)). */
export const hostSubject = (host: string): SelfSignedSubject =>
  isIP(host) ? { host, dns: [], ips: [host] } : { host, dns: [host], ips: [] };

/** A self-signed EC P-256 certificate for `subject`, valid 365 days. */
export async function selfSignedCert(subject: SelfSignedSubject = LOCALHOST_SUBJECT): Promise<ServingCert> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-serving-'));
  try {
    const cert = path.join(dir, 'tls.crt');
    const key = path.join(dir, 'tls.key');
    const sans = [...subject.dns.map((d) => `DNS:${d}`), ...subject.ips.map((i) => `IP:${i}`)];
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
      `/CN=${subject.host}@${Math.floor(Date.now() / 1000)}`,
      ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
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
