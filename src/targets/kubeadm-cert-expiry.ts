/**
 * cert-expiry on a kubeadm node: one of a component's certificates replaced by an expired one
 * signed by the same CA, and its renewal, as shell scripts run on the certificate's own host.
 *
 * Which certificate, where (kubeadm's layout, cmd/kubeadm/app/phases/certs/certlist.go):
 *  - `apiserver`: /etc/kubernetes/pki/apiserver.crt, signed by ca (kube-apiserver's serving
 *    certificate: every client through the LB that lands on this apiserver verifies it);
 *  - `etcd-peer`: /etc/kubernetes/pki/etcd/peer.crt, signed by etcd/ca (the member's certificate
 *    for its peers, as server and as client: the other members refuse it).
 *
 * Expire: the original is kept beside as `<file>.before-expiry` (once: a replay keeps the first),
 * and a certificate with the original's key, subject and extensions (SANs, usages) is issued by the
 * CA on the node with validity [now − 2 d, now − 1 d] (`openssl x509 -x509toreq -copy_extensions
 * copyall` carries the extensions into a request, `openssl ca -startdate -enddate` signs it with
 * dates in the past: OpenSSL 3). The component then has to be restarted to serve it for sure
 * (kube-apiserver reloads its serving certificate by itself, etcd reads its files per handshake;
 * the drill restarts both, as kubeadm's own renew tells an operator to).
 *
 * Renew (the heal), only where the drill left its backup (a certificate the drill did not expire
 * is never touched): `kubeadm certs renew <name>` when kubeadm is on the host (it signs a new
 * certificate and key with the CA from the existing certificate's subject, SANs and usages:
 * cmd/kubeadm/app/phases/certs/renewal/manager.go, filerenewer.go `pkiutil.NewCertAndKey`; then
 * "You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd"),
 * otherwise (the lab, a node without kubeadm) the same issue as the expire with validity
 * [now − 5 min, now + 365 d] (kubeadm's CertificateValidity). The backup goes last, so a renewal
 * cut short is redone. Prints what it did: `renewed-by=<kubeadm|openssl> notAfter=<date>`.
 *
 * Served: the certificate the component presents on its port now (`openssl s_client`), as
 * `serial=<hex> notAfter=<date>`: the proof that the restarted component serves the expired one,
 * and the heal's check that it serves a valid one again.
 */
import { shellQuote } from '../executors/ssh.ts';

export const EXPIRABLE_CERTS = ['apiserver', 'etcd-peer'] as const;
export type ExpirableCert = (typeof EXPIRABLE_CERTS)[number];

const PKI = '/etc/kubernetes/pki';

export interface CertSpec {
  readonly cert: string;
  readonly key: string;
  readonly caCert: string;
  readonly caKey: string;
  /** `kubeadm certs renew <name>` and `check-expiration` call it this. */
  readonly kubeadmName: string;
  /** The static pod that serves it (restarted after the swap). */
  readonly component: 'kube-apiserver' | 'etcd';
  /**
   * When the expiry takes effect, on the restart onto the expired certificate: `restart`, from
   * the restart's start (kube-apiserver: from its SIGTERM on, no verifying client is served by it
   * again — stopped, then presenting the expired certificate; its scrape fails throughout), or
   * `running`, once the new process runs (etcd: its restart is an ordinary member restart; being
   * refused by its peers, and having no leader, begins with the new process).
   */
  readonly effectFrom: 'restart' | 'running';
  /** A client certificate the served-cert check presents (etcd's peer port wants one), if any. */
  readonly client?: { readonly cert: string; readonly key: string; readonly ca: string };
}

export const CERT_SPECS: Readonly<Record<ExpirableCert, CertSpec>> = {
  apiserver: {
    cert: `${PKI}/apiserver.crt`,
    key: `${PKI}/apiserver.key`,
    caCert: `${PKI}/ca.crt`,
    caKey: `${PKI}/ca.key`,
    kubeadmName: 'apiserver',
    component: 'kube-apiserver',
    effectFrom: 'restart',
  },
  'etcd-peer': {
    cert: `${PKI}/etcd/peer.crt`,
    key: `${PKI}/etcd/peer.key`,
    caCert: `${PKI}/etcd/ca.crt`,
    caKey: `${PKI}/etcd/ca.key`,
    kubeadmName: 'etcd-peer',
    component: 'etcd',
    effectFrom: 'running',
    // etcd's peer listener asks for a client certificate (--peer-client-cert-auth=true): the
    // health-check client certificate is signed by the same etcd CA.
    client: {
      cert: `${PKI}/etcd/healthcheck-client.crt`,
      key: `${PKI}/etcd/healthcheck-client.key`,
      ca: `${PKI}/etcd/ca.crt`,
    },
  },
};

export const BACKUP_SUFFIX = '.before-expiry';

/**
 * Exit status of a script that needs the CA's key on its host and did not find it there: the
 * certificate is then signed on a host that has it (kubeadm-cert-signer.ts).
 */
export const NO_CA_KEY = 5;

/** Where the renewal signed with an expired certificate made elsewhere is kept until the heal (kubeadm-cert-signer.ts). */
export const renewalFile = (name: ExpirableCert): string => `${CERT_SPECS[name].cert}.renewal`;

/**
 * Shell, in a scratch directory `$d`: `utc` (seconds since the epoch as openssl's UTC time) and a
 * throwaway CA database for `openssl ca`, which keeps the request's subject and extensions
 * (`copy_extensions = copyall`, any subject, a random serial). Shared with
 * kubeadm-kubelet-cert.ts, which signs a node's request on a control plane.
 */
export const CA_DATABASE: readonly string[] = [
  `utc() { date -u -d "@$1" +%y%m%d%H%M%SZ; }`,
  `printf '%s\\n' '[ca]' 'default_ca = drill' '[drill]' "database = $d/index.txt" "new_certs_dir = $d" "serial = $d/serial" 'default_md = sha256' 'policy = any' 'copy_extensions = copyall' 'unique_subject = no' '[any]' 'commonName = supplied' 'organizationName = optional' > "$d/ca.cnf"`,
  ': > "$d/index.txt"; od -An -N8 -tx1 /dev/urandom | tr -d " \\n" > "$d/serial"; echo >> "$d/serial"',
];

/**
 * Shell: stdin's two certificates, the expired one and its renewal (signed elsewhere: a node
 * without the CA's key), in `$new` and `$renewal`; exit 2 unless stdin is exactly that. Shared by
 * kubeadm-cert-signer.ts and kubeadm-kubelet-cert.ts.
 */
export const TWO_CERTS_FROM_STDIN: readonly string[] = [
  'd=$(mktemp -d) || exit 1',
  `trap 'rm -rf "$d"' EXIT`,
  `awk -v d="$d" '/-----BEGIN CERTIFICATE-----/{n++} n{print > (d "/c" n ".pem")}'`,
  `[ -f "$d/c1.pem" ] && [ -f "$d/c2.pem" ] && openssl x509 -in "$d/c1.pem" -noout 2>/dev/null && openssl x509 -in "$d/c2.pem" -noout 2>/dev/null || { echo 'stdin is not two certificates (the expired one, then its renewal)' >&2; exit 2; }`,
  'new=$(cat "$d/c1.pem"); renewal=$(cat "$d/c2.pem")',
];

/**
 * Shell: the certificate in the variable `v` is for the private key in `keyFile` (the same public
 * key), else exit 3 saying `what` is not. Shared with kubeadm-kubelet-cert.ts.
 */
export const certForKey = (v: string, keyFile: string, what: string): string =>
  `[ "$(printf '%s\\n' "$${v}" | openssl x509 -noout -pubkey)" = "$(openssl pkey -in ${keyFile} -pubout)" ] || { echo "${what} is not for this node's key (${keyFile})" >&2; exit 3; }`;

/** Shell: openssl 3 or newer on the host (x509 -copy_extensions), else exit 3. */
export const NEED_OPENSSL3: readonly string[] = [
  "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host: install it (the drill makes the certificate with it)' >&2; exit 3; }",
  `openssl version | grep -q '^OpenSSL [3-9]' || { echo "$(openssl version): OpenSSL 3 or newer is needed (x509 -copy_extensions)" >&2; exit 3; }`,
];

/**
 * Shell: `$nb`/`$na` (epoch seconds) of a certificate signed for the drill: expired [now − 2 d,
 * now − 1 d], or renewed [now − 5 min, now + 365 d] (kubeadm's CertificateValidity).
 */
export const validityDates = (validity: 'expired' | 'renewed'): string =>
  validity === 'expired'
    ? 'now=$(date +%s); nb=$((now - 172800)); na=$((now - 86400))'
    : 'now=$(date +%s); nb=$((now - 300)); na=$((now + 365 * 86400))';

/** Shell: `$d/req.pem` signed with the CA into `$d/new.pem`, valid from `$nb` to `$na` (epoch seconds). */
export const caSign = (caCert: string, caKey: string): string =>
  `openssl ca -batch -config "$d/ca.cnf" -cert ${caCert} -keyfile ${caKey} -in "$d/req.pem" -out "$d/new.pem" -notext -preserveDN -startdate "$(utc "$nb")" -enddate "$(utc "$na")"`;

/** Shell: `serial=<hex> notAfter=<date>` of the certificate on stdin or in `file`, one line (parseCertLine). */
export const certLineOf = (file?: string): string =>
  `openssl x509${file ? ` -in ${file}` : ''} -noout -serial -enddate | tr '\\n' ' ' | sed 's/ $/\\n/'`;

/**
 * Shell: issue `$out` from the certificate `$from` (its key `$key`, its subject and extensions)
 * with the CA, valid from `$nb` to `$na` (seconds since the epoch).
 */
function issueFn(s: CertSpec): string {
  return [
    'issue() {',
    '  d=$(mktemp -d) || return 1',
    ...CA_DATABASE.map((l) => `  ${l}`),
    '  openssl x509 -x509toreq -in "$from" -signkey "$key" -copy_extensions copyall -out "$d/req.pem" 2>"$d/err" &&',
    `  ${caSign(s.caCert, s.caKey)} 2>>"$d/err" &&`,
    '  cp "$d/new.pem" "$out.drill-tmp" && chmod 0644 "$out.drill-tmp" && mv -f "$out.drill-tmp" "$out"',
    '  rc=$?; [ $rc -eq 0 ] || cat "$d/err" >&2; rm -rf "$d"; return $rc',
    '}',
  ].join('\n');
}

const preamble = (s: CertSpec): string[] => [
  "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host: install it (the drill issues the certificate on the node, with its CA)' >&2; exit 3; }",
  `for f in ${s.cert} ${s.key} ${s.caCert}; do [ -f "$f" ] || { echo "$f is missing: not a kubeadm node with this certificate" >&2; exit 3; }; done`,
  // kubeadm's HA etcd guide keeps etcd/ca.key on the first etcd host only (setup-ha-etcd-with-kubeadm.md).
  `[ -f ${s.caKey} ] || { echo "${s.caKey} is missing on $(hostname): the certificate is signed on a host that has the CA's key" >&2; exit ${NO_CA_KEY}; }`,
  `openssl version | grep -q '^OpenSSL [3-9]' || { echo "$(openssl version): OpenSSL 3 or newer is needed (x509 -copy_extensions)" >&2; exit 3; }`,
];

/** Replace the certificate by an expired one (same key, subject, extensions, CA); keep the original once. */
export function expireCertScript(name: ExpirableCert): string {
  const s = CERT_SPECS[name];
  const backup = `${s.cert}${BACKUP_SUFFIX}`;
  return [
    ...preamble(s),
    issueFn(s),
    `[ -f ${backup} ] || cp -p ${s.cert} ${backup}`,
    `from=${backup}; key=${s.key}; out=${s.cert}`,
    'now=$(date +%s); nb=$((now - 172800)); na=$((now - 86400))',
    'issue || exit 1',
    certLineOf(s.cert),
  ].join('\n');
}

/** Renew where the drill expired it (kubeadm when present, else the CA on the node); else nothing. */
export function renewCertScript(name: ExpirableCert): string {
  const s = CERT_SPECS[name];
  const backup = `${s.cert}${BACKUP_SUFFIX}`;
  return [
    `[ -f ${backup} ] || { echo 'renewed-by=none: no ${backup}, nothing the drill expired'; exit 0; }`,
    ...keptRenewalLines(name),
    ...preamble(s),
    issueFn(s),
    `if command -v kubeadm >/dev/null 2>&1 && kubeadm certs renew ${s.kubeadmName} >&2; then by=kubeadm; else`,
    `  from=${backup}; key=${s.key}; out=${s.cert}`,
    '  now=$(date +%s); nb=$((now - 300)); na=$((now + 365 * 86400))',
    '  issue || exit 1; by=openssl',
    'fi',
    `na=$(openssl x509 -in ${s.cert} -noout -enddate | sed 's/^notAfter=//')`,
    `openssl x509 -in ${s.cert} -noout -checkend 0 >/dev/null || { echo "${s.cert} still expired after the renewal ($na)" >&2; exit 1; }`,
    `rm -f ${backup}`,
    'echo "renewed-by=$by notAfter=$na"',
  ].join('\n');
}

/** The certificate the component presents on `address:port` now: `serial=<hex> notAfter=<date>`. */
export function servedCertScript(name: ExpirableCert, address: string, port: number): string {
  const s = CERT_SPECS[name];
  const client = s.client ? ` -cert ${s.client.cert} -key ${s.client.key}` : '';
  const hostPort = shellQuote(`${address}:${port}`);
  return [
    "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
    `pem=$(openssl s_client -connect ${hostPort}${client} </dev/null 2>/dev/null | sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p')`,
    `[ -n "$pem" ] || { echo 'nothing answered TLS on ${address}:${port}' >&2; exit 1; }`,
    `printf '%s\\n' "$pem" | ${certLineOf()}`,
  ].join('\n');
}

/** `serial=<hex> notAfter=<date>` as the scripts print it. */
export function parseCertLine(stdout: string): { serial: string; notAfter: Date } | undefined {
  const m = /serial=([0-9A-Fa-f]+) notAfter=(.+?)\s*$/m.exec(stdout);
  if (!m) return undefined;
  const at = Date.parse(m[2]!);
  return Number.isNaN(at) ? undefined : { serial: m[1]!.toUpperCase(), notAfter: new Date(at) };
}

/** `renewed-by=<kubeadm|openssl|none> …` as the renew script prints it. */
export function parseRenewed(stdout: string): 'kubeadm' | 'openssl' | 'none' | undefined {
  const m = /renewed-by=(kubeadm|openssl|none)\b/.exec(stdout);
  return m ? (m[1] as 'kubeadm' | 'openssl' | 'none') : undefined;
}

/**
 * Shell for the start of renew-cert: where the drill kept a renewal, install it (checked against
 * the node's key, not expired), then remove it and the backup (last), print `renewed-by=openssl
 * notAfter=…` and exit; otherwise fall through to the renewal with the CA on the node.
 */
export function keptRenewalLines(name: ExpirableCert): string[] {
  const s = CERT_SPECS[name];
  const backup = `${s.cert}${BACKUP_SUFFIX}`;
  const renewal = renewalFile(name);
  return [
    `if [ -f ${renewal} ]; then`,
    "  command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
    `  [ "$(openssl x509 -in ${renewal} -noout -pubkey)" = "$(openssl pkey -in ${s.key} -pubout)" ] || { echo "the kept renewal ${renewal} is not for ${s.key}: put ${backup} back in place of ${s.cert} and restart ${s.component}" >&2; exit 3; }`,
    `  openssl x509 -in ${renewal} -noout -checkend 0 >/dev/null || { echo 'the kept renewal has expired too' >&2; exit 1; }`,
    `  cp ${renewal} ${s.cert}.drill-tmp && chmod 0644 ${s.cert}.drill-tmp && mv -f ${s.cert}.drill-tmp ${s.cert} || exit 1`,
    `  rm -f ${renewal}; rm -f ${backup}`,
    `  echo "renewed-by=openssl notAfter=$(openssl x509 -in ${s.cert} -noout -enddate | sed 's/^notAfter=//')"`,
    '  exit 0',
    'fi',
  ];
}
