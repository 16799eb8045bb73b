/**
 * `npm run lab -- up [--preset seeds|fast] [--workers N] [--etcd-members 3|5] [--etcd stacked|external] [--lbs 1|2] | down | status [--json]`
 * Manages the embedded lab target (needs root: namespaces, links, iptables, daemons).
 */
import { parseArgs } from 'node:util';
import {
  defaultStateDir,
  type EtcdTopology,
  type LbHealthCheck,
  PRESETS,
  type PresetName,
} from '../lab/config.ts';
import { acquireLabLock } from '../lab/lock.ts';
import { requireLab } from '../lab/saved.ts';
import { exitCodeOf, messageOf, UserError } from '../util/errors.ts';
import { parseDuration } from '../util/time.ts';

const USAGE = `usage: npm run lab -- <command> [options]

commands:
  up        bring the lab up (idempotent) and wait until it is healthy
              --preset seeds|fast   timings (default seeds: the source articles' values)
              --workers N           worker hosts, 1-3 (default 2)
              --etcd-members 3|5    etcd members (default 3; 5 tolerates two failures):
                                    stacked, one per control plane; external, one per etcd host
              --etcd stacked|external
                                    where etcd runs (default stacked, kubeadm's default); external:
                                    hosts e1..eN of their own (198.18.0.41+), run by a standalone
                                    kubelet as kubeadm's HA etcd guide sets them up, and every
                                    apiserver given all of them in --etcd-servers
              --lbs 1|2             API load balancers (default 2: haproxy + keepalived sharing the
                                    VIP; 1: haproxy alone holding it, a single point of failure)
              --lb-check readyz|guide
                                    haproxy's server check: GET /readyz over TLS (default), or the
                                    kubeadm HA guide's lines verbatim (in effect a TLS handshake)
              --shutdown-delay DURATION
                                    kube-apiserver --shutdown-delay-duration (default 0, as
                                    upstream): serving on while /readyz fails after SIGTERM
              --shutdown-send-retry-after
                                    kube-apiserver --shutdown-send-retry-after: after the delay,
                                    new requests get 429 + Retry-After until those in flight drain
              --lb-shutdown-sessions
                                    close kept-alive sessions when a server is marked down (off
                                    by default, as in the guide's haproxy and kind's Envoy)
  down      remove every namespace, link, rule and process of the lab
  status    show hosts, components, etcd leader, VIP holder (--json for machines)
  stop HOST COMPONENT [--signal TERM|KILL|INT|STOP]
            stop one component on one host. A service (kubelet, haproxy, keepalived, sshd): TERM
            waits, then KILL; KILL/STOP at once. A static pod (etcd, kube-apiserver,
            kube-controller-manager, kube-scheduler; TERM or KILL): signalled, then its manifest
            parked outside /etc/kubernetes/manifests so the kubelet leaves it stopped
  start HOST COMPONENT
            start it again: a service with its saved command line; a static pod by putting its
            manifest back (the kubelet starts it); the heal of a stop
  kubeconfig
            print the path of the admin kubeconfig (kubeadm's /etc/kubernetes/admin.conf of the
            first control plane; server: the VIP), e.g. kubectl --kubeconfig "$(npm run -s lab -- kubeconfig)"
  inventory [--out FILE]
            write the ssh inventory of the running lab (its real sshd in every host), for
            'npm run drill -- <scenario> --target ssh --inventory FILE'; prints the path

The lab needs root. State, logs and kubeconfigs live in ${defaultStateDir()} (HADRILL_LAB_DIR overrides).`;

/** `up` and `down` change the lab: one driver at a time (a parent holding the lock passes its pid). */
async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  const parent = Number(process.env.HADRILL_LAB_LOCK_HELD);
  const release = await acquireLabLock(120_000, undefined, parent > 0 ? parent : process.pid);
  try {
    return await fn();
  } finally {
    if (!(parent > 0)) release();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      workers: { type: 'string' },
      'etcd-members': { type: 'string' },
      etcd: { type: 'string' },
      lbs: { type: 'string' },
      'lb-check': { type: 'string' },
      'lb-shutdown-sessions': { type: 'boolean' },
      'shutdown-delay': { type: 'string' },
      'shutdown-send-retry-after': { type: 'boolean' },
      json: { type: 'boolean', default: false },
      signal: { type: 'string', default: 'TERM' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  switch (cmd) {
    case 'up': {
      const { up } = await import('../lab/lab.ts');
      const { labStatus, renderStatus } = await import('../lab/status.ts');
      const preset = (values.preset ?? 'seeds') as PresetName;
      if (!PRESETS.includes(preset))
        throw new UserError(`--preset must be one of ${PRESETS.join(', ')} (got '${preset}')`);
      const workers = values.workers === undefined ? undefined : Number(values.workers);
      const etcdMembers = values['etcd-members'] === undefined ? undefined : Number(values['etcd-members']);
      const lbs = values.lbs === undefined ? undefined : Number(values.lbs);
      const lb = {
        ...(values['lb-check'] !== undefined ? { healthCheck: values['lb-check'] as LbHealthCheck } : {}),
        ...(values['lb-shutdown-sessions'] !== undefined
          ? { shutdownSessions: values['lb-shutdown-sessions'] }
          : {}),
      };
      const delayS =
        values['shutdown-delay'] === undefined
          ? undefined
          : parseDuration(values['shutdown-delay'], '--shutdown-delay', 600_000) / 1000;
      const res = await withLabLock(() =>
        up({
          preset,
          workers,
          etcdMembers,
          ...(values.etcd !== undefined ? { etcd: values.etcd as EtcdTopology } : {}),
          lbs,
          lb,
          ...(delayS !== undefined ? { apiserverShutdownDelayS: delayS } : {}),
          ...(values['shutdown-send-retry-after'] ? { apiserverShutdownSendRetryAfter: true } : {}),
          log: (l) => console.error(`lab: ${l}`),
        }),
      );
      console.error(
        `lab: ${res.reused ? 'already up, checked' : 'up'} in ${(res.elapsedMs / 1000).toFixed(1)} s`,
      );
      console.log(renderStatus(await labStatus(res.config)));
      return 0;
    }
    case 'down': {
      const { down } = await import('../lab/lab.ts');
      const res = await withLabLock(() => down());
      console.log(
        `lab down in ${(res.elapsedMs / 1000).toFixed(1)} s: stopped ${res.stoppedProcesses} process(es), removed ${res.removedNetns.length} namespace(s)`,
      );
      return 0;
    }
    case 'kubeconfig': {
      const { labKubeconfigPath } = await import('../lab/config.ts');
      console.log(labKubeconfigPath(requireLab()));
      return 0;
    }
    case 'status': {
      const { labStatus, renderStatus } = await import('../lab/status.ts');
      const s = await labStatus(requireLab());
      console.log(values.json ? JSON.stringify(s, null, 2) : renderStatus(s));
      return s.problems.length === 0 ? 0 : 3;
    }
    case 'stop':
    case 'start': {
      const [host, component] = positionals.slice(1);
      if (!host || !component) throw new UserError(`usage: npm run lab -- ${cmd} HOST COMPONENT`);
      const { STOP_SIGNALS, startComponent, stopComponent } = await import('../lab/control.ts');
      const cfg = requireLab();
      if (cmd === 'start') {
        const pid = await startComponent(cfg, host, component);
        console.log(`${host}/${component} running, pid ${pid}`);
        return 0;
      }
      const sig = values.signal as (typeof STOP_SIGNALS)[number];
      if (!STOP_SIGNALS.includes(sig))
        throw new UserError(`--signal must be one of ${STOP_SIGNALS.join(', ')} (got '${values.signal}')`);
      console.log(`${host}/${component}: ${await stopComponent(cfg, host, component, sig)}`);
      return 0;
    }
    case 'inventory': {
      const fs = await import('node:fs');
      const { labInventoryPath, labInventoryYaml } = await import('../lab/sshd-inventory.ts');
      const cfg = requireLab();
      const out = values.out ?? labInventoryPath(cfg);
      fs.writeFileSync(out, labInventoryYaml(cfg));
      console.log(out);
      return 0;
    }
    default:
      throw new UserError(
        `unknown lab command '${cmd}': use up, down, status, kubeconfig, stop, start or inventory (see --help)`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`lab: ${messageOf(err)}`);
    process.exit(exitCodeOf(err));
  },
);
