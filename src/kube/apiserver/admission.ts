/**
 * Defaulting and admission on create: pod defaults (a subset of upstream SetDefaults_Pod), the
 * `DefaultTolerationSeconds` admission plugin (plugin/pkg/admission/defaulttolerationseconds),
 * pod status Pending, service ClusterIP allocation, namespace phase Active.
 */
import { randomInt } from 'node:crypto';
import type { ResourceDef } from './resources.ts';
import type { KObject } from './types.ts';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

export interface AdmissionConfig {
  /** --default-not-ready-toleration-seconds */
  readonly notReadyTolerationSeconds: number;
  /** --default-unreachable-toleration-seconds */
  readonly unreachableTolerationSeconds: number;
}

/** Admission settings for objects the apiserver creates itself (none of them are pods). */
export const INTERNAL_ADMISSION: AdmissionConfig = {
  notReadyTolerationSeconds: 300,
  unreachableTolerationSeconds: 300,
};

/** Adds the not-ready/unreachable NoExecute tolerations a pod lacks, as the upstream plugin does. */
export function defaultTolerationSeconds(pod: KObject, cfg: AdmissionConfig): void {
  pod.spec ??= {};
  const tolerations: KObject[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  const tolerates = (key: string) =>
    tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const add: KObject[] = [];
  if (!tolerates(TAINT_NOT_READY)) {
    add.push({
      key: TAINT_NOT_READY,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: cfg.notReadyTolerationSeconds,
    });
  }
  if (!tolerates(TAINT_UNREACHABLE)) {
    add.push({
      key: TAINT_UNREACHABLE,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: cfg.unreachableTolerationSeconds,
    });
  }
  if (add.length > 0) pod.spec.tolerations = [...tolerations, ...add];
}

function defaultContainer(c: KObject): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const tag = /:([^/:]+)$/.exec(c.image.split('@')[0] ?? '')?.[1];
    c.imagePullPolicy = c.image.includes('@') || (tag && tag !== 'latest') ? 'IfNotPresent' : 'Always';
  }
  c.resources ??= {};
  if (Array.isArray(c.ports)) for (const p of c.ports) p.protocol ??= 'TCP';
}

export function defaultPod(pod: KObject): void {
  pod.spec ??= {};
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.serviceAccountName ??= 'default';
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
  pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
}

function randomClusterIp(): string {
  // 10.96.0.0/12 without the first addresses (10.96.0.1 is the kubernetes service).
  const n = randomInt(256, 1 << 20);
  return `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export function defaultService(svc: KObject): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    if (!spec.clusterIP) spec.clusterIP = randomClusterIp();
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= spec.clusterIP === 'None' ? ['IPv4'] : ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  }
  svc.status ??= { loadBalancer: {} };
}

/** Applies the defaulting and admission of a kind to a new object (mutates it). */
export function admitCreate(def: ResourceDef, obj: KObject, cfg: AdmissionConfig): void {
  if (def.group !== '') return;
  switch (def.kind) {
    case 'Pod':
      defaultPod(obj);
      defaultTolerationSeconds(obj, cfg);
      break;
    case 'Service':
      defaultService(obj);
      break;
    case 'Namespace':
      obj.metadata.labels = {
        ...(obj.metadata.labels ?? {}),
        'kubernetes.io/metadata.name': obj.metadata.name,
      };
      obj.status = { phase: 'Active' };
      break;
  }
}
