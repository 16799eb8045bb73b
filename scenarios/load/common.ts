/**
 * Shared by the k6 load scripts: the API through the load balancer and how to authenticate.
 * Environment: HADRILL_API (e.g. https://198.18.0.10:6443), and either HADRILL_TOKEN (bearer) or
 * HADRILL_CERT + HADRILL_KEY (client certificate files, as in the lab's admin kubeconfig).
 * TLS verification is off: the drill judges availability, not the serving certificate.
 */
import type { Options } from 'k6/options';

export const API: string = __ENV.HADRILL_API || 'https://198.18.0.10:6443';
export const NAMESPACE: string = __ENV.HADRILL_NAMESPACE || 'ha-drill';

const host = API.replace(/^https?:\/\//, '').replace(/:\d+$/, '');

export function tlsOptions(): Pick<Options, 'insecureSkipTLSVerify' | 'tlsAuth'> {
  if (__ENV.HADRILL_CERT && __ENV.HADRILL_KEY) {
    return {
      insecureSkipTLSVerify: true,
      tlsAuth: [{ domains: [host], cert: open(__ENV.HADRILL_CERT), key: open(__ENV.HADRILL_KEY) }],
    };
  }
  return { insecureSkipTLSVerify: true };
}

export function headers(): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json' };
  if (__ENV.HADRILL_TOKEN) h.Authorization = `Bearer ${__ENV.HADRILL_TOKEN}`;
  return h;
}
