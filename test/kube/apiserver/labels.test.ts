/**
 * The request metrics' labels as upstream derives them (metrics.go cleanVerb/CanonicalVerb,
 * installer.go requestScope, cleanDryRun).
 */
import t from 'tap';
import { cleanDryRun, requestKind, requestLabels } from '../../../src/kube/apiserver/labels.ts';
import { findResource } from '../../../src/kube/apiserver/resources.ts';

const pods = findResource('', 'v1', 'pods')!;
const nodes = findResource('', 'v1', 'nodes')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const q = (s = '') => new URLSearchParams(s);
const label = (method: string, r: object, query = '', ct?: string) =>
  requestLabels(method, q(query), ct, { def: pods, watchPath: false, ...r });

t.test('verb and scope', async (t) => {
  t.match(label('GET', { namespace: 'd', name: 'p' }), { verb: 'GET', scope: 'resource' });
  t.match(label('GET', { namespace: 'd' }), { verb: 'LIST', scope: 'namespace' });
  t.match(label('GET', {}), { verb: 'LIST', scope: 'cluster' }, 'all namespaces');
  t.match(label('GET', { namespace: 'd' }, 'watch=true'), { verb: 'WATCH', scope: 'namespace' });
  t.match(label('GET', { namespace: 'd' }, 'watch=0'), { verb: 'LIST' });
  t.match(label('GET', { namespace: 'd', watchPath: true }), { verb: 'WATCH' }, 'legacy /watch/ path');
  t.match(
    label('POST', { namespace: 'd' }),
    { verb: 'POST', scope: 'resource' },
    'a create is resource-scoped',
  );
  t.match(label('POST', { namespace: 'd', name: 'p', subresource: 'binding' }), {
    verb: 'POST',
    subresource: 'binding',
    scope: 'resource',
  });
  t.match(label('PUT', { namespace: 'd', name: 'p', subresource: 'status' }), {
    verb: 'PUT',
    subresource: 'status',
  });
  t.match(label('PATCH', { namespace: 'd', name: 'p' }, '', 'application/apply-patch+yaml'), {
    verb: 'APPLY',
  });
  t.match(label('PATCH', { namespace: 'd', name: 'p' }, '', 'application/merge-patch+json'), {
    verb: 'PATCH',
  });
  t.match(label('DELETE', { namespace: 'd' }), { verb: 'DELETE', scope: 'namespace' }, 'a collection delete');
  t.match(label('OPTIONS', { namespace: 'd' }), { verb: 'other' });
  t.match(requestLabels('GET', q(), undefined, { def: nodes, name: 'w1', watchPath: false }), {
    group: '',
    version: 'v1',
    resource: 'nodes',
    scope: 'resource',
  });
  t.match(
    requestLabels('GET', q(), undefined, { def: leases, namespace: 'kube-node-lease', watchPath: false }),
    {
      group: 'coordination.k8s.io',
      resource: 'leases',
      verb: 'LIST',
    },
  );
  t.equal(requestKind('GET'), 'readOnly');
  t.equal(requestKind('PATCH'), 'mutating');
});

t.test('dry_run', async (t) => {
  t.equal(cleanDryRun(q()), '');
  t.equal(cleanDryRun(q('dryRun=All&dryRun=All')), 'All');
  t.equal(cleanDryRun(q('dryRun=Some')), 'invalid');
});
