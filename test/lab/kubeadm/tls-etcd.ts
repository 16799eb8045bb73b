/**
 * Test helper: a single-member Debian etcd started from the generated kubeadm etcd.yaml `command`
 * (every flag as kubeadm writes it, adapted to 3.4), moved to loopback: the host's paths are
 * rooted in the temp dir, the advertise address becomes 127.0.0.1 and the ports 2379/2380/2381
 * free ones. Returns a TestEtcd (test/helpers/apiserver.ts) plus the host root, so the kubeadm
 * certificates can be used as clients.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { hostByName, labConfig } from '../../../src/lab/config.ts';
import { ensureKubeadmCas, writeKubeadmHost } from '../../../src/lab/kubeadm/index.ts';
import { freePort, type Teardownable, type TestEtcd } from '../../helpers/apiserver.ts';

export interface KubeadmEtcd extends TestEtcd {
  /** The host root: <root>/etc/kubernetes/pki/... */
  readonly root: string;
  readonly metricsUrl: string;
  /** The manifest's command, as run (after the loopback rewrite). */
  readonly argv: readonly string[];
  /** Absolute path of a file of /etc/kubernetes/pki. */
  pki(file: string): string;
}

/** GET over TLS with a client certificate from the host's pki (undefined: no client certificate). */
export function tlsGet(
  url: string,
  caFile: string,
  client?: { cert: string; key: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(caFile),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
        timeout: 3000,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.end();
  });
}

export interface KubeadmEtcdFixture {
  /** Starts the etcd member of a control plane from its generated manifest. */
  start(host: 'cp1' | 'cp2' | 'cp3'): Promise<KubeadmEtcd>;
  /** The loopback peer URL a member advertises (its manifest's, rewritten). */
  peerUrl(host: 'cp1' | 'cp2' | 'cp3'): string;
  clientUrl(host: 'cp1' | 'cp2' | 'cp3'): string;
}

/**
 * Up to three members on loopback, each from its own generated host root (kubeadm init for
 * cp1, join for cp2/cp3), sharing the CAs; every host address/port of the manifests is mapped
 * to a free 127.0.0.1 port.
 */
export async function kubeadmEtcdFixture(t: Teardownable): Promise<KubeadmEtcdFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hadrill-kubeadm-etcd-'));
  const members: KubeadmEtcd[] = [];
  t.teardown(async () => {
    for (const m of members) await m.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const cfg = labConfig({ preset: 'fast', stateDir: dir });
  const cas = await ensureKubeadmCas(path.join(dir, 'cas'));
  const names = ['cp1', 'cp2', 'cp3'] as const;
  const ports = new Map<string, { client: number; peer: number; metrics: number }>();
  for (const n of names)
    ports.set(n, { client: await freePort(), peer: await freePort(), metrics: await freePort() });
  const portsOf = (n: string) => ports.get(n)!;
  return {
    peerUrl: (n) => `https://127.0.0.1:${portsOf(n).peer}`,
    clientUrl: (n) => `https://127.0.0.1:${portsOf(n).client}`,
    start: async (n) => {
      const hostOfIp = (ip: string) => names.find((x) => hostByName(cfg, x).ip === ip);
      const m = await startMember(dir, cfg, cas, n, hostOfIp, portsOf);
      members.push(m);
      return m;
    },
  };
}

/** One member from cp1's manifest (kubeadm init: a cluster of one). */
export async function startKubeadmEtcd(t: Teardownable): Promise<KubeadmEtcd> {
  return (await kubeadmEtcdFixture(t)).start('cp1');
}

async function startMember(
  dir: string,
  cfg: ReturnType<typeof labConfig>,
  cas: Awaited<ReturnType<typeof ensureKubeadmCas>>,
  name: string,
  hostOfIp: (ip: string) => string | undefined,
  portsOf: (host: string) => { client: number; peer: number; metrics: number },
): Promise<KubeadmEtcd> {
  const host = hostByName(cfg, name);
  const root = path.join(dir, name);
  await writeKubeadmHost(cfg, host, root, cas);
  const pod = YAML.parse(await readFile(path.join(root, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8'));
  const own = portsOf(name);
  const kinds = { '2379': 'client', '2380': 'peer' } as const;
  const rewrite = (a: string) =>
    a
      .replaceAll('/etc/kubernetes', path.join(root, 'etc/kubernetes'))
      .replaceAll('/var/lib/etcd', path.join(root, 'var/lib/etcd'))
      .replace(
        /(\d+\.\d+\.\d+\.\d+):(2379|2380|2381)\b/g,
        (m, ip: string, port: '2379' | '2380' | '2381') => {
          const h = ip === '127.0.0.1' ? name : hostOfIp(ip);
          if (!h) return m;
          return `127.0.0.1:${port === '2381' ? own.metrics : portsOf(h)[kinds[port]]}`;
        },
      )
      // both client URLs are now the same: listen once
      .replace(/^(--listen-client-urls=)([^,]+),\2$/, '$1$2');
  const command: string[] = pod.spec.containers[0].command.map(rewrite);
  const argv = [...command.slice(1), '--log-level=error'];
  const pki = (f: string) => path.join(root, 'etc/kubernetes/pki', f);
  const endpoint = `https://127.0.0.1:${own.client}`;
  const metricsUrl = `http://127.0.0.1:${own.metrics}`;
  let proc: ChildProcess;
  const launch = () => {
    proc = spawn(command[0]!, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d).slice(-4000);
      if (process.env.HADRILL_TEST_LOG === '1') process.stderr.write(`[etcd] ${d}`);
    });
    proc.once('exit', (code, sig) => {
      if (code !== 0 && sig === null) process.stderr.write(`kubeadm etcd exited ${code}: ${err}\n`);
    });
  };
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const ready = async () => {
    const client = { cert: pki('etcd/healthcheck-client.crt'), key: pki('etcd/healthcheck-client.key') };
    for (let i = 0; i < 200; i++) {
      if (exited()) throw new Error(`etcd exited (${proc.exitCode ?? proc.signalCode}) before it was ready`);
      // serializable: a joining learner answers too (it serves no linearizable reads)
      const ok = await tlsGet(`${endpoint}/health?serializable=true`, pki('etcd/ca.crt'), client).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('etcd was not ready after 10 s');
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (exited()) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await gone;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await kill();
  };
  launch();
  try {
    await ready();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    root,
    metricsUrl,
    argv,
    pki,
    endpoint,
    dataDir: path.join(root, 'var/lib/etcd'),
    get proc() {
      return proc;
    },
    kill,
    restart: async () => {
      await kill();
      launch();
      await ready();
    },
    stop,
  };
}
