/**
 * The docker executor builds `docker exec [-i] CONTAINER argv...` (argv untouched, no shell on
 * the harness side), runs `local` on the harness, and refuses unknown containers. The runner is
 * injected (no Docker engine here); the real zx runner is exercised by the lab's tests.
 */
import t from 'tap';
import { DockerExecutor, type LocalRunner } from '../../src/executors/docker.ts';

const calls: (readonly string[])[] = [];
const fake: LocalRunner = async (argv, opts) => {
  calls.push(argv);
  return {
    host: opts?.host ?? 'local',
    argv,
    code: 0,
    stdout: 'ok',
    stderr: '',
    timedOut: false,
    durationMs: 1,
  };
};

t.test('docker exec per container', async (t) => {
  const ex = new DockerExecutor(['ha-control-plane', 'ha-worker'], fake);
  t.same(ex.hosts(), ['ha-control-plane', 'ha-worker', 'local']);
  const r = await ex.exec('ha-worker', ['sh', '-c', "echo 'a b'; exit 3"]);
  t.same(calls.at(-1), ['docker', 'exec', 'ha-worker', 'sh', '-c', "echo 'a b'; exit 3"]);
  t.same(r.argv, ['sh', '-c', "echo 'a b'; exit 3"], 'the result names the node command');
  t.equal(r.host, 'ha-worker');
  await ex.exec('ha-control-plane', ['base64', '-d'], { input: 'QQ==' });
  t.same(calls.at(-1), ['docker', 'exec', '-i', 'ha-control-plane', 'base64', '-d'], 'stdin needs -i');
  await ex.exec('local', ['docker', 'stop', 'ha-external-load-balancer']);
  t.same(calls.at(-1), ['docker', 'stop', 'ha-external-load-balancer']);
  t.throws(() => ex.exec('nope', ['true']), /unknown kind node 'nope'/);
});
