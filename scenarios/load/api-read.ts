/**
 * Read load through the LB during a fault: get, list and short watches, with thresholds the
 * drill reports (request success rate during the outage, latency).
 *   k6 run scenarios/load/api-read.ts -e HADRILL_API=https://198.18.0.10:6443 \
 *     -e HADRILL_CERT=.lab/pki/admin.crt -e HADRILL_KEY=.lab/pki/admin.key
 */
import { check, sleep } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { API, headers, NAMESPACE, tlsOptions } from './common.ts';

export const options: Options = {
  ...tlsOptions(),
  scenarios: {
    reads: {
      executor: 'constant-arrival-rate',
      rate: 20,
      timeUnit: '1s',
      duration: __ENV.HADRILL_DURATION || '60s',
      preAllocatedVUs: 10,
      exec: 'reads',
    },
    watches: { executor: 'constant-vus', vus: 2, duration: __ENV.HADRILL_DURATION || '60s', exec: 'watches' },
  },
  thresholds: {
    'http_req_failed{kind:read}': ['rate<0.05'],
    'http_req_duration{kind:read}': ['p(95)<1000'],
    checks: ['rate>0.95'],
  },
};

export function reads(): void {
  const params = { headers: headers(), tags: { kind: 'read' }, timeout: '5s' };
  const res = http.batch([
    ['GET', `${API}/readyz`, null, params],
    ['GET', `${API}/api/v1/namespaces/kube-system`, null, params],
    ['GET', `${API}/api/v1/namespaces/${NAMESPACE}/configmaps?limit=50`, null, params],
    ['GET', `${API}/api/v1/nodes`, null, params],
  ]);
  for (const r of res) check(r, { 'read answered 200': (x) => x.status === 200 });
}

export function watches(): void {
  const res = http.get(`${API}/api/v1/namespaces/${NAMESPACE}/configmaps?watch=true&timeoutSeconds=5`, {
    headers: headers(),
    tags: { kind: 'watch' },
    timeout: '10s',
  });
  check(res, { 'watch ended cleanly': (x) => x.status === 200 });
  sleep(0.1);
}
