/**
 * Write load through the LB during a fault: creates ConfigMaps in the drill namespace (which the
 * drill removes after) and deletes them again, with thresholds on success rate and latency.
 *   k6 run scenarios/load/api-write.ts -e HADRILL_API=https://198.18.0.10:6443 \
 *     -e HADRILL_CERT=/tmp/admin.crt -e HADRILL_KEY=/tmp/admin.key
 * (the client certificate and key of the lab's admin.conf: docs/real-clusters.md shows how).
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { API, headers, NAMESPACE, tlsOptions } from './common.ts';

export const options: Options = {
  ...tlsOptions(),
  scenarios: {
    writes: {
      executor: 'constant-arrival-rate',
      rate: 10,
      timeUnit: '1s',
      duration: __ENV.HADRILL_DURATION || '60s',
      preAllocatedVUs: 10,
    },
  },
  thresholds: {
    'http_req_failed{kind:write}': ['rate<0.05'],
    'http_req_duration{kind:write}': ['p(95)<2000'],
  },
};

export default function (): void {
  const name = `k6-${exec.scenario.iterationInTest}-${Date.now().toString(36)}`;
  const params = {
    headers: { ...headers(), 'Content-Type': 'application/json' },
    tags: { kind: 'write' },
    timeout: '5s',
  };
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { 'ha-drill/load': 'k6' } },
    data: { at: new Date().toISOString() },
  });
  const created = http.post(`${API}/api/v1/namespaces/${NAMESPACE}/configmaps`, body, params);
  if (check(created, { 'create answered 201': (r) => r.status === 201 })) {
    const deleted = http.del(`${API}/api/v1/namespaces/${NAMESPACE}/configmaps/${name}`, null, params);
    check(deleted, { 'delete answered 200': (r) => r.status === 200 });
  }
}
