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
 *
 * The server (port 10250, server.ts): address 0.0.0.0, port 10250, tlsCertFile/tlsPrivateKeyFile,
 * authentication.x509.clientCAFile, authentication.anonymous.enabled (v1beta1 default false) and
 * authorization.mode (v1beta1 default Webhook). Without --config the command line's legacy
 * defaults apply instead (cmd/kubelet/app/options/options.go applyLegacyDefaults: anonymous
 * authentication on, authorization AlwaysAllow).
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
  /** The server's IP (--address) and port (--port). */
  readonly address: string;
  readonly port: number;
  /** The serving certificate; both empty: a self-signed one in --cert-dir (server.ts). */
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  /** authentication.x509.clientCAFile (--client-ca-file); empty: no client certificates. */
  readonly clientCAFile: string;
  /** authentication.anonymous.enabled (--anonymous-auth). */
  readonly anonymousAuth: boolean;
  /** authorization.mode (--authorization-mode). */
  readonly authorizationMode: AuthorizationModeName;
  /** The healthz server (plain HTTP, `/healthz`): its IP (--healthz-bind-address) and port (--healthz-port; 0: none). */
  readonly healthzBindAddress: string;
  readonly healthzPort: number;
}

export type AuthorizationModeName = 'AlwaysAllow' | 'Webhook';

export const KUBELET_CONFIG_DEFAULTS: KubeletConfig = {
  staticPodPath: '',
  fileCheckFrequencyMs: 20_000,
  syncFrequencyMs: 60_000,
  nodeStatusUpdateFrequencyMs: 10_000,
  nodeLeaseDurationSeconds: 40,
  podLogsDir: '/var/log/pods',
  address: '0.0.0.0',
  port: 10250,
  tlsCertFile: '',
  tlsPrivateKeyFile: '',
  clientCAFile: '',
  anonymousAuth: false,
  authorizationMode: 'Webhook',
  // pkg/kubelet/apis/config/v1beta1/defaults.go: HealthzBindAddress 127.0.0.1, HealthzPort 10248
  // (a pointer: an explicit 0 turns the server off).
  healthzBindAddress: '127.0.0.1',
  healthzPort: 10248,
};

/** The command line's defaults when there is no --config (applyLegacyDefaults). */
export const LEGACY_FLAG_DEFAULTS: Partial<KubeletConfig> = {
  anonymousAuth: true,
  authorizationMode: 'AlwaysAllow',
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
  for (const field of [
    'staticPodPath',
    'podLogsDir',
    'address',
    'tlsCertFile',
    'tlsPrivateKeyFile',
    'healthzBindAddress',
  ] as const) {
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
  Object.assign(out, serverFields(d, file));
  return out;
}

/** port, authentication.{anonymous.enabled, x509.clientCAFile}, authorization.mode. */
function serverFields(d: Record<string, unknown>, file: string): Partial<KubeletConfig> {
  const bad = (what: string) => new KubeletConfigError(`--config ${file}: ${what}`);
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${field} must be an object`);
    return v as Record<string, unknown>;
  };
  const out: { -readonly [K in keyof KubeletConfig]?: KubeletConfig[K] } = {};
  const port = d.port;
  if (port !== undefined && port !== null && port !== 0) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      throw bad(`port ${String(port)} must be between 1 and 65535, inclusive`);
    out.port = port;
  }
  const healthz = d.healthzPort;
  if (healthz !== undefined && healthz !== null) {
    if (typeof healthz !== 'number' || !Number.isInteger(healthz) || healthz < 0 || healthz > 65535)
      throw bad(
        `healthzPort ${String(healthz)} must be between 0 and 65535, inclusive (0: no healthz server)`,
      );
    out.healthzPort = healthz;
  }
  const authn = obj(d.authentication, 'authentication');
  const anonymous = obj(authn.anonymous, 'authentication.anonymous').enabled;
  if (anonymous !== undefined && anonymous !== null) {
    if (typeof anonymous !== 'boolean') throw bad('authentication.anonymous.enabled must be true or false');
    out.anonymousAuth = anonymous;
  }
  const ca = obj(authn.x509, 'authentication.x509').clientCAFile;
  if (ca !== undefined && ca !== null && ca !== '') {
    if (typeof ca !== 'string') throw bad('authentication.x509.clientCAFile must be a string');
    out.clientCAFile = ca;
  }
  const mode = obj(d.authorization, 'authorization').mode;
  if (mode !== undefined && mode !== null && mode !== '') {
    if (mode !== 'AlwaysAllow' && mode !== 'Webhook')
      throw bad(`authorization.mode ${String(mode)}: use AlwaysAllow or Webhook`);
    out.authorizationMode = mode;
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

/** Defaults (the legacy ones without a file) < file < flags given on the command line. */
export function resolveKubeletConfig(
  file: Partial<KubeletConfig> | undefined,
  flags: Partial<KubeletConfig>,
): KubeletConfig {
  const defaults = file ? KUBELET_CONFIG_DEFAULTS : { ...KUBELET_CONFIG_DEFAULTS, ...LEGACY_FLAG_DEFAULTS };
  return { ...defaults, ...file, ...flags };
}
