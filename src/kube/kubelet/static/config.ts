/**
 * The kubelet's configuration file (`--config`, KubeletConfiguration kubelet.config.k8s.io/v1beta1,
 * as kubeadm writes /var/lib/kubelet/config.yaml): the fields our kubelet uses, with upstream's
 * defaults, and upstream's precedence: a flag given on the command line overrides the file
 * (cmd/kubelet/app/server.go, kubeletConfigFlagPrecedence), the file overrides the defaults.
 *
 * Defaults: kubernetes/kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go
 * (SetDefaults_KubeletConfiguration: syncFrequency 1m, fileCheckFrequency 20s,
 * nodeStatusUpdateFrequency 10s, nodeLeaseDurationSeconds 40, podLogsDir /var/log/pods) and
 * cmd/kubelet/app/options/options.go (--root-dir /var/lib/kubelet). Field names and meanings:
 * staging/src/k8s.io/kubelet/config/v1beta1/types.go.
 */
import { parse } from 'yaml';
import { DurationError, parseDuration } from '../../runtime/duration.ts';

export interface KubeletConfig {
  /** Directory of static pod manifests; '' = no file source. */
  readonly staticPodPath: string;
  readonly fileCheckFrequencyMs: number;
  readonly syncFrequencyMs: number;
  readonly nodeStatusUpdateFrequencyMs: number;
  readonly nodeLeaseDurationSeconds: number;
  /** Containers' logs: <podLogsDir>/<ns>_<pod>_<uid>/<container>/<restart>.log. */
  readonly podLogsDir: string;
}

export const KUBELET_CONFIG_DEFAULTS: KubeletConfig = {
  staticPodPath: '',
  fileCheckFrequencyMs: 20_000,
  syncFrequencyMs: 60_000,
  nodeStatusUpdateFrequencyMs: 10_000,
  nodeLeaseDurationSeconds: 40,
  podLogsDir: '/var/log/pods',
};

export class KubeletConfigError extends Error {
  override name = 'KubeletConfigError';
}

const DURATIONS = {
  fileCheckFrequency: 'fileCheckFrequencyMs',
  syncFrequency: 'syncFrequencyMs',
  nodeStatusUpdateFrequency: 'nodeStatusUpdateFrequencyMs',
} as const;

/** The fields of a KubeletConfiguration document we use (others are accepted and ignored, as upstream's lenient decoding of unknown-to-us fields). */
export function parseKubeletConfig(text: string, file: string): Partial<KubeletConfig> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new KubeletConfigError(`--config ${file}: not YAML (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new KubeletConfigError(`--config ${file}: expected a KubeletConfiguration object`);
  const d = doc as Record<string, unknown>;
  if (d.kind !== 'KubeletConfiguration' || d.apiVersion !== 'kubelet.config.k8s.io/v1beta1') {
    throw new KubeletConfigError(
      `--config ${file}: kind/apiVersion is ${String(d.kind)}/${String(d.apiVersion)}; want KubeletConfiguration/kubelet.config.k8s.io/v1beta1`,
    );
  }
  const out: { -readonly [K in keyof KubeletConfig]?: KubeletConfig[K] } = {};
  for (const [field, key] of Object.entries(DURATIONS)) {
    const v = d[field];
    if (v === undefined || v === null) continue;
    try {
      const ms = parseDuration(String(v));
      // upstream: a zero duration is "unset" and takes the default (defaults.go compares with zeroDuration)
      if (ms > 0) out[key] = ms;
    } catch (e) {
      if (e instanceof DurationError)
        throw new KubeletConfigError(`--config ${file}: ${field}: ${e.message}`);
      throw e;
    }
  }
  for (const field of ['staticPodPath', 'podLogsDir'] as const) {
    const v = d[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw new KubeletConfigError(`--config ${file}: ${field} must be a string`);
    out[field] = v;
  }
  const lease = d.nodeLeaseDurationSeconds;
  if (lease !== undefined && lease !== null && lease !== 0) {
    if (typeof lease !== 'number' || !Number.isInteger(lease) || lease < 1)
      throw new KubeletConfigError(`--config ${file}: nodeLeaseDurationSeconds must be a positive integer`);
    out.nodeLeaseDurationSeconds = lease;
  }
  return out;
}

/** The names of the flags given on the command line (`--name`, `--name=v`, `-name`). */
export function explicitFlags(argv: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const a of argv) {
    const m = /^--?([^=]+)/.exec(a);
    if (m?.[1] && a !== '--' && a !== '-') out.add(m[1]);
  }
  return out;
}

/** Defaults < file < flags given on the command line. */
export function resolveKubeletConfig(
  file: Partial<KubeletConfig> | undefined,
  flags: Partial<KubeletConfig>,
): KubeletConfig {
  return { ...KUBELET_CONFIG_DEFAULTS, ...file, ...flags };
}
