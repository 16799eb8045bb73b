/**
 * Bootstrap (upstream "bootstrap-controller" / kubernetesservice): the system namespaces and the
 * `default/kubernetes` Service with ClusterIP 10.96.0.1, port 443 -> the secure port; and the
 * client CA in kube-system/extension-apiserver-authentication (`client-ca-file`), where
 * components with delegated authentication (kube-scheduler) find it, merged with the CAs other
 * apiservers put there (pkg/controlplane/controller/clusterauthenticationtrust: existing
 * certificates first, new ones appended once).
 */
import { AUTHENTICATION_CONFIGMAP as CM } from '../runtime/client-ca.ts';
import { INTERNAL_ADMISSION } from './admission.ts';
import { prepareCreate } from './lifecycle.ts';
import { resourceByName } from './resources.ts';
import { ApiError } from './status.ts';
import type { Store } from './storage.ts';
import type { KObject } from './types.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

async function createIfMissing(
  store: Store,
  plural: string,
  group: string,
  ns: string | undefined,
  obj: KObject,
) {
  const def = resourceByName(plural, group);
  try {
    await store.create(def, ns, prepareCreate(def, ns, obj, INTERNAL_ADMISSION));
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

/** The certificates of PEM bundles, each once, in order. */
export function mergePem(...bundles: string[]): string {
  const certs = bundles.flatMap(
    (b) => b.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [],
  );
  const unique = [...new Map(certs.map((c) => [c.replace(/\s+/g, ''), c])).values()];
  return unique.length ? `${unique.join('\n')}\n` : '';
}

async function publishClientCa(store: Store, caPem: string): Promise<void> {
  const def = resourceByName('configmaps', '');
  const data = { 'client-ca-file': mergePem(caPem) };
  await createIfMissing(store, 'configmaps', '', CM.namespace, {
    kind: 'ConfigMap',
    metadata: { name: CM.name },
    data,
  });
  await store.update(def, CM.namespace, CM.name, (cur) => {
    const existing = String(cur?.data?.['client-ca-file'] ?? '');
    const merged = mergePem(existing, caPem);
    return cur && merged !== existing ? { ...cur, data: { ...cur.data, 'client-ca-file': merged } } : null;
  });
}

/** Creates the system namespaces, the kubernetes Service and the client CA ConfigMap (idempotent; safe to race). */
export async function bootstrap(store: Store, securePort: number, clientCaPem?: string): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await createIfMissing(store, 'namespaces', '', undefined, { kind: 'Namespace', metadata: { name } });
  }
  await createIfMissing(store, 'services', '', 'default', {
    kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: KUBERNETES_SERVICE_IP,
      clusterIPs: [KUBERNETES_SERVICE_IP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: securePort }],
      sessionAffinity: 'None',
    },
  });
  if (clientCaPem) await publishClientCa(store, clientCaPem);
}
