/**
 * The resources this apiserver serves, and the discovery documents built from them
 * (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`).
 */
import type { KObject } from './types.ts';

export interface ResourceDef {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Subresources served: status, binding, scale. */
  readonly subresources: readonly string[];
  /** PUT on a missing object creates it (as upstream for endpoints, leases, services, events, slices). */
  readonly allowCreateOnUpdate: boolean;
  /** DELETE answers with the deleted object instead of a Status (as upstream for pods and services). */
  readonly returnDeletedObject: boolean;
  readonly categories?: readonly string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(p: Partial<ResourceDef> & Pick<ResourceDef, 'plural' | 'kind'>): ResourceDef {
  return {
    group: '',
    version: 'v1',
    singular: p.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    subresources: [],
    allowCreateOnUpdate: false,
    returnDeletedObject: false,
    ...p,
  };
}

export const RESOURCES: readonly ResourceDef[] = [
  def({
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
  }),
  def({ plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  def({
    plural: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    subresources: ['status', 'binding'],
    returnDeletedObject: true,
    categories: ['all'],
  }),
  def({
    plural: 'services',
    kind: 'Service',
    shortNames: ['svc'],
    subresources: ['status'],
    allowCreateOnUpdate: true,
    returnDeletedObject: true,
    categories: ['all'],
  }),
  def({
    plural: 'endpoints',
    kind: 'Endpoints',
    singular: 'endpoints',
    shortNames: ['ep'],
    allowCreateOnUpdate: true,
  }),
  def({ plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
  def({ plural: 'events', kind: 'Event', shortNames: ['ev'], allowCreateOnUpdate: true }),
  def({ group: 'coordination.k8s.io', plural: 'leases', kind: 'Lease', allowCreateOnUpdate: true }),
  def({
    group: 'discovery.k8s.io',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    allowCreateOnUpdate: true,
  }),
  def({
    group: 'apps',
    plural: 'replicasets',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    subresources: ['status', 'scale'],
    categories: ['all'],
  }),
];

export const groupVersion = (d: { group: string; version: string }) =>
  d.group ? `${d.group}/${d.version}` : d.version;

/** Finds a resource by group, version and plural name. */
export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceByName(plural: string, group = ''): ResourceDef {
  const r = RESOURCES.find((x) => x.plural === plural && x.group === group);
  if (!r) throw new Error(`unknown resource ${plural}${group ? `.${group}` : ''}`);
  return r;
}

/** `apiVersion` of the objects of a resource. */
export const apiVersionOf = (r: ResourceDef) => groupVersion(r);

export function apiVersions(serverAddress: string): KObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groups(): { name: string; versions: string[] }[] {
  const out = new Map<string, Set<string>>();
  for (const r of RESOURCES) {
    if (!r.group) continue;
    if (!out.has(r.group)) out.set(r.group, new Set());
    out.get(r.group)!.add(r.version);
  }
  return [...out].map(([name, v]) => ({ name, versions: [...v] }));
}

function apiGroup(g: { name: string; versions: string[] }): KObject {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): KObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

export function apiGroupDoc(name: string): KObject | undefined {
  const g = groups().find((x) => x.name === name);
  return g ? apiGroup(g) : undefined;
}

export function apiResourceList(group: string, version: string): KObject | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: KObject[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ALL_VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const kind = sub === 'binding' ? 'Binding' : sub === 'scale' ? 'Scale' : r.kind;
      const verbs = sub === 'binding' ? ['create'] : ['get', 'patch', 'update'];
      const g = sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {};
      resources.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...g,
        kind,
        verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources,
  };
}
