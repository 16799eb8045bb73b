/**
 * kubeadm's static Pod skeleton, probes and hostPath volumes, as plain objects ready for YAML.
 * Source: kubernetes/kubernetes cmd/kubeadm/app/util/staticpod/utils.go (ComponentPod: labels
 * component/tier=control-plane, priority 2000001000 / system-node-critical, hostNetwork,
 * seccompProfile RuntimeDefault, volumes sorted by name; LivenessProbe 10/15/8/10,
 * ReadinessProbe 0/15/3/1, StartupProbe 10/15/ceil(4m/10s)/10 as initialDelay/timeout/
 * failureThreshold/period; ComponentResources: cpu requests), and
 * cmd/kubeadm/app/util/marshal.go MarshalToYaml (JSON field names, keys sorted, empty
 * fields omitted; `creationTimestamp: null` and `status: {}` are what encoding/json writes for
 * the zero ObjectMeta time and PodStatus).
 */
import YAML from 'yaml';
import { STARTUP_FAILURE_THRESHOLD } from './constants.ts';

export type HostPathType = 'DirectoryOrCreate' | 'FileOrCreate';

export interface HostPathVolume {
  readonly name: string;
  readonly path: string;
  readonly type: HostPathType;
  readonly readOnly: boolean;
}

export interface HttpProbe {
  /** `host` is omitted when empty (the kubelet then probes the pod IP: staticpod getProbeAddress). */
  readonly httpGet: { host?: string; path: string; port: number; scheme: 'HTTP' | 'HTTPS' };
  readonly initialDelaySeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly periodSeconds: number;
}

type ProbeKind = 'liveness' | 'readiness' | 'startup';

const PROBE_TIMINGS: Record<ProbeKind, [number, number, number, number]> = {
  liveness: [10, 15, 8, 10],
  readiness: [0, 15, 3, 1],
  startup: [10, 15, STARTUP_FAILURE_THRESHOLD, 10],
};

export function probe(
  kind: ProbeKind,
  host: string,
  path: string,
  port: number,
  scheme: 'HTTP' | 'HTTPS',
): HttpProbe {
  const [initialDelaySeconds, timeoutSeconds, failureThreshold, periodSeconds] = PROBE_TIMINGS[kind];
  return {
    httpGet: { ...(host ? { host } : {}), path, port, scheme },
    initialDelaySeconds,
    timeoutSeconds,
    failureThreshold,
    periodSeconds,
  };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly volumes: readonly HostPathVolume[];
  readonly requests: Readonly<Record<string, string>>;
  readonly probes: Partial<Record<ProbeKind, HttpProbe>>;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The Pod object kubeadm writes for one control-plane component. */
export function componentPod(c: ContainerSpec, annotations?: Readonly<Record<string, string>>) {
  const vols = [...c.volumes].sort(byName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(annotations ? { annotations: { ...annotations } } : {}),
      creationTimestamp: null,
      labels: { component: c.name, tier: 'control-plane' },
      name: c.name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command: [...c.command],
          image: c.image,
          imagePullPolicy: 'IfNotPresent',
          ...(c.probes.liveness ? { livenessProbe: c.probes.liveness } : {}),
          name: c.name,
          ...(c.probes.readiness ? { readinessProbe: c.probes.readiness } : {}),
          resources: { requests: { ...c.requests } },
          ...(c.probes.startup ? { startupProbe: c.probes.startup } : {}),
          volumeMounts: vols.map((v) => ({
            mountPath: v.path,
            name: v.name,
            ...(v.readOnly ? { readOnly: true } : {}),
          })),
        },
      ],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: vols.map((v) => ({ hostPath: { path: v.path, type: v.type }, name: v.name })),
    },
    status: {},
  };
}

export type ComponentPod = ReturnType<typeof componentPod>;

/** YAML as sigs.k8s.io/yaml writes it: keys sorted, sequences not indented under their key. */
export const toYaml = (doc: unknown): string =>
  YAML.stringify(doc, { sortMapEntries: true, indentSeq: false });

/** `--name=value` arguments as kubeadm's ClusterConfiguration `extraArgs` lists them. */
export type ExtraArgs = readonly (readonly [string, string])[];

/** A user's extraArgs replace the lab's of the same name (both are kubeadm extraArgs). */
export const mergeExtra = (lab: ExtraArgs, user: ExtraArgs = []): ExtraArgs => {
  const names = new Set(user.map(([n]) => n));
  return [...user, ...lab.filter(([n]) => !names.has(n))];
};

/** The value of the last `name` in `args`, as kubeadmapi.GetArgValue(args, name, -1). */
export const argValue = (args: ExtraArgs, name: string): string | undefined =>
  [...args].reverse().find(([n]) => n === name)?.[1];

/**
 * staticpod/utils.go getProbeAddress: an unspecified bind address cannot be probed; the empty
 * host makes the kubelet probe the pod IP.
 */
export const probeAddress = (addr: string): string => (addr === '0.0.0.0' || addr === '::' ? '' : addr);

/**
 * kubeadmutil.ArgumentsToCommand (cmd/kubeadm/app/util/arguments.go): extra arguments replace
 * base arguments of the same name, then all are sorted by name (and value) and rendered
 * `--name=value`.
 */
export function argumentsToCommand(
  base: readonly (readonly [string, string])[],
  overrides: readonly (readonly [string, string])[] = [],
): string[] {
  const names = new Set(overrides.map(([n]) => n));
  const args = [...overrides, ...base.filter(([n]) => !names.has(n))];
  args.sort(([an, av], [bn, bv]) => (an === bn ? (av < bv ? -1 : av > bv ? 1 : 0) : an < bn ? -1 : 1));
  return args.map(([n, v]) => `--${n}=${v}`);
}
