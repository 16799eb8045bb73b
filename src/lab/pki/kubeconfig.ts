/** Kubeconfig writer: one cluster, one user (client certificate or bearer token), one context. */
import { readFile, writeFile } from 'node:fs/promises';
import YAML from 'yaml';

export interface KubeconfigOptions {
  /** e.g. https://198.18.0.10:6443 */
  readonly server: string;
  /** Path of the CA certificate (embedded as certificate-authority-data). */
  readonly caFile: string;
  /** Client certificate and key paths (embedded), or a bearer token. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly token?: string;
  readonly clusterName?: string;
  readonly userName?: string;
  readonly contextName?: string;
  readonly namespace?: string;
}

const b64 = async (file: string) => (await readFile(file)).toString('base64');

/** Renders the kubeconfig YAML (file contents are embedded, so the file is self-contained). */
export async function renderKubeconfig(o: KubeconfigOptions): Promise<string> {
  if (!/^https:\/\//.test(o.server))
    throw new Error(`kubeconfig server '${o.server}' must be an https:// URL`);
  const hasCert = o.clientCert !== undefined || o.clientKey !== undefined;
  if (hasCert && (o.clientCert === undefined || o.clientKey === undefined)) {
    throw new Error('kubeconfig: give both clientCert and clientKey');
  }
  if (!hasCert && o.token === undefined) throw new Error('kubeconfig: give clientCert+clientKey or a token');
  const cluster = o.clusterName ?? 'hadrill-lab';
  const userName = o.userName ?? 'kubernetes-admin';
  const context = o.contextName ?? `${userName}@${cluster}`;
  const user: Record<string, string> = {};
  if (o.clientCert && o.clientKey) {
    user['client-certificate-data'] = await b64(o.clientCert);
    user['client-key-data'] = await b64(o.clientKey);
  }
  if (o.token !== undefined) user.token = o.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      { name: cluster, cluster: { server: o.server, 'certificate-authority-data': await b64(o.caFile) } },
    ],
    users: [{ name: userName, user }],
    contexts: [
      {
        name: context,
        context: { cluster, user: userName, ...(o.namespace ? { namespace: o.namespace } : {}) },
      },
    ],
    'current-context': context,
  };
  return YAML.stringify(doc);
}

/** Writes a kubeconfig (mode 0600) to `file`. */
export async function writeKubeconfig(file: string, o: KubeconfigOptions): Promise<string> {
  await writeFile(file, await renderKubeconfig(o), { mode: 0o600 });
  return file;
}
