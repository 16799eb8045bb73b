/**
 * Who sent a request, as upstream's authentication filters decide it, shared by the apiserver and
 * the secure ports of the other components:
 *  - a client certificate verified against the client CA authenticates CN as the user and each O
 *    as a group (kubernetes/apiserver pkg/authentication/request/x509/x509.go CommonNameUserConversion);
 *  - a certificate that does not verify is an authentication failure (401), never anonymous: the
 *    anonymous authenticator only follows when no authenticator found credentials
 *    (pkg/authentication/request/union + anonymous, union.NewFailOnError);
 *  - no credentials at all is `system:anonymous` in `system:unauthenticated` when anonymous
 *    authentication is on (pkg/authentication/request/anonymous), else a 401.
 * Without a client CA the TLS server does not ask for certificates (a presented one is ignored).
 * Every authenticated user also gets `system:authenticated` (pkg/authentication/group).
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

export type Authn =
  /** Credentials that verified. */
  | { readonly kind: 'user'; readonly user: UserInfo }
  /** No credentials (anonymous authentication decides what follows). */
  | { readonly kind: 'none' }
  /** Credentials that did not verify: 401. */
  | { readonly kind: 'invalid'; readonly reason: string };

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
export const AUTHENTICATED_GROUP = 'system:authenticated';

/**
 * The user a verified client certificate names, or why it does not authenticate. The TLS
 * handshake verified the certificate against the CA of its time; with `currentCa` (a CA that is
 * reloaded, e.g. from the extension-apiserver-authentication ConfigMap) a certificate the
 * handshake could not verify is checked again against it on each request, as upstream's x509
 * authenticator verifies every request against the current bundle (k8s.io/apiserver
 * pkg/authentication/request/x509/x509.go `AuthenticateRequest`: `a.verifyOptionsFn()`): a
 * kept-alive connection opened before the CA arrived (Prometheus keeps its scrape connections)
 * authenticates once it has.
 */
export function authenticateClientCert(socket: TLSSocket, caConfigured: boolean, currentCa?: Buffer): Authn {
  if (!caConfigured) return { kind: 'none' };
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) return { kind: 'none' };
  if (!socket.authorized && !(currentCa && issuedBy(socket.getPeerX509Certificate?.(), currentCa))) {
    return { kind: 'invalid', reason: `client certificate: ${String(socket.authorizationError)}` };
  }
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const name = first(cert.subject?.CN);
  if (!name) return { kind: 'invalid', reason: 'client certificate has no common name' };
  const o = cert.subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { kind: 'user', user: { name, groups: [...groups, AUTHENTICATED_GROUP] } };
}

/** Whether `cert` is signed by one of the PEM bundle's certificates and valid now. */
function issuedBy(cert: X509Certificate | undefined, bundle: Buffer): boolean {
  if (!cert) return false;
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return false;
  const pems =
    bundle.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return pems.some((pem) => {
    try {
      const ca = new X509Certificate(pem);
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}
