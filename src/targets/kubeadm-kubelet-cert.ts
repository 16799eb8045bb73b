/**
 * cert-expiry's kubelet-client variant on kubeadm nodes, as shell scripts: the kubelet's rotated
 * client certificate, `/var/lib/kubelet/pki/kubelet-client-current.pem` (certificate then key in
 * one file, a symlink to `kubelet-client-<timestamp>.pem`, which kubelet.conf names: kubeadm
 * troubleshooting "Kubelet client certificate rotation fails"; src/lab/kubeadm/kubelet-client.ts).
 *
 * A worker has no cluster CA key, so the certificate is made in three steps and the node's private
 * key never leaves it:
 *  1. `kubelet-csr` on the node: a request from its certificate (the original kept beside, once
 *     expired) and its key, subject and extensions kept (`openssl x509 -x509toreq
 *     -copy_extensions copyall`, OpenSSL 3);
 *  2. `sign-kubelet-csr` on a control plane (the request on stdin): signed with the cluster CA
 *     (what the controller-manager's signer uses, --cluster-signing-cert-file), valid
 *     [now − 2 d, now − 1 d] (expired) or [now − 5 min, now + 365 d] (renewed), only for a request
 *     whose subject is a node's (`CN=system:node:…`);
 *  3. `install-kubelet-cert` on the node (the certificates checked against the node's key):
 *     written with the key into the file the symlink names (the link stays, as the kubelet's file
 *     store keeps it), 0600. `expire` gets the expired certificate and its renewal (both signed in
 *     step 2), keeps the renewal beside and the original as `<current>.before-expiry` (once);
 *     `renew` installs the kept renewal, only where that backup is (nothing the drill expired is
 *     touched), and removes the backup last, so a renewal cut short is redone. The heal is thus
 *     one command on the node, replayable by `recover` from the journal, no control plane needed.
 * kubeadm does not renew kubelet certificates (the kubelet rotates its own), so there is no kubeadm
 * path. `kubelet-client-state` reads the node's side in one line (see kubeletClientStateScript).
 */

import {
  CA_DATABASE,
  caSign,
  certForKey,
  certLineOf,
  NEED_OPENSSL3,
  TWO_CERTS_FROM_STDIN,
  validityDates,
} from './kubeadm-cert-expiry.ts';

export const KUBELET_CLIENT_PEM = '/var/lib/kubelet/pki/kubelet-client-current.pem';
const BACKUP = `${KUBELET_CLIENT_PEM}.before-expiry`;
/** The renewal signed when the certificate was expired, for the heal (a certificate: public). */
const RENEWAL = `${KUBELET_CLIENT_PEM}.renewal`;
/** The kubelet's healthz (KubeletConfiguration healthzBindAddress:healthzPort defaults), what kubeadm's kubelet-check polls. */
export const KUBELET_HEALTHZ_URL = 'http://127.0.0.1:10248/healthz';
const PKI = '/etc/kubernetes/pki';

export type KubeletCertValidity = 'expired' | 'renewed';
export type KubeletCertInstall = 'expire' | 'renew';

const needFile = `[ -f ${KUBELET_CLIENT_PEM} ] || { echo 'no ${KUBELET_CLIENT_PEM}: not a kubeadm node whose kubelet rotates its client certificate' >&2; exit 3; }`;
/** `serial=<hex> notAfter=<date>` of the node's certificate, as kubeadm-cert-expiry.ts parseCertLine reads it. */
const certLine = certLineOf(KUBELET_CLIENT_PEM);

/**
 * The kubelet's client side on its node, one line: `serial=<hex> notAfter=<date> healthz=<code>
 * api=<code> backup=<yes|no>`: the certificate kubelet.conf names, the HTTP status of the kubelet's
 * healthz (000: nothing answers, the kubelet is not running — kubeadm's kubelet-check), what
 * kubelet.conf's server answers that certificate on `GET /api` (401: refused; 000: unreachable),
 * and whether the drill's backup of the original is there.
 */
export function kubeletClientStateScript(): string {
  const f = KUBELET_CLIENT_PEM;
  const code = (args: string) => `$(curl -s -o /dev/null -w '%{http_code}' ${args} 2>/dev/null || true)`;
  return [
    "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
    "command -v curl >/dev/null 2>&1 || { echo 'curl is not installed on this host: install it (it asks the kubelet and the API)' >&2; exit 3; }",
    needFile,
    `c=$(${certLine})`,
    `h=${code(`--max-time 2 ${KUBELET_HEALTHZ_URL}`)}`,
    `server=$(sed -n 's/^ *server: *//p' /etc/kubernetes/kubelet.conf | head -n1)`,
    `[ -n "$server" ] || { echo 'no server in /etc/kubernetes/kubelet.conf' >&2; exit 3; }`,
    `a=${code(`--max-time 3 --cacert ${PKI}/ca.crt --cert ${f} --key ${f} "$server/api"`)}`,
    `if [ -f ${BACKUP} ]; then b=yes; else b=no; fi`,
    'echo "$c healthz=$h api=$a backup=$b"',
  ].join('\n');
}

export interface KubeletClientState {
  readonly serial: string;
  readonly notAfter: Date;
  /** HTTP status of the kubelet's healthz; 0: nothing answered. */
  readonly healthz: number;
  /** HTTP status of the API for the certificate; 0: no answer. */
  readonly api: number;
  /** The drill's backup of the original is on the node (an expiry not yet renewed). */
  readonly backup: boolean;
}

/** The line kubeletClientStateScript prints. */
export function parseKubeletClientState(stdout: string): KubeletClientState | undefined {
  const m = /serial=([0-9A-Fa-f]+) notAfter=(.+?) healthz=(\d{3}) api=(\d{3}) backup=(yes|no)\s*$/m.exec(
    stdout,
  );
  if (!m) return undefined;
  const at = Date.parse(m[2]!);
  if (Number.isNaN(at)) return undefined;
  return {
    serial: m[1]!.toUpperCase(),
    notAfter: new Date(at),
    healthz: Number(m[3]),
    api: Number(m[4]),
    backup: m[5] === 'yes',
  };
}

/** Step 1, on the node: a request (PEM) from the original certificate and the node's key. */
export function kubeletCsrScript(): string {
  return [
    ...NEED_OPENSSL3,
    needFile,
    `from=${KUBELET_CLIENT_PEM}; [ -f ${BACKUP} ] && from=${BACKUP}`,
    'openssl x509 -x509toreq -in "$from" -signkey "$from" -copy_extensions copyall',
  ].join('\n');
}

/** Step 2, on a control plane: the request on stdin signed by the cluster CA; prints the certificate. */
export function signKubeletCsrScript(validity: KubeletCertValidity): string {
  return [
    ...NEED_OPENSSL3,
    `for f in ${PKI}/ca.crt ${PKI}/ca.key; do [ -f "$f" ] || { echo "$f is missing: sign on a kubeadm control plane with the cluster CA's key" >&2; exit 3; }; done`,
    'd=$(mktemp -d) || exit 1',
    `trap 'rm -rf "$d"' EXIT`,
    'cat > "$d/req.pem"',
    `subj=$(openssl req -in "$d/req.pem" -noout -subject 2>/dev/null) || { echo 'stdin is not a certificate request' >&2; exit 2; }`,
    `printf '%s\\n' "$subj" | grep -q 'CN *= *system:node:' || { echo "not a kubelet's request ($subj): refused" >&2; exit 3; }`,
    ...CA_DATABASE,
    validityDates(validity),
    `${caSign(`${PKI}/ca.crt`, `${PKI}/ca.key`)} 2>"$d/err" || { cat "$d/err" >&2; exit 1; }`,
    'cat "$d/new.pem"',
  ].join('\n');
}

/**
 * Step 3, on the node. `expire`: stdin holds two certificates, the expired one and the renewal
 * signed with it (both from step 2, for the node's key: checked); the renewal is kept as
 * `<current>.renewal` (public, 0644), then the original as `<current>.before-expiry` (once), then
 * the expired one is written with the node's key; prints its `serial=… notAfter=…`. `renew`: no
 * stdin, so the heal is one command on the node that `recover` can replay as journaled, with no
 * control plane needed: where the backup is, the prepared renewal is written with the node's key
 * and the renewal and the backup removed (the backup last); prints `renewed-by=<openssl|none>
 * notAfter=…`.
 */
export function installKubeletCertScript(mode: KubeletCertInstall): string {
  const f = KUBELET_CLIENT_PEM;
  /** Writes the certificate in "$new" with the node's key into the file the symlink names. */
  const write = [
    `out=$(readlink -f ${f})`,
    `{ printf '%s\\n' "$new" && sed -n '/-BEGIN [A-Z ]*PRIVATE KEY-/,/-END [A-Z ]*PRIVATE KEY-/p' ${f}; } > "$out.drill-tmp" && chmod 0600 "$out.drill-tmp" && mv -f "$out.drill-tmp" "$out" || exit 1`,
  ];
  if (mode === 'renew')
    return [
      `[ -f ${BACKUP} ] || { echo 'renewed-by=none: no ${BACKUP}, nothing the drill expired'; exit 0; }`,
      "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
      needFile,
      `[ -f ${RENEWAL} ] || { echo 'no ${RENEWAL}: the renewal prepared when the drill expired the certificate is gone; put the original ${BACKUP} back in place of the file ${f} links to, and restart the kubelet' >&2; exit 3; }`,
      `new=$(cat ${RENEWAL})`,
      certForKey('new', f, 'the prepared renewal'),
      `printf '%s\\n' "$new" | openssl x509 -noout -checkend 0 >/dev/null || { echo 'the prepared renewal has expired too' >&2; exit 1; }`,
      ...write,
      `rm -f ${RENEWAL}`,
      `rm -f ${BACKUP}`,
      `echo "renewed-by=openssl notAfter=$(openssl x509 -in ${f} -noout -enddate | sed 's/^notAfter=//')"`,
    ].join('\n');
  return [
    "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
    needFile,
    ...TWO_CERTS_FROM_STDIN,
    certForKey('new', f, 'the certificate'),
    certForKey('renewal', f, 'the renewal'),
    `printf '%s\\n' "$renewal" | openssl x509 -noout -checkend 0 >/dev/null || { echo 'the renewal is expired' >&2; exit 2; }`,
    `printf '%s\\n' "$renewal" > ${RENEWAL}.drill-tmp && chmod 0644 ${RENEWAL}.drill-tmp && mv -f ${RENEWAL}.drill-tmp ${RENEWAL} || exit 1`,
    `[ -f ${BACKUP} ] || cp -p ${f} ${BACKUP}`,
    ...write,
    certLine,
  ].join('\n');
}
