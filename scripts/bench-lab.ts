/**
 * Measures the lab itself: `up` to healthy and `down` wall times (median of N), RSS of the lab's
 * processes, and VIP takeover from link-down of the holder to the first TCP connect through
 * the VIP. Usage: npm run bench:lab -- [--preset seeds|fast] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { hostByName, hostsByRole, type PresetName } from '../src/lab/config.ts';
import { componentPids } from '../src/lab/control.ts';
import { down, tcpConnect, up } from '../src/lab/lab.ts';
import { addressHolders, setHostLink } from '../src/lab/network.ts';
import { groupRssMb } from '../src/lab/procs.ts';
import { sleep, waitFor } from '../src/util/time.ts';

const { values } = parseArgs({
  options: { preset: { type: 'string', default: 'seeds' }, runs: { type: 'string', default: '5' } },
});
const preset = values.preset as PresetName;
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await down();
const ups: number[] = [];
const downs: number[] = [];
const takeovers: number[] = [];
for (let i = 0; i < runs; i++) {
  const u = await up({ preset, log: (l) => console.log(`  lab: ${l}`) });
  ups.push(u.elapsedMs);
  const cfg = u.config;
  if (i === 0) {
    // Every component: the supervisor's services (their process group) and the static pods the
    // control planes' kubelets run (each container leads its own group).
    for (const [c, pid] of componentPids(cfg))
      if (pid !== undefined) console.log(`rss ${c}: ${groupRssMb(pid).toFixed(1)} MB`);
  }
  const lbs = hostsByRole(cfg, 'lb');
  const [holder] = await addressHolders(cfg.vip, lbs);
  const h = hostByName(cfg, holder!);
  const t0 = performance.now();
  await setHostLink(h, 'down');
  await waitFor(() => tcpConnect(cfg.vip, cfg.apiPort, 200).then(() => true), {
    timeoutMs: 30_000,
    intervalMs: 10,
    what: 'VIP takeover',
  });
  takeovers.push(performance.now() - t0);
  await setHostLink(h, 'up');
  await sleep(500);
  const d = await down();
  downs.push(d.elapsedMs);
  console.log(
    `run ${i + 1}: up ${(u.elapsedMs / 1000).toFixed(2)} s, vip takeover ${(takeovers.at(-1)! / 1000).toFixed(2)} s, down ${(d.elapsedMs / 1000).toFixed(2)} s`,
  );
}
console.log(
  `preset ${preset}, ${runs} runs: median up ${(median(ups) / 1000).toFixed(2)} s, median down ${(median(downs) / 1000).toFixed(2)} s, median VIP takeover ${(median(takeovers) / 1000).toFixed(2)} s (min ${(Math.min(...takeovers) / 1000).toFixed(2)}, max ${(Math.max(...takeovers) / 1000).toFixed(2)})`,
);
