/**
 * cert-expiry on a node that has the certificate but not its CA's key: kubeadm's HA etcd guide
 * makes every etcd host's certificates on its first host and deletes `etcd/ca.key` from the copies
 * for the others (setup-ha-etcd-with-kubeadm.md: `find /tmp/${HOST1} -name ca.key -type f
 * -delete`), so only that host can sign. As for the kubelet's client certificate
 * (kubeadm-kubelet-cert.ts), the certificate is then made in three steps and the node's private
 * key never leaves it:
 *  1. `cert-request` on the node: a request from its certificate (the original, once expired) and
 *     its key, subject and extensions kept (`openssl x509 -x509toreq -copy_extensions copyall`);
 *  2. `sign-cert-request` on a host with the CA's key (the request on stdin): valid
 *     [now − 2 d, now − 1 d] (expired) or [now − 5 min, now + 365 d] (renewed); a host without
 *     the key exits NO_CA_KEY, so the caller tries the next;
 *  3. `install-cert` on the node, stdin the expired certificate and its renewal (both checked
 *     against the node's key): the renewal kept as `<cert>.renewal`, the original as
 *     `<cert>.before-expiry` (once), the expired one written in place; prints `serial=… notAfter=…`.
 * The heal stays one command on the node (`renew-cert`, kubeadm-cert-expiry.ts): where a kept
 * renewal is, it is installed; no CA needed, so `recover` can replay it as journaled.
 */
import {
  BACKUP_SUFFIX,
  CA_DATABASE,
  CERT_SPECS,
  caSign,
  certForKey,
  certLineOf,
  type ExpirableCert,
  NEED_OPENSSL3,
  NO_CA_KEY,
  renewalFile,
  TWO_CERTS_FROM_STDIN,
  validityDates,
} from './kubeadm-cert-expiry.ts';

export type CertValidity = 'expired' | 'renewed';

/** Step 1, on the node: a request (PEM) from the original certificate and the node's key. */
export function certRequestScript(name: ExpirableCert): string {
  const s = CERT_SPECS[name];
  const backup = `${s.cert}${BACKUP_SUFFIX}`;
  return [
    ...NEED_OPENSSL3,
    `for f in ${s.cert} ${s.key}; do [ -f "$f" ] || { echo "$f is missing: not a kubeadm node with this certificate" >&2; exit 3; }; done`,
    `from=${s.cert}; [ -f ${backup} ] && from=${backup}`,
    `openssl x509 -x509toreq -in "$from" -signkey ${s.key} -copy_extensions copyall`,
  ].join('\n');
}

/** Step 2, on a host with the CA's key: the request on stdin signed; prints the certificate. */
export function signCertRequestScript(name: ExpirableCert, validity: CertValidity): string {
  const s = CERT_SPECS[name];
  return [
    ...NEED_OPENSSL3,
    `for f in ${s.caCert} ${s.caKey}; do [ -f "$f" ] || { echo "$f is missing on $(hostname): not the host that holds this CA's key" >&2; exit ${NO_CA_KEY}; }; done`,
    'd=$(mktemp -d) || exit 1',
    `trap 'rm -rf "$d"' EXIT`,
    'cat > "$d/req.pem"',
    `openssl req -in "$d/req.pem" -noout -subject >/dev/null 2>&1 || { echo 'stdin is not a certificate request' >&2; exit 2; }`,
    ...CA_DATABASE,
    validityDates(validity),
    `${caSign(s.caCert, s.caKey)} 2>"$d/err" || { cat "$d/err" >&2; exit 1; }`,
    'cat "$d/new.pem"',
  ].join('\n');
}

/** Step 3, on the node: the expired certificate and its renewal (stdin) installed; see the header. */
export function installCertScript(name: ExpirableCert): string {
  const s = CERT_SPECS[name];
  const backup = `${s.cert}${BACKUP_SUFFIX}`;
  const renewal = renewalFile(name);
  return [
    "command -v openssl >/dev/null 2>&1 || { echo 'no openssl on this host' >&2; exit 3; }",
    `for f in ${s.cert} ${s.key}; do [ -f "$f" ] || { echo "$f is missing: not a kubeadm node with this certificate" >&2; exit 3; }; done`,
    ...TWO_CERTS_FROM_STDIN,
    certForKey('new', s.key, 'the certificate'),
    certForKey('renewal', s.key, 'the renewal'),
    `printf '%s\\n' "$renewal" | openssl x509 -noout -checkend 0 >/dev/null || { echo 'the renewal is expired' >&2; exit 2; }`,
    `printf '%s\\n' "$renewal" > ${renewal}.drill-tmp && chmod 0644 ${renewal}.drill-tmp && mv -f ${renewal}.drill-tmp ${renewal} || exit 1`,
    `[ -f ${backup} ] || cp -p ${s.cert} ${backup}`,
    `printf '%s\\n' "$new" > ${s.cert}.drill-tmp && chmod 0644 ${s.cert}.drill-tmp && mv -f ${s.cert}.drill-tmp ${s.cert} || exit 1`,
    certLineOf(s.cert),
  ].join('\n');
}
