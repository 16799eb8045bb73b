import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import t, { type Test } from 'tap';
import YAML from 'yaml';
import { parseFlags as parseApiserverFlags } from '../../src/kube/apiserver/flags.ts';
import { selfSignedCert } from '../../src/kube/runtime/self-signed.ts';
import {
  DEFAULT_LB,
  hostsByRole,
  type LabConfig,
  type LabHost,
  LB_HEALTH_CHECKS,
  type LbOptions,
  labConfig,
  lbOptions,
  PRESET_TIMINGS,
  PRESETS,
} from '../../src/lab/config.ts';
import { CONTROL_PLANE_TAINT, kubeletSpec, writeClusterFiles } from '../../src/lab/control-plane.ts';
import { haproxyBackends, haproxyConfig } from '../../src/lab/haproxy.ts';
import { hostRoot } from '../../src/lab/host.ts';
import {
  CHECK_WEIGHT,
  checkApiserverScript,
  keepalivedConfig,
  vrrpPriority,
} from '../../src/lab/keepalived.ts';
import { clusterHealth } from '../../src/probes/etcd-health.ts';
import { haproxyTimings, keepalivedTimings } from '../../src/targets/kubeadm-profile-timings.ts';

const cfg = labConfig({ stateDir: '/tmp/hadr-test-state' });
const [_cp1] = cfg.hosts;
const tmp = (t: Test): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hadr-render-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
};

/** The command line the kubelet runs for a static pod: its manifest's command and args. */
function manifestArgv(c: LabConfig, h: LabHost, pod: string): string[] {
  const file = path.join(hostRoot(c.stateDir, h.name), 'etc/kubernetes/manifests', `${pod}.yaml`);
  const k = (
    YAML.parse(fs.readFileSync(file, 'utf8')) as {
      spec: { containers: { command: string[]; args?: string[] }[] };
    }
  ).spec.containers[0]!;
  return [...k.command, ...(k.args ?? [])];
}

/**
 * A lab's cluster files written into a temporary state dir (kubeadm layout, certificates), once
 * per preset for the whole file (the tests only read them; the keys are the expensive part).
 */
const clusters = new Map<'seeds' | 'fast', Promise<LabConfig>>();
function clusterFiles(_t: Test, preset: 'seeds' | 'fast'): Promise<LabConfig> {
  let c = clusters.get(preset);
  if (!c) {
    const cfg = labConfig({ preset, stateDir: tmp(t) });
    c = writeClusterFiles(cfg).then(() => cfg);
    clusters.set(preset, c);
  }
  return c;
}

t.test('etcd runs its kubeadm manifest: TLS, client certificates, pre-vote, preset timings', async (t) => {
  const c = await clusterFiles(t, 'seeds');
  const argv = manifestArgv(c, hostsByRole(c, 'control-plane')[0]!, 'etcd');
  t.equal(argv[0], 'etcd', 'the manifest command, as it is');
  for (const flag of [
    '--heartbeat-interval=250',
    '--election-timeout=2500',
    '--pre-vote=true',
    '--client-cert-auth=true',
    '--peer-client-cert-auth=true',
    '--data-dir=/var/lib/etcd',
    '--listen-client-urls=https://127.0.0.1:2379,https://198.18.0.11:2379',
    '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
    '--initial-cluster=cp1=https://198.18.0.11:2380,cp2=https://198.18.0.12:2380,cp3=https://198.18.0.13:2380',
  ])
    t.ok(argv.includes(flag), flag);
  const fast = await clusterFiles(t, 'fast');
  const f = manifestArgv(fast, hostsByRole(fast, 'control-plane')[0]!, 'etcd');
  t.ok(f.includes('--heartbeat-interval=100') && f.includes('--election-timeout=1000'));
});

t.test(
  '/metrics reachable from the monitoring host: controller-manager and scheduler bound to 0.0.0.0',
  async (t) => {
    const c = await clusterFiles(t, 'fast');
    const cp = hostsByRole(c, 'control-plane')[0]!;
    for (const [pod, port] of [
      ['kube-controller-manager', 10257],
      ['kube-scheduler', 10259],
    ] as const) {
      const argv = manifestArgv(c, cp, pod);
      t.ok(
        argv.includes('--bind-address=0.0.0.0'),
        `${pod}: --bind-address=0.0.0.0 (kube-prometheus' kubeadm advice)`,
      );
      t.notOk(
        argv.some((a) => a.startsWith('--secure-port=')),
        `${pod}: the default secure port ${port}`,
      );
      const file = path.join(hostRoot(c.stateDir, cp.name), 'etc/kubernetes/manifests', `${pod}.yaml`);
      const probe = YAML.parse(fs.readFileSync(file, 'utf8')).spec.containers[0].livenessProbe.httpGet;
      t.same(
        probe,
        { path: '/healthz', port, scheme: 'HTTPS' },
        `${pod}: probed on the pod (host) IP, as kubeadm does then`,
      );
    }
  },
);

const lbHosts = (c: LabConfig) => hostsByRole(c, 'lb');

t.test('the kubelet as kubeadm starts it; control planes run static pods and carry the taint', async (t) => {
  const c = await clusterFiles(t, 'fast');
  const [cp] = hostsByRole(c, 'control-plane');
  const [w] = hostsByRole(c, 'worker');
  for (const h of [cp!, w!]) {
    const argv = kubeletSpec(c, h).argv;
    t.same(argv.slice(0, 2), ['sh', '-c'], 'under the restart loop (systemd Restart=always)');
    t.ok(argv.includes('--kubeconfig=/etc/kubernetes/kubelet.conf'), `${h.name}: kubelet.conf`);
    t.ok(
      argv.includes('--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf'),
      `${h.name}: the drop-in's bootstrap kubeconfig flag`,
    );
    const kubeletConf = YAML.parse(
      fs.readFileSync(path.join(hostRoot(c.stateDir, h.name), 'etc/kubernetes/kubelet.conf'), 'utf8'),
    );
    t.same(
      kubeletConf.users[0].user,
      {
        'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
        'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      },
      `${h.name}: kubelet.conf names the rotated client certificate`,
    );
    // A worker's is the one its kubelet wrote after the TLS bootstrap, a control plane's kubeadm's.
    t.equal(
      kubeletConf['current-context'],
      h.role === 'worker' ? 'default-context' : `system:node:${h.name}@kubernetes`,
    );
    t.equal(kubeletConf.clusters[0].cluster.server, `https://${c.vip}:${c.apiPort}`);
    t.notOk(
      fs.existsSync(path.join(hostRoot(c.stateDir, h.name), 'etc/kubernetes/bootstrap-kubelet.conf')),
      'no bootstrap kubeconfig left, as after join',
    );
    t.ok(argv.includes('--config=/var/lib/kubelet/config.yaml'), `${h.name}: config.yaml`);
    t.notOk(
      argv.some((a) => a.startsWith('--hostname-override')),
      'the node name is the hostname',
    );
    t.equal(argv.includes(`--register-with-taints=${CONTROL_PLANE_TAINT}`), h.role === 'control-plane');
    t.ok(argv.includes('--lab-crash-backoff=1s') && argv.includes('--lab-crash-backoff-max=10s'));
    const conf = YAML.parse(
      fs.readFileSync(path.join(hostRoot(c.stateDir, h.name), 'var/lib/kubelet/config.yaml'), 'utf8'),
    ) as { staticPodPath: string; nodeLeaseDurationSeconds: number };
    t.equal(conf.staticPodPath, '/etc/kubernetes/manifests', `${h.name}: kubeadm's staticPodPath`);
    t.equal(conf.nodeLeaseDurationSeconds, c.timings.kubelet.nodeLeaseDurationS);
    const { clientCAFile } = (conf as unknown as { authentication: { x509: { clientCAFile: string } } })
      .authentication.x509;
    t.equal(
      fs.readFileSync(path.join(hostRoot(c.stateDir, h.name), clientCAFile), 'utf8'),
      fs.readFileSync(path.join(c.stateDir, 'kubeadm/cas/ca.crt'), 'utf8'),
      `${h.name}: the kubelet server's client CA (${clientCAFile}) is the cluster CA`,
    );
    const manifests = fs.readdirSync(path.join(hostRoot(c.stateDir, h.name), 'etc/kubernetes/manifests'));
    t.same(
      manifests.sort(),
      h.role === 'control-plane'
        ? ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml']
        : [],
      `${h.name}: its static pods`,
    );
  }
});

t.test('haproxy: the kubeadm HA guide config with the preset timings, valid for haproxy -c', async (t) => {
  for (const preset of PRESETS) {
    for (const healthCheck of LB_HEALTH_CHECKS) {
      for (const shutdownSessions of [false, true]) {
        const c = labConfig({ preset, stateDir: tmp(t), lb: { healthCheck, shutdownSessions } });
        const text = haproxyConfig(c, lbHosts(c)[0]!);
        const what = `${preset} ${healthCheck} shutdownSessions=${shutdownSessions}`;
        const h = PRESET_TIMINGS[preset].haproxy;
        t.same(
          haproxyTimings(text),
          { checkInterMs: h.checkInterMs, fall: h.fall, checkTimeoutMs: h.checkTimeoutMs },
          `${what}: the timings reader of the kubeadm profile reads the preset back`,
        );
        t.match(text, /frontend apiserver\n {4}bind \*:6443\n {4}mode tcp\n {4}option tcplog\n/);
        t.match(
          text,
          /option httpchk GET \/(readyz|healthz)\n {4}http-check expect status 200\n {4}mode tcp\n/,
        );
        t.match(text, /balance {5}roundrobin/);
        t.match(text, /timeout connect {9}5s\n {4}timeout client {10}20s\n {4}timeout server {10}20s/);
        t.equal((text.match(/^ {8}server cp\d 198\.18\.0\.1\d:6443 check$/gm) ?? []).length, 3, what);
        t.equal(/shutdown-sessions/.test(text), shutdownSessions, `${what}: shutdown-sessions only if asked`);
        t.equal(/option ssl-hello-chk/.test(text), healthCheck === 'guide', `${what}: ssl-hello-chk`);
        t.equal(/check-ssl/.test(text), healthCheck === 'readyz', `${what}: HTTPS check`);
        const file = path.join(c.stateDir, 'haproxy.cfg');
        fs.writeFileSync(file, text);
        const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
        t.equal(r.status, 0, `${what}: haproxy -c: ${r.stderr}`);
        t.notMatch(r.stderr, /ALERT/, what);
      }
    }
  }
});

t.test('LB options are validated', async (t) => {
  t.same(labConfig().lb, { healthCheck: 'readyz', shutdownSessions: false }, 'defaults');
  t.throws(
    () => labConfig({ lb: { healthCheck: 'tcp' as never } }),
    /unknown LB health check 'tcp': use one of readyz, guide/,
  );
  t.throws(
    () => labConfig({ lb: { shutdownSessions: 'yes' as never } }),
    /shutdownSessions must be true or false \(got "yes"\)/,
  );
  const { lb: _, ...saved } = labConfig();
  t.same(lbOptions(saved), DEFAULT_LB, 'a lab.json saved without LB options reads as the defaults');
});

/** A TLS server standing in for an apiserver: `/readyz` answers `ready()`, every other path 500. */
async function fakeApiserver(t: Test, host: string, port: number, ready: () => boolean) {
  // The components' own self-signed serving certificate (EC, as upstream's serving does).
  const { cert, key } = await selfSignedCert();
  const server = https.createServer({ key, cert }, (req, res) => {
    res.statusCode = req.url === '/readyz' && ready() ? 200 : 500;
    res.end(`${host}\n`);
  });
  await new Promise<void>((ok) => server.listen(port, host, ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  return server;
}

const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });

/**
 * The rendered config, run by the real haproxy on loopback: control planes on 127.0.0.11-13, the
 * frontend on 127.0.0.1, short check timings. Returns the frontend port and the LB host.
 */
async function loopbackHaproxy(t: Test, lb: Partial<LbOptions>) {
  const base = labConfig({ preset: 'fast', stateDir: tmp(t), lb });
  const apiPort = await freePort();
  const cfg: LabConfig = {
    ...base,
    apiPort,
    hosts: base.hosts.map((h) =>
      h.role === 'control-plane' ? { ...h, ip: `127.0.0.${h.ip.split('.')[3]}` } : h,
    ),
    timings: { ...base.timings, haproxy: { checkInterMs: 100, checkTimeoutMs: 500, fall: 2, rise: 1 } },
  };
  const front = await freePort();
  const lb1 = lbHosts(cfg)[0]!;
  const text = haproxyConfig(cfg, lb1).replace(`bind *:${apiPort}`, `bind 127.0.0.1:${front}`);
  fs.mkdirSync(path.join(cfg.stateDir, lb1.name), { recursive: true });
  const file = path.join(cfg.stateDir, lb1.name, 'haproxy.cfg');
  fs.writeFileSync(file, text);
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return { cfg, lb1, front, apiPort };
}

/** Polls haproxy's stats socket until `want(states)` holds (bounded). */
async function backendsUntil(
  cfg: LabConfig,
  lb: LabHost,
  want: (s: Map<string, string>) => boolean,
): Promise<Map<string, string>> {
  let last = new Map<string, string>();
  for (let i = 0; i < 100; i++) {
    try {
      last = new Map((await haproxyBackends(cfg, lb)).map((b) => [b.server, b.status]));
      if (want(last)) return last;
    } catch {
      // the socket appears once haproxy has started
    }
    await sleep(50);
  }
  return last;
}

t.test('real haproxy: the readyz check drops an unready apiserver, the guide check keeps it', async (t) => {
  for (const healthCheck of LB_HEALTH_CHECKS) {
    const { cfg, lb1, apiPort } = await loopbackHaproxy(t, { healthCheck });
    await fakeApiserver(t, '127.0.0.11', apiPort, () => true);
    await fakeApiserver(t, '127.0.0.12', apiPort, () => false); // /readyz and /healthz 500
    // cp3: nothing listens
    const want = healthCheck === 'readyz' ? ['UP', 'DOWN', 'DOWN'] : ['UP', 'UP', 'DOWN'];
    const seen = await backendsUntil(cfg, lb1, (s) =>
      ['cp1', 'cp2', 'cp3'].every((n, i) => s.get(n) === want[i]),
    );
    t.same(
      ['cp1', 'cp2', 'cp3'].map((n) => seen.get(n)),
      want,
      `${healthCheck}: ${healthCheck === 'guide' ? 'ssl-hello-chk replaced the /healthz check' : 'HTTPS /readyz'}`,
    );
  }
});

/** Sends one keep-alive request on `sock`; resolves with the answer's first line, or null if closed. */
function ask(sock: tls.TLSSocket): Promise<string | null> {
  return new Promise((ok) => {
    if (sock.destroyed || sock.readyState !== 'open') return ok(null);
    const onData = (d: Buffer) => {
      sock.off('close', onClose);
      ok(d.toString().split('\r\n')[0] ?? '');
    };
    const onClose = () => {
      sock.off('data', onData);
      ok(null);
    };
    sock.once('data', onData);
    sock.once('close', onClose);
    sock.write('GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
  });
}

t.test('real haproxy: a kept-alive session survives a failed check unless shutdown-sessions', async (t) => {
  for (const shutdownSessions of [false, true]) {
    const { cfg, lb1, front, apiPort } = await loopbackHaproxy(t, { shutdownSessions });
    let ready = true;
    await fakeApiserver(t, '127.0.0.11', apiPort, () => ready);
    await backendsUntil(cfg, lb1, (s) => s.get('cp1') === 'UP' && s.get('cp2')?.startsWith('DOWN') === true);
    const sock = tls.connect({ host: '127.0.0.1', port: front, rejectUnauthorized: false });
    await new Promise<void>((ok, fail) => sock.once('secureConnect', ok).once('error', fail));
    t.teardown(() => {
      sock.destroy();
    });
    t.match(await ask(sock), /^HTTP\/1\.1 500/, 'the session reaches cp1');
    ready = false;
    const down = await backendsUntil(cfg, lb1, (s) => s.get('cp1')?.startsWith('DOWN') === true);
    t.match(down.get('cp1'), /^DOWN/, 'cp1 marked down');
    await sleep(200);
    const answer = await ask(sock);
    if (shutdownSessions) t.equal(answer, null, 'shutdown-sessions: haproxy closed the session');
    else t.match(answer, /^HTTP\/1\.1 500/, 'default: the session still talks to the downed cp1');
  }
});

t.test('keepalived: the guide config, valid for keepalived --config-test', async (t) => {
  for (const preset of PRESETS) {
    const c = labConfig({ preset, stateDir: tmp(t) });
    const k = PRESET_TIMINGS[preset].keepalived;
    // --config-test wants the track script to exist and be safe (root-owned, not world-writable)
    const script = path.join(c.stateDir, 'check_apiserver.sh');
    fs.writeFileSync(script, checkApiserverScript(c), { mode: 0o755 });
    const texts = lbHosts(c).map((h) => keepalivedConfig(c, h, script));
    const [a, b] = texts as [string, string];
    t.match(a, /state MASTER\n/);
    t.match(b, /state BACKUP\n/);
    t.match(a, /priority 101\n/);
    t.match(b, /priority 100\n/);
    t.match(
      a,
      new RegExp(
        `vrrp_script check_apiserver \\{\\n  script "${script}"\\n  interval ${k.checkIntervalS}\\n${k.checkTimeoutS !== undefined ? `  timeout ${k.checkTimeoutS}\\n` : ''}  weight -2\\n  fall ${k.checkFall}\\n  rise ${k.checkRise}\\n\\}`,
      ),
    );
    t.match(a, /unicast_src_ip 198\.18\.0\.21\n {4}unicast_peer \{\n {8}198\.18\.0\.22\n/);
    t.match(a, /198\.18\.0\.10\/24 dev eth0/);
    t.match(a, /track_script \{\n {8}check_apiserver/);
    t.same(keepalivedTimings(texts), { advertIntS: k.advertIntS, priority: 100 }, 'timings reader');
    t.ok(
      vrrpPriority(0) + CHECK_WEIGHT < vrrpPriority(1),
      'a failing check drops the MASTER below the BACKUP (the VIP moves)',
    );
    for (const [i, text] of texts.entries()) {
      const file = path.join(c.stateDir, `keepalived-${i}.conf`);
      fs.writeFileSync(file, text);
      const r = spawnSync('keepalived', ['--config-test', '-f', file], { encoding: 'utf8' });
      t.equal(r.status, 0, `${preset} lb${i + 1}: keepalived --config-test: ${r.stderr}`);
    }
  }
});

t.test(
  'check_apiserver.sh: the guide script fails when nothing answers, passes through a TLS server',
  async (t) => {
    const port = await freePort();
    // the VIP is 127.0.0.1 here: `ip addr` lists it, so the script also checks it, as on the VIP holder
    const c = { ...labConfig({ stateDir: tmp(t) }), apiPort: port, vip: '127.0.0.1' };
    const file = path.join(c.stateDir, 'check_apiserver.sh');
    fs.writeFileSync(file, checkApiserverScript(c), { mode: 0o755 });
    // async: the fake apiserver lives in this process and must answer while the script runs
    const run = () =>
      new Promise<{ status: number | null; stderr: string }>((ok) => {
        const child = spawn('sh', [file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        child.on('close', (status) => ok({ status, stderr }));
      });
    const down = await run();
    t.equal(down.status, 1, 'nothing listens: exit 1');
    t.match(down.stderr, new RegExp(`\\*\\*\\* Error GET https://localhost:${port}/`));
    await fakeApiserver(t, '127.0.0.1', port, () => false);
    const up = await run();
    t.equal(up.status, 0, `any HTTP answer counts (here 500): ${up.stderr}`);
  },
);

t.test('clusterHealth: one agreed leader is healthy; anything else is named', async (t) => {
  const ok = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: 'a' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'a' },
    { host: 'cp3', ok: true, memberId: 'c', leaderId: 'a' },
  ]);
  t.equal(ok.healthy, true);
  t.equal(ok.leader, 'cp1');
  const partitioned = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: '0' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'b' },
    { host: 'cp3', ok: false, error: 'deadline exceeded' },
  ]);
  t.equal(partitioned.healthy, false);
  t.match(partitioned.problems.join('\n'), /cp1 has no leader/);
  t.match(partitioned.problems.join('\n'), /cp3 does not answer: deadline exceeded/);
  const split = clusterHealth([
    { host: 'cp1', ok: true, memberId: 'a', leaderId: 'a' },
    { host: 'cp2', ok: true, memberId: 'b', leaderId: 'b' },
  ]);
  t.match(split.problems.join('\n'), /disagree/);
});

t.test('kube-apiserver runs its kubeadm manifest; the flags parse back to the preset values', async (t) => {
  for (const preset of ['seeds', 'fast'] as const) {
    const c = await clusterFiles(t, preset);
    const timings = PRESET_TIMINGS[preset].apiserver;
    const argv = manifestArgv(c, c.hosts[0]!, 'kube-apiserver');
    t.equal(argv[0], 'kube-apiserver', 'found on PATH by its upstream name');
    const f = parseApiserverFlags(argv.slice(1))!;
    t.equal(f.masterLeaseTtlMs, timings.masterLeaseTtlS * 1000, `${preset}: master lease TTL`);
    t.equal(f.endpointReconcilerIntervalMs, timings.endpointReconcileIntervalS * 1000);
    t.equal(f.identityLeaseDurationSeconds, timings.identityLeaseDurationS);
    t.equal(f.identityLeaseRenewIntervalSeconds, timings.identityLeaseRenewIntervalS);
    t.equal(f.shutdownDelayMs, timings.shutdownDelayS * 1000);
    t.equal(f.defaultNotReadyTolerationSeconds, timings.defaultNotReadyTolerationS);
    t.equal(f.advertiseAddress, '198.18.0.11');
    t.equal(f.securePort, 6443);
    t.same(f.etcdServers, ['https://127.0.0.1:2379'], 'the local member only, over TLS, as kubeadm does');
  }
});
