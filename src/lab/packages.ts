/**
 * System packages the lab needs, installed from Debian with apt when missing (as root), with
 * apt's own progress on the terminal. Without root or apt: a message naming the packages.
 * Services are never started by the install (policy-rc.d), the lab runs its own processes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { TargetError, UserError } from '../util/errors.ts';
import { findBinary } from '../util/paths.ts';

/** Binary → Debian package. */
export const REQUIRED: Readonly<Record<string, string>> = {
  etcd: 'etcd-server',
  etcdctl: 'etcd-client',
  haproxy: 'haproxy',
  keepalived: 'keepalived',
  iptables: 'iptables',
  ip: 'iproute2',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-client',
  openssl: 'openssl',
  // keepalived's check_apiserver.sh (the kubeadm HA guide's) asks haproxy's frontend with curl.
  curl: 'curl',
  // PID 1 of each lab host's PID namespace (src/lab/host.ts): reaps orphans as a node's init does.
  tini: 'tini',
  // etcd-disk-latency's injector (src/targets/kubeadm-fsync.ts): syscall delay on etcd's fsync.
  strace: 'strace',
  // The monitoring host (src/lab/monitoring.ts); promtool checks and tests alerts/rules.
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
};

export function missingPackages(required: Readonly<Record<string, string>> = REQUIRED): string[] {
  const pkgs = new Set<string>();
  for (const [bin, pkg] of Object.entries(required)) if (!findBinary(bin)) pkgs.add(pkg);
  return [...pkgs].sort();
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new UserError(
      `${what} needs root: the lab creates network namespaces, veth links and a bridge, runs iptables inside them and starts etcd, haproxy and keepalived. Run it as root (for example with sudo).`,
    );
  }
}

/** Installs missing packages with apt; throws a message that names them when it cannot. */
export function ensurePackages(log: (line: string) => void = console.error): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const manual = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !findBinary('apt-get')) {
    throw new TargetError(
      `the lab needs these Debian packages: ${missing.join(', ')}. Install them as root: ${manual}`,
    );
  }
  log(`Installing Debian packages for the lab: ${missing.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy)
    fs.writeFileSync(policy, '#!/bin/sh\n# ha-drill: no service starts during install\nexit 101\n', {
      mode: 0o755,
    });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (update.status !== 0)
      throw new TargetError(`apt-get update failed (exit ${update.status}); then run: ${manual}`);
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    if (install.status !== 0)
      throw new TargetError(`apt-get install failed (exit ${install.status}); run: ${manual}`);
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
  const still = missingPackages();
  if (still.length > 0)
    throw new TargetError(`still missing after install: ${still.join(', ')}; run: ${manual}`);
}
