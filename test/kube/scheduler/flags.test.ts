/**
 * kube-scheduler's flags (kubeadm's: --kubeconfig, --authentication/authorization-kubeconfig,
 * --bind-address, --leader-elect*) and the leader identity without --lab-hostname: the OS host
 * name + "_" + a UUID, new at each start, as upstream.
 */
import os from 'node:os';
import t from 'tap';
import { newIdentity } from '../../../src/kube/leaderelection/run.ts';
import { parseFlags } from '../../../src/kube/runtime/flags.ts';
import { ALL_FLAGS } from '../../../src/kube/scheduler/flags.ts';

t.test("kubeadm's scheduler command parses", async (t) => {
  const conf = '/etc/kubernetes/scheduler.conf';
  const f = parseFlags(
    [
      `--authentication-kubeconfig=${conf}`,
      `--authorization-kubeconfig=${conf}`,
      '--bind-address=127.0.0.1',
      `--kubeconfig=${conf}`,
      '--leader-elect=true',
      '--leader-elect-lease-duration=6s',
    ],
    ALL_FLAGS,
  );
  t.equal(f.kubeconfig, conf);
  t.equal(f['leader-elect-lease-duration'], 6000);
  t.equal(f['leader-elect-resource-name'], 'kube-scheduler');
  t.equal(f['lab-hostname'], '', 'no --lab-hostname needed');
  t.equal(
    parseFlags(['--kubeconfig=k', '--lab-hostname=cp1'], ALL_FLAGS)['lab-hostname'],
    'cp1',
    'still accepted',
  );
  t.throws(() => parseFlags(['--leader-elect=true'], ALL_FLAGS), /--kubeconfig is required/);
});

t.test('identity: <OS hostname>_<uuid>, new each time', async (t) => {
  const a = newIdentity();
  const b = newIdentity();
  const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  t.match(a, new RegExp(`^${os.hostname().replace(/[.]/g, '\\.')}_${uuid}$`));
  t.not(a, b);
  t.match(newIdentity('cp1'), new RegExp(`^cp1_${uuid}$`));
});
