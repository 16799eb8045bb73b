/**
 * Our components take every flag of the manifests the kubeadm generator writes: each manifest's
 * `command` is parsed by the component's own flag spec (the one parser, runtime/flags.ts), and
 * the values we act on come out as written. Every flag accepted with no effect is listed with a
 * reason and shown by the usage text.
 */
import t from 'tap';
import { ACCEPTED_NO_EFFECT, parseFlags as parseApiserverFlags } from '../../../src/kube/apiserver/flags.ts';
import { ALL_FLAGS as CM_FLAGS } from '../../../src/kube/controller-manager/flags.ts';
import { parseFlags, usage } from '../../../src/kube/runtime/flags.ts';
import { ALL_FLAGS as SCHED_FLAGS } from '../../../src/kube/scheduler/flags.ts';
import { hostByName, labConfig } from '../../../src/lab/config.ts';
import { renderStaticPods } from '../../../src/lab/kubeadm/index.ts';

for (const preset of ['seeds', 'fast'] as const) {
  const cfg = labConfig({ preset });
  const pods = renderStaticPods(cfg, hostByName(cfg, 'cp2'));
  const argv = (n: keyof typeof pods) => pods[n]!.spec.containers[0]!.command.slice(1);

  t.test(`${preset}: kube-apiserver parses its kubeadm manifest`, async (t) => {
    const f = parseApiserverFlags(argv('kube-apiserver'));
    t.equal(f.advertiseAddress, '198.18.0.12');
    t.equal(f.securePort, 6443);
    t.same(f.etcdServers, ['https://127.0.0.1:2379']);
    t.same(f.etcdTls, {
      caFile: '/etc/kubernetes/pki/etcd/ca.crt',
      certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
      keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
    });
    t.equal(f.clientCaFile, '/etc/kubernetes/pki/ca.crt');
    t.equal(f.tlsCertFile, '/etc/kubernetes/pki/apiserver.crt');
    t.equal(f.masterLeaseTtlMs, cfg.timings.apiserver.masterLeaseTtlS * 1000);
    t.equal(f.endpointReconcilerIntervalMs, cfg.timings.apiserver.endpointReconcileIntervalS * 1000);
    t.match(
      f.identityHostname,
      /\/198\.18\.0\.12$/,
      'identity lease host: <OS hostname>/<advertise address>',
    );
    const names = argv('kube-apiserver').map((a) => a.slice(2, a.indexOf('=')));
    for (const n of Object.keys(ACCEPTED_NO_EFFECT)) t.ok(names.includes(n), `${n}: written by kubeadm`);
  });

  t.test(`${preset}: kube-controller-manager parses its kubeadm manifest`, async (t) => {
    const f = parseFlags(argv('kube-controller-manager'), CM_FLAGS);
    const n = cfg.timings.nodeLifecycle;
    const le = cfg.timings.leaderElection;
    t.equal(f.kubeconfig, '/etc/kubernetes/controller-manager.conf');
    t.equal(f['leader-elect'], true);
    t.equal(f['leader-elect-lease-duration'], le.leaseDurationS * 1000);
    t.equal(f['leader-elect-renew-deadline'], le.renewDeadlineS * 1000);
    t.equal(f['leader-elect-retry-period'], le.retryPeriodS * 1000);
    t.equal(f['node-monitor-period'], n.nodeMonitorPeriodS * 1000);
    t.equal(f['node-monitor-grace-period'], n.nodeMonitorGracePeriodS * 1000);
    t.equal(f['node-startup-grace-period'], n.nodeStartupGracePeriodS * 1000);
    t.equal(f['lab-hostname'], '', 'no --lab-hostname: the identity uses the OS host name');
  });

  t.test(`${preset}: kube-scheduler parses its kubeadm manifest`, async (t) => {
    const f = parseFlags(argv('kube-scheduler'), SCHED_FLAGS);
    t.equal(f.kubeconfig, '/etc/kubernetes/scheduler.conf');
    t.equal(f['leader-elect-lease-duration'], cfg.timings.leaderElection.leaseDurationS * 1000);
    t.equal(f['bind-address'], '127.0.0.1');
  });
}

t.test(
  'accepted-with-no-effect flags are documented in the usage text; unknown flags still fail',
  async (t) => {
    for (const [cmd, spec] of [
      ['kube-controller-manager', CM_FLAGS],
      ['kube-scheduler', SCHED_FLAGS],
    ] as const) {
      const text = usage(cmd, spec);
      t.match(
        text,
        /--requestheader-client-ca-file \(string, default ""\)\n\s+accepted, no effect in the lab: /,
      );
      t.throws(() => parseFlags(['--kubeconfig=x', '--no-such-flag=1'], spec), /unknown flag --no-such-flag/);
    }
    t.match(
      usage('kube-controller-manager', CM_FLAGS),
      /--controllers .*\n\s+accepted, no effect in the lab: /,
    );
  },
);
