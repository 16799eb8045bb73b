/**
 * Where kube-controller-manager and kube-scheduler get the CA that verifies client certificates
 * on their secure port, as k8s.io/apiserver pkg/server/options/authentication.go
 * DelegatingAuthenticationOptions.ApplyTo does: --client-ca-file when given (kubeadm gives it to
 * the controller-manager), else the `client-ca-file` key of the ConfigMap
 * kube-system/extension-apiserver-authentication, read with --authentication-kubeconfig
 * (kubeadm gives the scheduler only that; the apiserver publishes its --client-ca-file there),
 * re-read every minute (upstream watches it: DynamicCAFromConfigMapController) and every 2 s until
 * first read. Neither: client certificates do not authenticate (upstream warns the same).
 */
import { readFileSync } from 'node:fs';
import { errText, isNotFound } from './errors.ts';
import type { Logger } from './log.ts';
import { sleep } from './loop.ts';

export const AUTHENTICATION_CONFIGMAP = {
  namespace: 'kube-system',
  name: 'extension-apiserver-authentication',
};

export interface ClientCaOptions {
  /** --client-ca-file. */
  readonly file: string;
  /** --authentication-kubeconfig. */
  readonly authenticationKubeconfig: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Called with each new CA read from the ConfigMap. */
  readonly onChange: (ca: Buffer | undefined) => void;
  readonly refreshMs?: number;
  readonly retryMs?: number;
}

/** The CA to start with (the file's, or none yet); a ConfigMap source keeps calling onChange. */
export function clientCa(o: ClientCaOptions): Buffer | undefined {
  if (o.file) {
    try {
      return readFileSync(o.file);
    } catch (e) {
      throw new Error(`--client-ca-file ${o.file}: cannot read it (${(e as Error).message})`);
    }
  }
  if (!o.authenticationKubeconfig) {
    o.log('no --client-ca-file and no --authentication-kubeconfig: client certificate authentication is off');
    return undefined;
  }
  void followConfigMap(o);
  return undefined;
}

async function followConfigMap(o: ClientCaOptions): Promise<void> {
  const { loadKubeConfig, makeClients } = await import('./kube.ts');
  const { core } = makeClients(loadKubeConfig(o.authenticationKubeconfig), 5000, 'client-ca');
  let current = '';
  let failures = 0;
  while (!o.signal.aborted) {
    let wait = o.refreshMs ?? 60_000;
    try {
      const cm = await core.readNamespacedConfigMap(AUTHENTICATION_CONFIGMAP);
      const pem = cm.data?.['client-ca-file'] ?? '';
      if (pem !== current) {
        current = pem;
        o.onChange(pem ? Buffer.from(pem) : undefined);
        o.log('client CA loaded', { from: `configmap/${AUTHENTICATION_CONFIGMAP.name}`, bytes: pem.length });
      }
      failures = 0;
    } catch (e) {
      if (failures++ % 30 === 0) {
        o.log('reading the client CA failed, retrying', {
          configmap: `${AUTHENTICATION_CONFIGMAP.namespace}/${AUTHENTICATION_CONFIGMAP.name}`,
          error: isNotFound(e) ? 'not found' : errText(e),
        });
      }
      if (!current) wait = o.retryMs ?? 2000;
    }
    await sleep(wait, o.signal);
  }
}
