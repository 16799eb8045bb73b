/**
 * The start and end of every client-side component process (kubelet, kube-controller-manager,
 * kube-scheduler): flags parsed before the heavy Kubernetes client is loaded, the kubeconfig loaded
 * (exit 2 with the reason), SIGTERM/SIGINT turned into an abort signal with a hard exit after a
 * grace period, and the exit code of the component's run (a crash logs `fatal` and exits 1).
 * The process name is the component's binary name (`kubelet`, `kube-controller-manager`, ...):
 * `setProcessName` writes the Linux comm (15 bytes), so `pgrep -x kube-scheduler` finds the
 * process as on a real node, while /proc/<pid>/cmdline keeps the whole command line (Node's
 * `process.title` would overwrite it, and tools read flags from it).
 */
import { writeFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { type FlagSpec, type FlagValues, parseFlagsOrExit } from './flags.ts';
import { createLogger, type Logger } from './log.ts';

export const KUBECONFIG_FLAG = {
  type: 'string',
  default: '',
  required: true,
  help: 'Path to the kubeconfig (the lab writes one per host).',
} as const;

export interface ComponentOptions<S extends Record<string, FlagSpec>> {
  readonly command: string;
  /** Must include `kubeconfig` (KUBECONFIG_FLAG). */
  readonly flags: S;
  /** Checks across flags; throws a message naming the flag to fix (exit 2). */
  readonly check?: (v: FlagValues<S>) => void;
  /** The logger's component name, e.g. `kubelet[w1]`. */
  readonly logName: (v: FlagValues<S>) => string;
  /** How long a shutdown may take before the process exits anyway. */
  readonly graceMs: number | ((flags: FlagValues<S>) => number);
  /**
   * `optional`: an empty --kubeconfig is no API client at all (the kubelet's standalone mode,
   * kubernetes/kubernetes cmd/kubelet/app/server.go run(): `standaloneMode := true; if
   * len(s.KubeConfig) > 0 { standaloneMode = false }`); `kc` is then undefined.
   */
  readonly kubeconfig?: 'optional';
}

export interface Component<S extends Record<string, FlagSpec>, K = KubeConfig> {
  readonly flags: FlagValues<S>;
  readonly log: Logger;
  readonly kc: K;
  /** Aborted on SIGTERM/SIGINT. */
  readonly shutdown: AbortSignal;
  /** Exits with the code `run` resolves with; 0 if it fails after a shutdown, else logs it and exits 1. */
  exitWith(run: Promise<number>): void;
}

export function startComponent<S extends Record<string, FlagSpec>>(
  o: ComponentOptions<S> & { readonly kubeconfig: 'optional' },
): Promise<Component<S, KubeConfig | undefined>>;
export function startComponent<S extends Record<string, FlagSpec>>(
  o: ComponentOptions<S>,
): Promise<Component<S>>;
export async function startComponent<S extends Record<string, FlagSpec>>(
  o: ComponentOptions<S>,
): Promise<Component<S, KubeConfig | undefined>> {
  setProcessName(o.command);
  const flags = parseFlagsOrExit(o.command, process.argv.slice(2), o.flags, (v) => {
    o.check?.(v);
    return v;
  });
  const log = createLogger(o.logName(flags));
  // the Kubernetes client is heavy: load it only once the flags are known to be good
  const path = (flags as { kubeconfig: string }).kubeconfig;
  let kc: KubeConfig | undefined;
  if (path || o.kubeconfig !== 'optional') {
    const { loadKubeConfig } = await import('./kube.ts');
    try {
      kc = loadKubeConfig(path);
    } catch (e) {
      process.stderr.write(`${o.command}: ${(e as Error).message}\n`);
      process.exit(2);
    }
  }
  const ac = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log('shutting down', { signal: sig });
      ac.abort();
      setTimeout(() => process.exit(0), typeof o.graceMs === 'number' ? o.graceMs : o.graceMs(flags)).unref();
    });
  }
  const exitWith = (run: Promise<number>) =>
    run.then(
      (code) => process.exit(code),
      (e) => {
        if (ac.signal.aborted) process.exit(0);
        log('fatal', { error: String(e) });
        process.exit(1);
      },
    );
  return { flags, log, kc, shutdown: ac.signal, exitWith };
}

/**
 * Sets this process's name as the kernel keeps it (the comm, `/proc/<pid>/comm`: what `pgrep -x`
 * and `ps -o comm` match; 15 bytes, so kube-controller-manager is `kube-controller` as on a node).
 * Best effort: not on Linux, nothing happens.
 */
export function setProcessName(name: string): void {
  try {
    writeFileSync('/proc/self/comm', name.slice(0, 15));
  } catch {
    // no procfs: the name stays `node`
  }
}
