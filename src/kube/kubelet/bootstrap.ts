/**
 * The kubelet's client credentials at start, as upstream decides them when it is given a
 * bootstrap kubeconfig (kubeadm's systemd drop-in 10-kubeadm.conf always passes
 * `--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf`,
 * and `kubeadm join` deletes the bootstrap file once the node has its certificate):
 * kubernetes/kubernetes pkg/kubelet/certificate/bootstrap/bootstrap.go `LoadClientConfig`:
 *  - no bootstrap kubeconfig: the kubeconfig is used as it is, whatever its certificate;
 *  - `isClientConfigStillValid(kubeconfig)`: the file exists, loads, has client certificate data
 *    (the `client-certificate` file or `client-certificate-data`), and no certificate in it has
 *    passed its notAfter (`now.After(cert.NotAfter)`; notBefore is not checked): it is used;
 *  - otherwise the bootstrap kubeconfig is loaded, and a missing one is the error the kubelet
 *    exits with: `unable to load bootstrap kubeconfig: stat <path>: no such file or directory`
 *    (cmd/kubelet/app/server.go wraps it as "failed to run Kubelet"); under systemd's
 *    `Restart=always` that is a restart loop, and the node stops heartbeating.
 * Requesting a new certificate with the bootstrap token (a CSR the controller-manager signs) is not
 * emulated: with a bootstrap kubeconfig present the lab's kubelet says so and exits.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type ClientConfigCheck =
  | { readonly use: 'kubeconfig'; readonly why: string }
  | { readonly use: 'none'; readonly error: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Why the kubeconfig's client certificate is not usable, or undefined when it is. */
export function invalidClientCert(kubeconfigPath: string, now = Date.now()): string | undefined {
  if (!existsSync(kubeconfigPath)) return `${kubeconfigPath} does not exist`;
  const kc = new KubeConfig();
  let pem: string;
  try {
    kc.loadFromFile(kubeconfigPath);
    const user = kc.getCurrentUser();
    if (!user) return `${kubeconfigPath} has no current user`;
    if (user.certData) pem = Buffer.from(user.certData, 'base64').toString('utf8');
    else if (user.certFile)
      pem = readFileSync(path.resolve(path.dirname(kubeconfigPath), user.certFile), 'utf8');
    else return `${kubeconfigPath} has no client certificate`;
  } catch (e) {
    return `unable to read existing bootstrap client config from ${kubeconfigPath}: ${(e as Error).message}`;
  }
  const certs = pem.match(PEM_CERT) ?? [];
  if (certs.length === 0) return `unable to read TLS certificates from ${kubeconfigPath}`;
  for (const c of certs) {
    let notAfter: number;
    try {
      notAfter = Date.parse(new X509Certificate(c).validTo);
    } catch (e) {
      return `unable to load TLS certificates from ${kubeconfigPath}: ${(e as Error).message}`;
    }
    if (now > notAfter)
      return `part of the existing bootstrap client certificate in ${kubeconfigPath} is expired: ${new Date(notAfter).toISOString()}`;
  }
  return undefined;
}

/** LoadClientConfig's decision for this kubelet (see the header). */
export function checkClientConfig(
  kubeconfigPath: string,
  bootstrapPath: string,
  now = Date.now(),
): ClientConfigCheck {
  if (!bootstrapPath) return { use: 'kubeconfig', why: 'no bootstrapping requested' };
  const invalid = invalidClientCert(kubeconfigPath, now);
  if (invalid === undefined) return { use: 'kubeconfig', why: 'current kubeconfig contents are still valid' };
  if (!existsSync(bootstrapPath))
    return {
      use: 'none',
      error: `${invalid}; unable to load bootstrap kubeconfig: stat ${bootstrapPath}: no such file or directory`,
    };
  return {
    use: 'none',
    error: `${invalid}; a new client certificate would be requested with ${bootstrapPath} (TLS bootstrapping), which the lab's kubelet does not emulate: renew the certificate ${kubeconfigPath} uses instead`,
  };
}
