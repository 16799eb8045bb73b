/**
 * The health-check timings of kind's external load balancer, copied out of its container with
 * `docker cp` (the HAProxy image since kind v0.12 is distroless: no shell, no cat).
 * - Envoy (kind ≥ v0.32): the cluster's `health_checks` live in /home/envoy/cds.yaml only; the
 *   bootstrap envoy.yaml and the listeners' lds.yaml are separate documents with their own
 *   `resources` (kind pkg/cluster/internal/loadbalancer/config.go ProxyConfigPathCDS,
 *   ProxyCDSConfigTemplate: interval 2s, timeout 3s, unhealthy_threshold 2).
 * - HAProxy (before): /usr/local/etc/haproxy/haproxy.cfg (kind v0.31 loadbalancer/const.go
 *   ConfigPath), whose `server … check` lines set no inter/fall/timeout check: HAProxy's own
 *   defaults apply (doc/configuration.txt: `inter` 2000 ms, `fall` 3, and without `timeout check`
 *   the whole check is bounded by `inter`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LocalRunner } from '../executors/docker.ts';
import { envoyTimings, haproxyTimings } from './kubeadm-profile-timings.ts';
import type { HaTimings } from './types.ts';

export const ENVOY_CDS_PATH = '/home/envoy/cds.yaml';
export const HAPROXY_CFG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';

/** HAProxy's defaults for what a `server` line leaves unset (doc/configuration.txt). */
export function withHaproxyDefaults(t: HaTimings): HaTimings {
  const inter = t.checkInterMs ?? 2000;
  return { checkInterMs: inter, fall: t.fall ?? 3, checkTimeoutMs: t.checkTimeoutMs ?? inter };
}

/**
 * Copies the LB's health-check config into `dir` and parses it: Envoy's cds.yaml, else
 * HAProxy's config. `undefined` when neither can be copied (the caller says so).
 */
export async function readLbTimings(
  run: LocalRunner,
  lb: string,
  dir: string,
): Promise<{ timings: HaTimings; from: string } | undefined> {
  const sources = [
    { file: ENVOY_CDS_PATH, parse: envoyTimings },
    { file: HAPROXY_CFG_PATH, parse: (text: string) => withHaproxyDefaults(haproxyTimings(text)) },
  ];
  for (const s of sources) {
    const local = path.join(dir, `lb-${path.basename(s.file)}`);
    const r = await run(['docker', 'cp', `${lb}:${s.file}`, local], { timeoutMs: 10_000 }).catch(
      () => undefined,
    );
    if (r?.code !== 0 || !fs.existsSync(local)) continue;
    const text = fs.readFileSync(local, 'utf8');
    fs.rmSync(local, { force: true });
    return { timings: s.parse(text), from: `${lb}:${s.file}` };
  }
  return undefined;
}
