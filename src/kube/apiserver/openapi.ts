/**
 * A minimal `/openapi/v3`: per group-version documents whose PATCH operations declare the
 * `fieldValidation` query parameter, so kubectl's default `--validate=strict` sees server-side
 * validation support and does not need full schemas (`kubectl create -f` works unchanged). No
 * component schemas are served; kubectl apply then falls back to its compiled-in types.
 */
import { groupVersion, RESOURCES } from './resources.ts';
import type { KObject } from './types.ts';

const gvPath = (g: string, v: string) => (g ? `apis/${g}/${v}` : `api/${v}`);

export function openapiV3Root(): KObject {
  const paths: KObject = {};
  for (const r of RESOURCES) {
    const p = gvPath(r.group, r.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}` };
  }
  return { paths };
}

export function openapiV3GroupVersion(path: string): KObject | undefined {
  const rs = RESOURCES.filter((r) => gvPath(r.group, r.version) === path);
  if (rs.length === 0) return undefined;
  const paths: KObject = {};
  for (const r of rs) {
    const base = `/${gvPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        'x-kubernetes-action': 'patch',
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-hadrill' },
    paths,
    components: { schemas: {} },
    'x-group-version': groupVersion(rs[0]!),
  };
}
