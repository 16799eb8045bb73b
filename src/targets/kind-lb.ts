/**
 * The health-check timings of kind's external load balancer, copied out of its container with
 * `docker cp` (the HAProxy image since kind v0.12 is distroless: no shell, no cat).
 * - Envoy (kind ≥ v0.32): the cluster's `health_checks` live in /home/envoy/cds.yaml only; the
 *   bootstrap envoy.yaml and the listeners' lds.yaml are separate documents with their own
 *   `resources` (kind pkg/cluster/internal/loadbalancer/config.go ProxyConfigPathCDS,
 *   ProxyCDSConfigTemplate: interval 2s, timeout 3s, unhealthy_threshold 2).
 * - HAProxy (before): /usr/local/etc/haproxy/haproxy.cfg (kind v0.31 loadbalancer/const.go
 *   ConfigPath), whose `server … check` lines set no inter/fall/rise/timeout check: HAProxy's own
 *   defaults apply (src/targets/defaults.ts; doc/configuration.txt: `inter` 2000 ms, `fall` 3,
 *   and without `timeout check` the whole check is bounded by `inter`, which the LB window reads).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LocalRunner } from '../executors/docker.ts';
import { configured, type TimingInputs, withDefaults } from './defaults.ts';
import {
  envoyCheckDetails,
  envoyTimings,
  haproxyCheckDetails,
  haproxyTimings,
} from './kubeadm-profile-timings.ts';

export const ENVOY_CDS_PATH = '/home/envoy/cds.yaml';
export const HAPROXY_CFG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';

/** The LB's own inputs: read from `where`, then (HAProxy) its defaults for what it leaves unset. */
const LB_SOURCES = [
  {
    file: ENVOY_CDS_PATH,
    parse: (text: string, where: string): TimingInputs =>
      configured([{ where, timings: { ...envoyTimings(text), ...envoyCheckDetails(text) } }]),
  },
  {
    file: HAPROXY_CFG_PATH,
    parse: (text: string, where: string): TimingInputs => {
      const read = configured([
        { where, timings: { ...haproxyTimings(text), ...haproxyCheckDetails(text) } },
      ]);
      // Only HAProxy's own defaults: the Kubernetes ones come from the nodes.
      const all = withDefaults(read, { lb: 'haproxy' });
      const keys = new Set(['checkInterMs', 'fall', 'rise', ...Object.keys(read)]);
      const pick = <T extends object>(o: T) =>
        Object.fromEntries(Object.entries(o).filter(([k]) => keys.has(k))) as Partial<T>;
      return { ...pick(all), origins: pick(all.origins ?? {}) };
    },
  },
];

/**
 * Copies the LB's health-check config into `dir` and parses it: Envoy's cds.yaml, else
 * HAProxy's config. `undefined` when neither can be copied (the caller says so).
 */
export async function readLbTimings(
  run: LocalRunner,
  lb: string,
  dir: string,
): Promise<{ timings: TimingInputs; from: string } | undefined> {
  for (const s of LB_SOURCES) {
    const local = path.join(dir, `lb-${path.basename(s.file)}`);
    const r = await run(['docker', 'cp', `${lb}:${s.file}`, local], { timeoutMs: 10_000 }).catch(
      () => undefined,
    );
    if (r?.code !== 0 || !fs.existsSync(local)) continue;
    const text = fs.readFileSync(local, 'utf8');
    fs.rmSync(local, { force: true });
    const from = `${lb}:${s.file}`;
    return { timings: s.parse(text, from), from };
  }
  return undefined;
}
