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

export interface LabPki {
  readonly dir: string;
  readonly ca: CertPair;
  /** Serving certificate per control-plane host name. */
  readonly servers: Readonly<Record<string, CertPair>>;
  /** CN=kubernetes-admin, O=system:masters. */
  readonly admin: CertPair;
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

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Creates the CA in `dir` (ca.crt, ca.key) unless both files already exist. */
export async function ensureCa(dir: string, days = 3650): Promise<CertPair> {
  await mkdir(dir, { recursive: true });
  const pair = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
  if ((await exists(pair.cert)) && (await exists(pair.key))) return pair;
  await openssl([
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    String(days),
    '-subj',
    '/CN=hadrill-lab-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  await chmod(pair.key, 0o600);
  return pair;
}

export interface LeafSpec {
  /** File base name: `<name>.crt`, `<name>.key`. */
  readonly name: string;
  readonly cn: string;
  readonly groups?: readonly string[];
  readonly usage: 'server' | 'client';
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly days?: number;
}

/** Issues a leaf certificate signed by `ca` into `dir`, unless its files already exist. */
export async function ensureLeaf(dir: string, ca: CertPair, spec: LeafSpec): Promise<CertPair> {
  if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) {
    throw new Error(`certificate name '${spec.name}' must use only letters, digits, '.', '_' and '-'`);
  }
  const pair = { cert: path.join(dir, `${spec.name}.crt`), key: path.join(dir, `${spec.name}.key`) };
  if ((await exists(pair.cert)) && (await exists(pair.key))) return pair;
  const esc = (s: string) => s.replace(/([/=+\\])/g, '\\$1');
  const subj = `/CN=${esc(spec.cn)}${(spec.groups ?? []).map((g) => `/O=${esc(g)}`).join('')}`;
  const csr = path.join(dir, `${spec.name}.csr`);
  const ext = path.join(dir, `${spec.name}.ext`);
  const sans = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((i) => `IP:${i}`)];
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(',')}`);
  await writeFile(ext, `${lines.join('\n')}\n`);
  try {
    await openssl(['req', '-new', ...EC_KEY, '-keyout', pair.key, '-out', csr, '-subj', subj]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      String(spec.days ?? 825),
      '-extfile',
      ext,
      '-out',
      pair.cert,
    ]);
    await chmod(pair.key, 0o600);
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
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

/** Generates (or reuses) the whole lab PKI in `dir` for the given control-plane hosts. */
export async function ensureLabPki(
  dir: string,
  hosts: readonly PkiHost[],
  opts: PkiOptions = {},
): Promise<LabPki> {
  const ca = await ensureCa(dir);
  const servers: Record<string, CertPair> = {};
  const results = await Promise.all(hosts.map((h) => ensureApiserverCert(dir, ca, h, opts)));
  hosts.forEach((h, i) => {
    servers[h.name] = results[i]!;
  });
  const admin = await ensureClientCert(dir, ca, 'admin', 'kubernetes-admin', ['system:masters']);
  return { dir, ca, servers, admin };
}
