/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), so `kubectl get`
 * shows the usual columns (pod READY/STATUS/NODE, node STATUS, lease HOLDER...). Columns follow
 * the upstream printers in pkg/printers/internalversion/printers.go, reduced to what the lab sets.
 */
import type { ResourceDef } from './resources.ts';
import type { KObject } from './types.ts';

/** True when the Accept header prefers a meta.k8s.io Table. */
export const wantsTable = (accept: string | undefined) =>
  !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);

type Col = [name: string, type: string, priority: number, cell: (o: KObject) => string | number];

/** Upstream duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

const age = (o: KObject) => {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanDuration(Date.now() - t);
};
const name: Col = ['Name', 'string', 0, (o) => o.metadata?.name ?? ''];
const AGE: Col = ['Age', 'string', 0, age];
const cond = (o: KObject, type: string) => (o.status?.conditions ?? []).find((c: KObject) => c.type === type);

function podStatus(p: KObject): string {
  if (p.metadata?.deletionTimestamp) return 'Terminating';
  const waiting = (p.status?.containerStatuses ?? []).find((c: KObject) => c.state?.waiting?.reason);
  if (waiting) return waiting.state.waiting.reason;
  return p.status?.reason ?? p.status?.phase ?? 'Unknown';
}

function nodeStatus(n: KObject): string {
  const ready = cond(n, 'Ready');
  let s = !ready
    ? 'Unknown'
    : ready.status === 'True'
      ? 'Ready'
      : ready.status === 'False'
        ? 'NotReady'
        : 'Unknown';
  if (n.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

const ports = (ps: KObject[] | undefined, f: (p: KObject) => string) =>
  ps?.length ? ps.map(f).join(',') : '<none>';
const labelsOf = (m: Record<string, string> | undefined) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '<none>';

const COLUMNS: Record<string, Col[]> = {
  Pod: [
    name,
    [
      'Ready',
      'string',
      0,
      (p) =>
        `${(p.status?.containerStatuses ?? []).filter((c: KObject) => c.ready).length}/${p.spec?.containers?.length ?? 0}`,
    ],
    ['Status', 'string', 0, podStatus],
    [
      'Restarts',
      'string',
      0,
      (p) =>
        (p.status?.containerStatuses ?? []).reduce((n: number, c: KObject) => n + (c.restartCount ?? 0), 0),
    ],
    AGE,
    ['IP', 'string', 1, (p) => p.status?.podIP ?? '<none>'],
    ['Node', 'string', 1, (p) => p.spec?.nodeName ?? '<none>'],
  ],
  Node: [
    name,
    ['Status', 'string', 0, nodeStatus],
    [
      'Roles',
      'string',
      0,
      (n) =>
        Object.keys(n.metadata?.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>',
    ],
    AGE,
    ['Version', 'string', 0, (n) => n.status?.nodeInfo?.kubeletVersion ?? ''],
    [
      'Internal-IP',
      'string',
      1,
      (n) => (n.status?.addresses ?? []).find((a: KObject) => a.type === 'InternalIP')?.address ?? '<none>',
    ],
    [
      'Taints',
      'string',
      1,
      (n) => (n.spec?.taints ?? []).map((t: KObject) => `${t.key}:${t.effect}`).join(',') || '<none>',
    ],
  ],
  Namespace: [name, ['Status', 'string', 0, (n) => n.status?.phase ?? 'Active'], AGE],
  Service: [
    name,
    ['Type', 'string', 0, (s) => s.spec?.type ?? 'ClusterIP'],
    ['Cluster-IP', 'string', 0, (s) => s.spec?.clusterIP ?? '<none>'],
    ['External-IP', 'string', 0, () => '<none>'],
    ['Port(s)', 'string', 0, (s) => ports(s.spec?.ports, (p) => `${p.port}/${p.protocol ?? 'TCP'}`)],
    AGE,
    ['Selector', 'string', 1, (s) => labelsOf(s.spec?.selector)],
  ],
  Endpoints: [
    name,
    [
      'Endpoints',
      'string',
      0,
      (e) =>
        (e.subsets ?? [])
          .flatMap((s: KObject) =>
            (s.addresses ?? []).flatMap((a: KObject) =>
              (s.ports ?? [{}]).map((p: KObject) => (p.port ? `${a.ip}:${p.port}` : a.ip)),
            ),
          )
          .join(',') || '<none>',
    ],
    AGE,
  ],
  EndpointSlice: [
    name,
    ['AddressType', 'string', 0, (e) => e.addressType ?? ''],
    ['Ports', 'string', 0, (e) => ports(e.ports, (p) => String(p.port))],
    [
      'Endpoints',
      'string',
      0,
      (e) => (e.endpoints ?? []).flatMap((x: KObject) => x.addresses).join(',') || '<unset>',
    ],
    AGE,
  ],
  ConfigMap: [name, ['Data', 'integer', 0, (c) => Object.keys(c.data ?? {}).length], AGE],
  Lease: [name, ['Holder', 'string', 0, (l) => l.spec?.holderIdentity ?? ''], AGE],
  Event: [
    [
      'Last Seen',
      'string',
      0,
      (e) => humanDuration(Date.now() - Date.parse(e.lastTimestamp ?? e.eventTime ?? '')),
    ],
    ['Type', 'string', 0, (e) => e.type ?? ''],
    ['Reason', 'string', 0, (e) => e.reason ?? ''],
    [
      'Object',
      'string',
      0,
      (e) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    ],
    ['Message', 'string', 0, (e) => e.message ?? ''],
  ],
  ReplicaSet: [
    name,
    ['Desired', 'integer', 0, (r) => r.spec?.replicas ?? 1],
    ['Current', 'integer', 0, (r) => r.status?.replicas ?? 0],
    ['Ready', 'integer', 0, (r) => r.status?.readyReplicas ?? 0],
    AGE,
    ['Selector', 'string', 1, (r) => labelsOf(r.spec?.selector?.matchLabels)],
  ],
};

function rowObject(o: KObject, include: string | null): KObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Renders objects as a meta.k8s.io/v1 Table (`includeObject`: None, Metadata (default), Object). */
export function toTable(
  def: ResourceDef,
  items: KObject[],
  rv: string | undefined,
  include: string | null,
): KObject {
  const cols = COLUMNS[def.kind] ?? [name, AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: rv ? { resourceVersion: rv } : {},
    columnDefinitions: cols.map(([n, type, priority]) => ({
      name: n,
      type,
      format: n === 'Name' ? 'name' : '',
      description: '',
      priority,
    })),
    rows: items.map((o) => {
      const object = rowObject(o, include);
      return { cells: cols.map(([, , , f]) => f(o)), ...(object ? { object } : {}) };
    }),
  };
}
