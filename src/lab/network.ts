/**
 * Lab network: one Linux bridge in the root namespace (the harness side, 198.18.0.1) and one
 * network namespace per lab host, joined to the bridge by a veth pair (`eth0` inside). Every
 * name starts with the lab prefix, so `removeNetwork` finds what a killed run left behind.
 * Nothing is routed anywhere else: namespaces get no default route.
 */
import fs from 'node:fs';
import { runLocal } from '../executors/local.ts';
import { check } from '../executors/types.ts';
import { type LabConfig, type LabHost, vrrpPair } from './config.ts';

/**
 * Whether the lab's own bridge exists on this machine. Lab traffic goes to 198.18.0.0/15 only
 * while it does: without it the range is not ours, and a packet to it would leave through the
 * default route to whatever answers there.
 */
export const bridgeExists = (cfg: Pick<LabConfig, 'bridge'>): boolean =>
  fs.existsSync(`/sys/class/net/${cfg.bridge}`);

const ip = async (...args: string[]): Promise<string> =>
  check(await runLocal(['ip', ...args], { timeoutMs: 10_000 }));

export async function listNetns(prefix: string): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${prefix}-`));
}

export async function listLinks(prefix: string): Promise<string[]> {
  const out = await ip('-o', 'link', 'show');
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line);
    if (m?.[1]?.startsWith(`${prefix}-`)) names.push(m[1]);
  }
  return names;
}

async function ensureBridge(cfg: LabConfig): Promise<void> {
  const links = await listLinks(cfg.prefix);
  if (!links.includes(cfg.bridge)) await ip('link', 'add', cfg.bridge, 'type', 'bridge');
  const addrs = await ip('-o', 'addr', 'show', 'dev', cfg.bridge);
  if (!addrs.includes(` ${cfg.hostIp}/`)) {
    await ip('addr', 'add', `${cfg.hostIp}/${cfg.prefixLength}`, 'dev', cfg.bridge);
  }
  await ip('link', 'set', cfg.bridge, 'up');
}

async function ensureHost(cfg: LabConfig, h: LabHost, existingNs: string[], links: string[]): Promise<void> {
  if (!existingNs.includes(h.netns)) await ip('netns', 'add', h.netns);
  if (!links.includes(h.veth)) {
    await ip('link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns);
  }
  await ip('link', 'set', h.veth, 'master', cfg.bridge, 'up');
  await ip('-n', h.netns, 'link', 'set', 'lo', 'up');
  const addrs = await ip('-n', h.netns, '-o', 'addr', 'show', 'dev', 'eth0');
  if (!addrs.includes(` ${h.ip}/`))
    await ip('-n', h.netns, 'addr', 'add', `${h.ip}/${cfg.prefixLength}`, 'dev', 'eth0');
  // A single LB holds the VIP as its own second address (no VRRP pair to move it).
  if (h.role === 'lb' && !vrrpPair(cfg) && !addrs.includes(` ${cfg.vip}/`))
    await ip('-n', h.netns, 'addr', 'add', `${cfg.vip}/${cfg.prefixLength}`, 'dev', 'eth0');
  await ip('-n', h.netns, 'link', 'set', 'eth0', 'up');
}

/** Creates (or completes) the bridge and every host namespace; idempotent. */
export async function createNetwork(cfg: LabConfig): Promise<void> {
  await ensureBridge(cfg);
  const [ns, links] = await Promise.all([listNetns(cfg.prefix), listLinks(cfg.prefix)]);
  await Promise.all(cfg.hosts.map((h) => ensureHost(cfg, h, ns, links)));
}

/** Removes every namespace and link carrying the prefix (also those of other worker counts). */
export async function removeNetwork(prefix: string): Promise<{ netns: string[]; links: string[] }> {
  const netns = await listNetns(prefix);
  for (const n of netns) await runLocal(['ip', 'netns', 'del', n]);
  // Deleting a namespace destroys its veth end and so the pair; the bridge remains.
  const links = await listLinks(prefix);
  for (const l of links) await runLocal(['ip', 'link', 'del', l]);
  return { netns, links };
}

/** Sets the host-side link of a lab host down or up (the "host off the network" fault). */
export async function setHostLink(h: LabHost, state: 'up' | 'down'): Promise<void> {
  await ip('link', 'set', h.veth, state);
}

export async function hostLinkState(h: LabHost): Promise<'up' | 'down' | 'missing'> {
  const res = await runLocal(['ip', '-o', 'link', 'show', h.veth]);
  if (res.code !== 0) return 'missing';
  return /[<,]UP[,>]/.test(res.stdout) ? 'up' : 'down';
}

/** The lab host (by name) currently holding `address` on its eth0, if any. */
export async function addressHolders(address: string, among: readonly LabHost[]): Promise<string[]> {
  const holders: string[] = [];
  await Promise.all(
    among.map(async (h) => {
      const res = await runLocal(['ip', '-n', h.netns, '-o', 'addr', 'show', 'dev', 'eth0']);
      if (res.code === 0 && res.stdout.includes(` ${address}/`)) holders.push(h.name);
    }),
  );
  return holders.sort();
}
