/**
 * A static pod manifest file turned into the pod the kubelet runs (pure).
 *
 * kubernetes/kubernetes pkg/kubelet/config/common.go (applyDefaults, tryDecodeSinglePod):
 *  - UID = hex(FNV-1a 128 of the decoded pod, then "host:<node>", then "file:<path>"): a changed
 *    manifest (or the same manifest on another node or path) is a new pod. Upstream hashes the Go
 *    object with hash.DeepHashObject (spew); we hash the canonical JSON (sorted keys) of the decoded
 *    document, so formatting and key order do not change the UID, content does.
 *  - name = <metadata.name>-<lowercase node name>; namespace defaults to "default";
 *    spec.nodeName = node; annotation kubernetes.io/config.hash = UID; toleration
 *    {operator: Exists, effect: NoExecute}; status.phase Pending. A manifest without a name is invalid.
 * pkg/kubelet/config/config.go sets kubernetes.io/config.source=file and kubernetes.io/config.seen
 * (pkg/kubelet/types/pod_update.go: the annotation keys). The API defaults a decoded pod gets
 * (pkg/apis/core/v1/defaults.go): restartPolicy Always, terminationGracePeriodSeconds 30, probe
 * timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3, httpGet path "/" and
 * scheme HTTP.
 *
 * Our runtime has no images: every container needs `command` (the binary on the host's PATH).
 */
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { parse } from 'yaml';

export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';

/** pkg/kubelet/config/common.go maxConfigLength. */
export const MAX_MANIFEST_BYTES = 10 * (1 << 20);

export interface StaticPod {
  readonly uid: string;
  /** `<ns>/<name>` (upstream's pod full name, the key the file source stores pods under). */
  readonly key: string;
  readonly file: string;
  readonly pod: V1Pod;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;

/** FNV-1a, 128 bit (Go's hash/fnv New128a), hex. */
export function fnv128a(chunks: readonly (string | Uint8Array)[]): string {
  let h = FNV128_OFFSET;
  const enc = new TextEncoder();
  for (const c of chunks) {
    for (const b of typeof c === 'string' ? enc.encode(c) : c) {
      h ^= BigInt(b);
      h = (h * FNV128_PRIME) & MASK128;
    }
  }
  return h.toString(16).padStart(32, '0');
}

/** JSON with object keys sorted, so equal documents hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `{${keys
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function defaultProbe(p: V1Probe | undefined): V1Probe | undefined {
  if (!p) return undefined;
  const out: V1Probe = {
    ...p,
    timeoutSeconds: p.timeoutSeconds || 1,
    periodSeconds: p.periodSeconds || 10,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
  if (p.httpGet)
    out.httpGet = { ...p.httpGet, path: p.httpGet.path || '/', scheme: p.httpGet.scheme || 'HTTP' };
  return out;
}

function checkContainer(c: V1Container, i: number, file: string): V1Container {
  if (!c || typeof c !== 'object' || !c.name)
    throw new ManifestError(`${file}: spec.containers[${i}] needs a name`);
  if (!Array.isArray(c.command) || c.command.length === 0 || typeof c.command[0] !== 'string') {
    throw new ManifestError(
      `${file}: container ${c.name} has no command; this kubelet runs no images, so give the binary in command`,
    );
  }
  return {
    ...c,
    livenessProbe: defaultProbe(c.livenessProbe),
    readinessProbe: defaultProbe(c.readinessProbe),
    startupProbe: defaultProbe(c.startupProbe),
  };
}

/** Decodes one manifest into the pod the kubelet runs on `nodeName`; throws ManifestError saying what is wrong. */
export function decodeManifest(text: string, file: string, nodeName: string, seen: Date): StaticPod {
  if (text.length > MAX_MANIFEST_BYTES) throw new ManifestError(`${file}: larger than 10 MiB`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ManifestError(
      `${file}: couldn't parse as pod (${(e as Error).message}), please check config file`,
    );
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ManifestError(`${file}: couldn't parse as pod (not an object), please check config file`);
  const d = doc as V1Pod;
  if (d.kind !== 'Pod' || d.apiVersion !== 'v1')
    throw new ManifestError(
      `${file}: kind/apiVersion ${String(d.kind)}/${String(d.apiVersion)} is not v1 Pod`,
    );
  if (!d.metadata?.name) throw new ManifestError(`${file}: invalid pod: name is needed for the pod`);
  const containers = d.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    throw new ManifestError(`${file}: invalid pod: spec.containers must have at least one container`);
  const uid = fnv128a([canonicalJson(doc), `host:${nodeName}`, `file:${file}`]);
  const namespace = d.metadata.namespace || 'default';
  const name = `${d.metadata.name}-${nodeName.toLowerCase()}`;
  const tolerations = [...(d.spec?.tolerations ?? [])];
  if (!tolerations.some((t) => t.operator === 'Exists' && t.effect === 'NoExecute' && !t.key))
    tolerations.push({ operator: 'Exists', effect: 'NoExecute' });
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...d.metadata,
      name,
      namespace,
      uid,
      annotations: {
        ...d.metadata.annotations,
        [CONFIG_HASH]: uid,
        [CONFIG_SOURCE]: 'file',
        [CONFIG_SEEN]: seen.toISOString(),
      },
    },
    spec: {
      ...d.spec,
      nodeName,
      restartPolicy: d.spec?.restartPolicy || 'Always',
      terminationGracePeriodSeconds: d.spec?.terminationGracePeriodSeconds ?? 30,
      tolerations,
      containers: containers.map((c, i) => checkContainer(c, i, file)),
    },
    status: { phase: 'Pending' },
  };
  return { uid, key: `${namespace}/${name}`, file, pod };
}
