/**
 * Bootstrap (upstream "bootstrap-controller" / kubernetesservice): the system namespaces and the
 * `default/kubernetes` Service with ClusterIP 10.96.0.1, port 443 -> the secure port.
 */
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

/** Creates the system namespaces and the kubernetes Service (idempotent; safe to race). */
export async function bootstrap(store: Store, securePort: number): Promise<void> {
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
}
