/** A container's API status (pure): started/ready from the probes, states, lastState with the signal. */
import t from 'tap';
import { containerStatus, type StatusInput } from '../../../../src/kube/kubelet/static/container-status.ts';

const base: StatusInput = {
  container: { name: 'etcd', image: 'registry.k8s.io/etcd:3.5' },
  id: 'lab://u-etcd-0',
  state: { kind: 'running', pid: 1, startTicks: '1', startedAt: new Date(0) },
  restartCount: 0,
  last: undefined,
  hasStartup: false,
  hasReadiness: false,
  startup: undefined,
  readiness: undefined,
};

t.test('started and ready', async (t) => {
  t.match(containerStatus(base), {
    started: true,
    ready: true,
    containerID: 'lab://u-etcd-0',
    state: { running: {} },
  });
  t.match(containerStatus({ ...base, hasReadiness: true, readiness: 'failure' }), {
    started: true,
    ready: false,
  });
  t.match(
    containerStatus({
      ...base,
      hasStartup: true,
      startup: 'unknown',
      hasReadiness: true,
      readiness: 'success',
    }),
    {
      started: false,
      ready: false,
    },
  );
  t.match(containerStatus({ ...base, hasStartup: true, startup: 'success' }), { started: true, ready: true });
});

t.test('waiting in back-off after a SIGKILL', async (t) => {
  const s = containerStatus({
    ...base,
    state: {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: 'back-off 20s restarting failed container=etcd pod=etcd-cp1',
    },
    restartCount: 2,
    last: {
      exitCode: 137,
      signal: 'SIGKILL',
      reason: 'Error',
      startedAt: new Date(0),
      finishedAt: new Date(1000),
    },
  });
  t.match(s, {
    started: false,
    ready: false,
    restartCount: 2,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
  });
  t.equal(s.containerID, undefined, 'no running container');
  t.match(s.lastState?.terminated, { exitCode: 137, signal: 9, reason: 'Error' });
});
