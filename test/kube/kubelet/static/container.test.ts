/**
 * One container's start and stop racing: a stop that arrives while the container's process is
 * being spawned (a crash restart in flight when the pod's manifest goes) waits for that start and
 * stops what it started, so no process outlives its pod. Seen on the lab: apiserver-kill's SIGKILL
 * restarted the container at once, the manifest's removal stopped the pod while the new process
 * was being spawned, and that process ran on with no manifest.
 */
// hadrill-test: unit waits (alone: 1.8 s of wall time, 0.5 s of CPU; scripts/run-files.mjs)
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import t from 'tap';
import { ContainerWorker } from '../../../../src/kube/kubelet/static/container.ts';
import { layout, recorder, sleepMs } from './helpers.ts';

const running = (marker: string): boolean => spawnSync('pgrep', ['-f', marker]).status === 0;

for (const delayMs of [0, 1, 3, 10]) {
  t.test(`a stop ${delayMs} ms into a start leaves no process behind`, async (t) => {
    const l = await layout(t);
    await mkdir(l.rootDir, { recursive: true });
    const marker = `hadrill-race-${process.pid}-${delayMs}`;
    const rec = recorder();
    const w = new ContainerWorker(
      { name: 'c', image: 'x', command: ['sh', '-c', `sleep 300; : ${marker}`] },
      {
        pod: {
          metadata: { name: 'p', namespace: 'kube-system', uid: `u${delayMs}` },
          spec: { containers: [] },
        },
        rootDir: l.rootDir,
        podLogsDir: l.logs,
        nodeIp: '127.0.0.1',
        backoff: { initialMs: 300, maxMs: 1200, resetMs: 60_000 },
        log: rec.log,
        changed: () => {},
      },
    );
    t.teardown(() => spawnSync('pkill', ['-KILL', '-f', marker]));
    const started = w.start();
    if (delayMs > 0) await sleepMs(delayMs);
    await Promise.all([started, w.stop(1000)]);
    await sleepMs(100);
    t.notOk(running(marker), 'no container process left running');
    t.equal(w.status().state?.running, undefined, 'not reported running');
  });
}
