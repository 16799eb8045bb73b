/**
 * Lab PKI: one CA, a serving certificate per control plane's apiserver, client certificates
 * (admin and per component), and kubeconfig files. Keys are ECDSA P-256 (fast to generate);
 * everything is produced by the `openssl` CLI with an argv array (no shell). Idempotent: a file
 * that already exists is reused, so `lab up` can run again over the same state directory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export { type KubeconfigOptions, writeKubeconfig } from './kubeconfig.ts';

const run = promisify(execFile);

/** The lab's virtual IP, in every serving certificate. */
export const LAB_VIP = '198.18.0.10';

export interface PkiHost {
  readonly name: string;
  readonly ip: string;
}

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface PkiOptions {
  /** Extra IP SANs for every serving certificate (default: the lab VIP 198.18.0.10). */
  readonly extraIps?: readonly string[];
  /** Certificate lifetime in days (default 825). */
  readonly days?: number;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl not found: install it (apt-get install -y openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`certificate name '${name}' must use only letters, digits, '.', '_' and '-'`);
  }
}

const escapeDn = (s: string) => s.replace(/([/=+\\])/g, '\\$1');

const ekuList = (u: LeafSpec['usage']): readonly ExtendedKeyUsage[] =>
  u === 'server' ? ['serverAuth'] : u === 'client' ? ['clientAuth'] : u;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** `openssl req` making a new key and its certificate into `pair` (self-signed, or with -CA). */
const newCertArgv = (pair: CertPair): string[] => [
  'req',
  '-x509',
  '-new',
  ...EC_KEY,
  '-keyout',
  pair.key,
  '-out',
  pair.cert,
];

export interface CaOptions {
  /** File base name: `<name>.crt`, `<name>.key` (default `ca`). */
  readonly name?: string;
  /** Subject CN (default `hadrill-lab-ca`). */
  readonly cn?: string;
  /** keyUsage extension value (default `critical,keyCertSign,cRLSign,digitalSignature`). */
  readonly keyUsage?: string;
}

/** Creates a CA in `dir` (`ca.crt`, `ca.key` by default) unless both files already exist. */
export async function ensureCa(dir: string, days = 3650, o: CaOptions = {}): Promise<CertPair> {
  await mkdir(dir, { recursive: true });
  const name = o.name ?? 'ca';
  checkName(name);
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  if ((await exists(pair.cert)) && (await exists(pair.key))) return pair;
  await openssl([
    ...newCertArgv(pair),
    '-days',
    String(days),
    '-subj',
    `/CN=${escapeDn(o.cn ?? 'hadrill-lab-ca')}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    `keyUsage=${o.keyUsage ?? 'critical,keyCertSign,cRLSign,digitalSignature'}`,
  ]);
  await chmod(pair.key, 0o600);
  return pair;
}

/**
 * An EC P-256 key pair without a certificate, `<name>.key` (mode 0600) and `<name>.pub` (PEM
 * public key), as kubeadm's service-account signing key `sa.key`/`sa.pub`; reused if both exist.
 */
export async function ensureKeyPair(dir: string, name: string): Promise<{ key: string; pub: string }> {
  checkName(name);
  await mkdir(dir, { recursive: true });
  const out = { key: path.join(dir, `${name}.key`), pub: path.join(dir, `${name}.pub`) };
  if ((await exists(out.key)) && (await exists(out.pub))) return out;
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', out.key]);
  await chmod(out.key, 0o600);
  await openssl(['pkey', '-in', out.key, '-pubout', '-out', out.pub]);
  return out;
}

export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

export interface LeafSpec {
  /** File base name: `<name>.crt`, `<name>.key`. */
  readonly name: string;
  readonly cn: string;
  readonly groups?: readonly string[];
  /** `server` = serverAuth, `client` = clientAuth, or the list (e.g. both, as etcd's certificates). */
  readonly usage: 'server' | 'client' | readonly ExtendedKeyUsage[];
  /** keyUsage extension value (default `critical,digitalSignature,keyEncipherment`). */
  readonly keyUsage?: string;
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly days?: number;
}

/**
 * Issues a leaf certificate signed by `ca` into `dir`, unless its files already exist: one
 * `openssl req -x509 -CA` (OpenSSL 3.0: the new key, the request and the CA's signature in one
 * process, where `req -new` then `x509 -req` took two; a cluster's files are 39 leaves, and the
 * processes were most of `lab up`'s first 1.6 s). The extensions come from a config of its own
 * (`-config`, `-extensions leaf`), none from openssl.cnf's defaults; OpenSSL adds the subject and
 * authority key identifiers as `x509 -req` did.
 */
export async function ensureLeaf(dir: string, ca: CertPair, spec: LeafSpec): Promise<CertPair> {
  checkName(spec.name);
  const eku = ekuList(spec.usage);
  if (eku.length === 0) throw new Error(`certificate '${spec.name}': give at least one extended key usage`);
  const pair = { cert: path.join(dir, `${spec.name}.crt`), key: path.join(dir, `${spec.name}.key`) };
  if ((await exists(pair.cert)) && (await exists(pair.key))) return pair;
  await mkdir(dir, { recursive: true });
  const subj = `/CN=${escapeDn(spec.cn)}${(spec.groups ?? []).map((g) => `/O=${escapeDn(g)}`).join('')}`;
  const config = path.join(dir, `${spec.name}.cnf`);
  const sans = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((i) => `IP:${i}`)];
  const lines = [
    // `req` needs a distinguished_name section even with -subj.
    '[req]',
    'distinguished_name = dn',
    '[dn]',
    '[leaf]',
    'basicConstraints=critical,CA:FALSE',
    `keyUsage=${spec.keyUsage ?? 'critical,digitalSignature,keyEncipherment'}`,
    `extendedKeyUsage=${eku.join(',')}`,
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
  await writeFile(config, `${lines.join('\n')}\n`);
  try {
    await openssl([
      ...newCertArgv(pair),
      '-subj',
      subj,
      '-config',
      config,
      '-extensions',
      'leaf',
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      String(spec.days ?? 825),
    ]);
    await chmod(pair.key, 0o600);
  } finally {
    await rm(config, { force: true });
  }
  return pair;
}

/** DNS SANs of every apiserver serving certificate (plus the host's own name). */
export const APISERVER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'localhost',
];

/** Serving certificate for one control plane's apiserver: `apiserver-<host>.crt`. */
export function ensureApiserverCert(
  dir: string,
  ca: CertPair,
  host: PkiHost,
  opts: PkiOptions = {},
): Promise<CertPair> {
  const ips = [...new Set([host.ip, '127.0.0.1', ...(opts.extraIps ?? [LAB_VIP])])];
  return ensureLeaf(dir, ca, {
    name: `apiserver-${host.name}`,
    cn: 'kube-apiserver',
    usage: 'server',
    dnsNames: [...new Set([...APISERVER_DNS_NAMES, host.name])],
    ips,
    ...(opts.days ? { days: opts.days } : {}),
  });
}

/** Client certificate `<name>.crt` with CN=user and O=groups (how the apiserver reads identity). */
export function ensureClientCert(
  dir: string,
  ca: CertPair,
  name: string,
  user: string,
  groups: readonly string[] = [],
): Promise<CertPair> {
  return ensureLeaf(dir, ca, { name, cn: user, groups, usage: 'client' });
}
