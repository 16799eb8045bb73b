/** The 403 of system:anonymous worded as responsewriters.ForbiddenStatusError, from upstream's RequestInfo. */
import t from 'tap';
import { forbidden, requestInfo } from '../../../src/kube/apiserver/request-info.ts';

const q = (s = '') => new URLSearchParams(s);

t.test("system:anonymous's 403", async (t) => {
  const f = (m: string, p: string, s = '') => forbidden('system:anonymous', requestInfo(m, p, q(s)));
  t.same(f('GET', '/metrics'), {
    message: 'forbidden: User "system:anonymous" cannot get path "/metrics"',
    details: {},
  });
  t.equal(
    f('GET', '/api/v1/namespaces/default/pods').message,
    'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
  );
  t.equal(
    f('GET', '/api/v1/pods', 'watch=1').message,
    'pods is forbidden: User "system:anonymous" cannot watch resource "pods" in API group "" at the cluster scope',
  );
  t.same(f('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x'), {
    message:
      'leases.coordination.k8s.io "x" is forbidden: User "system:anonymous" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"',
    details: { name: 'x', group: 'coordination.k8s.io', kind: 'leases' },
  });
  t.equal(
    f('DELETE', '/api/v1/namespaces/d/pods').message,
    'pods is forbidden: User "system:anonymous" cannot deletecollection resource "pods" in API group "" in the namespace "d"',
  );
  t.equal(
    f('PUT', '/api/v1/namespaces/d/pods/p/status').message,
    'pods "p" is forbidden: User "system:anonymous" cannot update resource "pods/status" in API group "" in the namespace "d"',
  );
  t.equal(
    f('GET', '/api/v1/watch/namespaces/d/pods').message,
    'pods is forbidden: User "system:anonymous" cannot watch resource "pods" in API group "" in the namespace "d"',
  );
});
