/** kube-controller-manager's flags: upstream defaults, kubeadm's flags accepted, bad values named. */
import t from 'tap';
import {
  ALL_FLAGS,
  CONTROLLER_MANAGER_ACCEPTED_NO_EFFECT,
} from '../../../src/kube/controller-manager/flags.ts';
import { COMPONENT_ACCEPTED_NO_EFFECT } from '../../../src/kube/leaderelection/flags.ts';
import { parseFlags } from '../../../src/kube/runtime/flags.ts';

t.test('defaults: node lifecycle and leader election as upstream (grace: the seeds 40 s)', async (t) => {
  const f = parseFlags(['--kubeconfig=k'], ALL_FLAGS);
  t.equal(f['node-monitor-period'], 5000);
  t.equal(f['node-monitor-grace-period'], 40_000);
  t.equal(f['node-startup-grace-period'], 60_000);
  t.equal(f['leader-elect'], true);
  t.equal(f['leader-elect-lease-duration'], 15_000);
  t.equal(f['leader-elect-renew-deadline'], 10_000);
  t.equal(f['leader-elect-retry-period'], 2000);
  t.equal(f['leader-elect-resource-name'], 'kube-controller-manager');
  t.equal(f['lab-hostname'], '');
});

t.test("kubeadm's flags: accepted with any value; bad values of flags we act on still fail", async (t) => {
  const noEffect = { ...CONTROLLER_MANAGER_ACCEPTED_NO_EFFECT, ...COMPONENT_ACCEPTED_NO_EFFECT };
  const argv = ['--kubeconfig=k', ...Object.keys(noEffect).map((n) => `--${n}=x`)];
  const f = parseFlags(argv, ALL_FLAGS);
  t.equal(f.controllers, 'x');
  t.equal(f['requestheader-client-ca-file'], 'x');
  t.equal(f['authentication-kubeconfig'], '', 'serving flags that act: serving.ts');
  t.equal(f['bind-address'], '0.0.0.0', 'secure serving: upstream defaults');
  t.equal(f['secure-port'], 10257);
  t.throws(
    () => parseFlags(['--kubeconfig=k', '--node-monitor-grace-period=40'], ALL_FLAGS),
    /node-monitor-grace-period/,
  );
  t.throws(
    () => parseFlags(['--kubeconfig=k', '--leader-elect=maybe'], ALL_FLAGS),
    /--leader-elect: 'maybe'/,
  );
  t.throws(
    () => parseFlags(['--kubeconfig=k', '--horizontal-pod-autoscaler-sync-period=15s'], ALL_FLAGS),
    /unknown flag/,
  );
});
