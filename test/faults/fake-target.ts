/**
 * A scripted target for fault unit tests: the profile renders each action as `kind host …`, the
 * executor records every command and answers from a small model of the hosts (which components
 * run, whether each etcd member has data, whether the snapshot file is there).
 */
import type { ExecOptions, ExecResult, Executor } from '../../src/executors/types.ts';
import type { Action, Command, HostProfile, Target, Topology } from '../../src/targets/types.ts';

export interface FakeHosts {
  /** `host/component` that run. */
  running: Set<string>;
  /** Hosts whose etcd data dir holds a member. */
  data: Set<string>;
  /** Hosts holding a snapshot file. */
  snapshots: Set<string>;
}

/**
 * The fake target with every command going through `around`, which runs it (`run`) and may
 * change its result or act before it; `kind` is the command's action kind, `action` the whole.
 */
export function aroundExec(
  target: FakeTarget,
  around: (run: () => Promise<ExecResult>, kind: string, action: Action) => Promise<ExecResult>,
): Target {
  const exec = target.executor.exec.bind(target.executor);
  return {
    topology: target.topology,
    profile: target.profile,
    timings: () => target.timings(),
    close: () => target.close(),
    executor: {
      ...target.executor,
      exec: (host, argv, opts) =>
        around(() => exec(host, argv, opts), argv[0] ?? '', JSON.parse(argv[1]!) as Action),
    },
  };
}

export class FakeTarget implements Target {
  readonly log: string[] = [];
  readonly inputs: (string | undefined)[] = [];
  readonly profile: HostProfile = {
    name: 'fake',
    command: (a: Action): Command => ({ host: a.host, argv: [a.kind, JSON.stringify(a)] }),
  };
  readonly executor: Executor;
  /** Actions that fail (exit 1), by kind. */
  readonly failing = new Set<Action['kind']>();
  /** `<sum> <count>` of a host's WAL fsync histogram, as `etcd-fsync-metrics` prints it. */
  fsyncMetrics: (host: string) => string = () => '0.01 10';
  /** `fsync-delay-state` finds someone else's tracer (exit 4). */
  foreignTracer = false;
  /** Hosts without the CA's key (cert-expiry signs elsewhere: exit 5 where it is missing). */
  readonly noCaKey = new Set<string>();
  /**
   * `host/component` services that restart a failed start by themselves (systemd's
   * Restart=always; the lab's restart loop): asked whether it runs, such a kubelet has restarted
   * onto the certificate file as it is now.
   */
  readonly selfRestarting = new Set<string>();
  /** The last pid a restart gave. */
  private pid = 5000;
  /**
   * Certificates by `host/cert` (cert-expiry): the file on disk, what the component presents
   * (loaded from the file at a restart) and whether the drill's backup is there.
   */
  readonly certs = new Map<
    string,
    { file: FakeCert; served: FakeCert; backup: boolean; renewal?: boolean }
  >();
  private serial = 0x100;

  constructor(
    readonly topology: Topology,
    readonly hosts: FakeHosts,
  ) {
    this.executor = {
      kind: 'local',
      hosts: () => topology.hosts.map((h) => h.name),
      exec: async (host: string, argv: readonly string[], opts?: ExecOptions) => this.exec(host, argv, opts),
      close: async () => {},
    };
  }

  /** A host's certificate, valid and presented, until a fault changes it. */
  cert(host: string, cert: string) {
    const k = `${host}/${cert}`;
    let c = this.certs.get(k);
    if (!c) {
      const valid = { serial: 'AB01', expired: false };
      c = { file: valid, served: valid, backup: false };
      this.certs.set(k, c);
    }
    return c;
  }

  async timings() {
    return {};
  }

  async close() {}

  private exec(host: string, argv: readonly string[], opts?: ExecOptions): ExecResult {
    const a = JSON.parse(argv[1]!) as Action;
    const res = (code: number, stdout = ''): ExecResult => ({
      host,
      argv,
      code,
      stdout,
      stderr: code ? `${a.kind} failed` : '',
      timedOut: false,
      durationMs: 1,
    });
    if (a.kind !== 'running' && a.kind !== 'etcd-data-state') {
      this.log.push(`${a.kind} ${a.host}${'component' in a ? ` ${a.component}` : ''}`);
      this.inputs.push(opts?.input);
    }
    if (this.failing.has(a.kind)) return res(1);
    const h = this.hosts;
    switch (a.kind) {
      case 'running': {
        const key = `${a.host}/${a.component}`;
        // A kubelet on an expired client certificate fails at start: no active service (systemd:
        // activating, auto-restart), unless its service restarts it onto a valid one meanwhile.
        const kc = a.component === 'kubelet' ? this.certs.get(`${a.host}/kubelet-client`) : undefined;
        if (kc?.served.expired && h.running.has(key)) {
          if (!this.selfRestarting.has(key) || kc.file.expired) return res(3);
          kc.served = kc.file;
        }
        return res(h.running.has(key) ? 0 : 3, '4242\n');
      }
      case 'stop':
        h.running.delete(`${a.host}/${a.component}`);
        return res(0);
      case 'start':
        if (a.component === 'etcd' && !h.data.has(a.host)) return res(1);
        h.running.add(`${a.host}/${a.component}`);
        return res(0);
      case 'restart': {
        // The manifest cycle: the component stops, then runs under a new pid, with its files.
        if (!h.running.has(`${a.host}/${a.component}`)) return res(3);
        this.pid += 1;
        for (const [k, c] of this.certs)
          if (k.startsWith(`${a.host}/`) && CERT_COMPONENT[k.split('/')[1]!] === a.component)
            c.served = c.file;
        return res(0, `4242 ${this.pid}\n`);
      }
      case 'expire-cert': {
        if (this.noCaKey.has(a.host)) return res(5);
        const c = this.cert(a.host, a.cert);
        c.backup = true;
        c.file = { serial: (++this.serial).toString(16).toUpperCase(), expired: true };
        return res(0, certLine(c.file));
      }
      case 'renew-cert': {
        const c = this.cert(a.host, a.cert);
        if (!c.backup) return res(0, 'renewed-by=none: nothing the drill expired\n');
        // Without the key, only the renewal kept when it was signed elsewhere renews it.
        if (this.noCaKey.has(a.host) && !c.renewal) return res(5);
        c.renewal = false;
        c.file = { serial: (++this.serial).toString(16).toUpperCase(), expired: false };
        c.backup = false;
        return res(
          0,
          `renewed-by=openssl notAfter=${new Date(Date.now() + 365 * 86_400_000).toUTCString()}\n`,
        );
      }
      case 'served-cert':
        return res(0, certLine(this.cert(a.host, a.cert).served));
      case 'cert-request':
        return res(0, `CSR ${a.host}\n`);
      case 'sign-cert-request':
        if (this.noCaKey.has(a.host)) return res(5);
        if (!opts?.input?.startsWith('CSR ')) return res(2);
        return res(0, `CERT ${a.validity}\n`);
      case 'install-cert': {
        if (opts?.input !== 'CERT expired\nCERT renewed\n') return res(2);
        const c = this.cert(a.host, a.cert);
        c.backup = true;
        c.renewal = true;
        c.file = { serial: (++this.serial).toString(16).toUpperCase(), expired: true };
        return res(0, certLine(c.file));
      }
      case 'kubelet-client-state': {
        // The kubelet answers its healthz while it runs on a certificate it loaded valid; the
        // API refuses the file's certificate once expired.
        const c = this.cert(a.host, 'kubelet-client');
        const up = h.running.has(`${a.host}/kubelet`) && !c.served.expired;
        return res(
          0,
          `${certLine(c.file).trim()} healthz=${up ? 200 : '000'} api=${c.file.expired ? 401 : 200} backup=${c.backup ? 'yes' : 'no'}\n`,
        );
      }
      case 'kubelet-csr':
        return res(0, `CSR ${a.host}\n`);
      case 'sign-kubelet-csr':
        // Only a control plane has the cluster CA's key; the request comes on stdin.
        if (!CPS.includes(a.host) || !opts?.input?.startsWith('CSR ')) return res(3);
        return res(0, `CERT ${a.validity}\n`);
      case 'install-kubelet-cert': {
        // expire: the expired certificate and its renewal on stdin; renew: the kept renewal.
        const c = this.cert(a.host, 'kubelet-client');
        if (a.mode === 'renew') {
          if (!c.backup) return res(0, 'renewed-by=none: nothing the drill expired\n');
          if (!c.renewal) return res(3);
          c.file = { serial: (++this.serial).toString(16).toUpperCase(), expired: false };
          c.backup = false;
          c.renewal = false;
          return res(
            0,
            `renewed-by=openssl notAfter=${new Date(Date.now() + 365 * 86_400_000).toUTCString()}\n`,
          );
        }
        if (opts?.input !== 'CERT expired\nCERT renewed\n') return res(2);
        c.renewal = true;
        c.backup = true;
        c.file = { serial: (++this.serial).toString(16).toUpperCase(), expired: true };
        return res(0, certLine(c.file));
      }
      case 'etcd-fsync-metrics':
        return res(0, `${this.fsyncMetrics(a.host)}\n`);
      case 'fsync-delay-state':
        return this.foreignTracer ? res(4) : res(3);
      case 'delay-fsync':
        return res(0, `28 ${++this.pid}\n`);
      case 'wait-ready':
        return res(h.running.has(`${a.host}/${a.component}`) ? 0 : 1, `${a.component} ready after 0.2 s\n`);
      case 'etcd-snapshot':
        h.snapshots.add(a.host);
        return res(0, 'Snapshot saved\n{"hash":1,"revision":4711,"totalKey":99,"totalSize":65536}\n');
      case 'read-etcd-snapshot':
        return h.snapshots.has(a.host) ? res(0, 'U05BUA==') : res(1);
      case 'write-etcd-snapshot':
        h.snapshots.add(a.host);
        return res(0, 'abc  /snap\n');
      case 'keep-etcd-snapshot':
        return res(0, h.snapshots.has(a.host) ? `/data/${a.host}/hadrill-snapshot.db\n` : '');
      case 'remove-etcd-snapshot':
        h.snapshots.delete(a.host);
        return res(0);
      case 'etcd-data-state':
        return res(h.data.has(a.host) ? 0 : 1, `/data/${a.host}\n`);
      case 'wipe-etcd-data':
        if (h.running.has(`${a.host}/etcd`)) return res(4);
        h.data.delete(a.host);
        return res(0, `/data/${a.host}\n`);
      case 'restore-etcd':
        if (h.data.has(a.host)) return res(0, 'holds a member: not restored\n');
        if (!h.snapshots.has(a.host)) return res(3);
        h.data.add(a.host);
        return res(0, `/data/${a.host}\n`);
      default:
        return res(0);
    }
  }
}

export interface FakeCert {
  readonly serial: string;
  readonly expired: boolean;
}

const CERT_COMPONENT: Readonly<Record<string, string>> = {
  apiserver: 'kube-apiserver',
  'etcd-peer': 'etcd',
  'kubelet-client': 'kubelet',
};

/** `serial=… notAfter=…` as served-cert and expire-cert print it: a day ago, or a year ahead. */
const certLine = (c: FakeCert): string =>
  `serial=${c.serial} notAfter=${new Date(Date.now() + (c.expired ? -86_400_000 : 365 * 86_400_000)).toUTCString().replace(/^\w+, /, '')}\n`;

export const CPS = ['cp1', 'cp2', 'cp3'];

export function fakeTopology(lbs = ['lb1', 'lb2']): Topology {
  return {
    kind: 'lab',
    name: 'fake',
    hosts: [
      ...CPS.map((name, i) => ({
        name,
        roles: ['control-plane', 'etcd'] as const,
        address: `198.18.0.1${i + 1}`,
      })),
      ...lbs.map((name, i) => ({ name, roles: ['lb'] as const, address: `198.18.0.2${i + 1}` })),
      { name: 'w1', roles: ['worker'] as const, address: '198.18.0.31', nodeName: 'w1' },
      { name: 'w2', roles: ['worker'] as const, address: '198.18.0.32', nodeName: 'w2' },
    ],
    apiUrl: 'https://198.18.0.10:6443',
    apiservers: CPS.map((host, i) => ({
      host,
      ip: `198.18.0.1${i + 1}`,
      url: `https://198.18.0.1${i + 1}:6443`,
    })),
    etcd: CPS.map((host, i) => ({ host, member: host, url: `http://198.18.0.1${i + 1}:2379` })),
    lbs,
    vip: '198.18.0.10',
    kubeconfigPath: '/nonexistent',
  };
}

export function healthyHosts(): FakeHosts {
  return {
    running: new Set(
      CPS.flatMap((h) => [`${h}/etcd`, `${h}/kube-apiserver`]).concat(['lb1/haproxy', 'lb1/keepalived']),
    ),
    data: new Set(CPS),
    snapshots: new Set(),
  };
}
