/**
 * The apiserver's /metrics against real etcd: refused without credentials (403 for
 * system:anonymous) and with a bad one (401); with a client certificate of the cluster CA
 * (CN prometheus, O system:monitoring, as the lab's Prometheus has) the text exposition, with
 * apiserver_request_total counted under upstream's verbs and labels after real requests,
 * upstream's histogram buckets, and a clean `promtool check metrics`. The CA is published in
 * kube-system/extension-apiserver-authentication for the scheduler's delegated authentication.
 */
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import {
  REQUEST_DURATION_BUCKETS,
  REQUEST_SLI_DURATION_BUCKETS,
} from '../../../src/kube/apiserver/metrics.ts';
import { ensureCa, ensureClientCert } from '../../../src/lab/pki/index.ts';
import { startTestApiserver } from '../../helpers/apiserver.ts';
import { bucketBounds, httpsGet, prometheusCert, promtoolCheck } from '../../helpers/https.ts';

const api = await startTestApiserver(t);
const prometheus = await prometheusCert(api.dir);
const other = await ensureClientCert(
  api.dir,
  await ensureCa(path.join(api.dir, 'other-ca')),
  'stranger',
  'prometheus',
  ['system:monitoring'],
);
const scrape = () => httpsGet(`${api.url}/metrics`, { client: prometheus, ca: api.caFile });

/** The value of the series `name{...}` whose labels are exactly `labels` (any order). */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const got = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const want = Object.entries(labels);
    if (Object.keys(got).length === want.length && want.every(([k, v]) => got[k] === v)) return Number(m[2]);
  }
  return undefined;
}

t.test('refused without credentials (403 system:anonymous) and with a bad one (401)', async (t) => {
  const anon = await httpsGet(`${api.url}/metrics`, { ca: api.caFile });
  t.equal(anon.status, 403);
  t.match(JSON.parse(anon.body), {
    kind: 'Status',
    reason: 'Forbidden',
    code: 403,
    message: 'forbidden: User "system:anonymous" cannot get path "/metrics"',
  });
  t.equal(
    (await httpsGet(`${api.url}/metrics`, { client: other, ca: api.caFile })).status,
    401,
    'another CA',
  );
  t.equal((await httpsGet(`${api.url}/healthz`, { ca: api.caFile })).status, 200, 'health stays public');
});

t.test('with the cluster CA client certificate: request metrics under upstream labels', async (t) => {
  const core = api.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'm1' } } });
  await core.readNamespacedConfigMap({ namespace: 'default', name: 'm1' });
  await core.listNamespacedConfigMap({ namespace: 'default' });
  await core.listConfigMapForAllNamespaces();
  await core.readNamespacedConfigMap({ namespace: 'default', name: 'missing' }).catch(() => {});
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'dry' } },
    dryRun: 'All',
  });
  const watch = await api.kubectl(['get', 'configmaps', '-n', 'default', '--watch', '--request-timeout=1s']);
  t.ok(watch.code === 0 || /timeout|Timeout/.test(watch.stderr), 'a watch ran (ended by its timeout)');

  const r = await scrape();
  t.equal(r.status, 200);
  t.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const base = {
    dry_run: '',
    group: '',
    version: 'v1',
    resource: 'configmaps',
    subresource: '',
    component: 'apiserver',
  };
  t.equal(
    value(r.body, 'apiserver_request_total', { ...base, verb: 'POST', scope: 'resource', code: '201' }),
    1,
  );
  t.ok(
    (value(r.body, 'apiserver_request_total', { ...base, verb: 'GET', scope: 'resource', code: '200' }) ??
      0) >= 1,
  );
  t.equal(
    value(r.body, 'apiserver_request_total', { ...base, verb: 'GET', scope: 'resource', code: '404' }),
    1,
  );
  t.ok(
    (value(r.body, 'apiserver_request_total', { ...base, verb: 'LIST', scope: 'namespace', code: '200' }) ??
      0) >= 1,
  );
  t.equal(
    value(r.body, 'apiserver_request_total', { ...base, verb: 'LIST', scope: 'cluster', code: '200' }),
    1,
  );
  t.equal(
    value(r.body, 'apiserver_request_total', {
      ...base,
      dry_run: 'All',
      verb: 'POST',
      scope: 'resource',
      code: '201',
    }),
    1,
    'dry_run label',
  );
  t.ok(
    (value(r.body, 'apiserver_request_total', { ...base, verb: 'WATCH', scope: 'namespace', code: '200' }) ??
      0) >= 1,
    'WATCH, counted when it ended',
  );
  t.match(r.body, /^# TYPE apiserver_request_total counter$/m);
  t.match(r.body, /^# TYPE apiserver_request_duration_seconds histogram$/m);
  t.match(r.body, /^# TYPE apiserver_current_inflight_requests gauge$/m);
  t.match(r.body, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m);
  t.match(r.body, /^apiserver_current_inflight_requests\{request_kind="mutating"\} \d+$/m);
  t.match(r.body, /^process_cpu_seconds_total \S+$/m);
  t.match(r.body, /^process_resident_memory_bytes \S+$/m);
  t.match(r.body, /^process_start_time_seconds \S+$/m);
  t.match(r.body, /^kubernetes_build_info\{major="1",minor="32",git_version="v1\.32\.0-hadrill"/m);

  const want = [...REQUEST_DURATION_BUCKETS.map(String), '+Inf'];
  t.same(bucketBounds(r.body, 'apiserver_request_duration_seconds', 'verb="LIST"'), want, 'upstream buckets');
  t.same(want.slice(0, 5), ['0.005', '0.025', '0.05', '0.1', '0.2']);
  t.same(bucketBounds(r.body, 'apiserver_request_sli_duration_seconds', 'verb="LIST"'), [
    ...REQUEST_SLI_DURATION_BUCKETS.map(String),
    '+Inf',
  ]);
  t.notMatch(
    r.body,
    /apiserver_request_sli_duration_seconds_bucket\{[^}]*verb="WATCH"/,
    'no SLI for watches',
  );

  const lint = await promtoolCheck(r.body);
  t.equal(lint.code, 0, `promtool check metrics: ${lint.output || 'clean'}`);
});

t.test('the client CA is published for delegated authentication', async (t) => {
  const core = api.kubeConfig().makeApiClient(CoreV1Api);
  const cm = await core.readNamespacedConfigMap({
    namespace: 'kube-system',
    name: 'extension-apiserver-authentication',
  });
  const { readFileSync } = await import('node:fs');
  t.equal(cm.data?.['client-ca-file']?.trim(), readFileSync(api.caFile, 'utf8').trim());
});
