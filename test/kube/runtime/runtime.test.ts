import t from 'tap';
import { leaderElectFlags } from '../../../src/kube/leaderelection/index.ts';
import { FlagError, parseFlags, usage } from '../../../src/kube/runtime/flags.ts';
import { createLogger, messageLogger } from '../../../src/kube/runtime/log.ts';
import { nextBackoff } from '../../../src/kube/runtime/loop.ts';

t.test('flags: upstream names and defaults, clear errors', async (t) => {
  const spec = {
    kubeconfig: { type: 'string', default: '', help: '' },
    'node-monitor-grace-period': { type: 'duration', default: 40_000, help: '' },
    ...leaderElectFlags('kube-controller-manager'),
  } as const;
  const d = parseFlags([], spec);
  t.equal(d['leader-elect'], true);
  t.equal(d['leader-elect-lease-duration'], 15_000);
  t.equal(d['leader-elect-renew-deadline'], 10_000);
  t.equal(d['leader-elect-retry-period'], 2_000);
  t.equal(d['leader-elect-resource-namespace'], 'kube-system');
  t.equal(d['leader-elect-resource-name'], 'kube-controller-manager');
  const v = parseFlags(
    [
      '--kubeconfig',
      '/k',
      '--node-monitor-grace-period=8s',
      '--leader-elect=false',
      '--leader-elect-retry-period',
      '500ms',
    ],
    spec,
  );
  t.equal(v.kubeconfig, '/k');
  t.equal(v['node-monitor-grace-period'], 8_000);
  t.equal(v['leader-elect'], false);
  t.equal(v['leader-elect-retry-period'], 500);
  t.throws(() => parseFlags(['--bogus'], spec), FlagError);
  t.throws(() => parseFlags(['--bogus'], spec), /unknown flag --bogus; known flags: --kubeconfig/);
  t.throws(
    () => parseFlags(['--node-monitor-grace-period=40'], spec),
    /--node-monitor-grace-period: invalid duration '40': the number 40 has no unit \(write e\.g\. 40s\)/,
  );
  t.throws(() => parseFlags(['--node-monitor-grace-period=-1s'], spec), /-1s: must be at least 0s/);
  t.throws(
    () => parseFlags(['--node-monitor-grace-period=597h'], spec),
    /597h: must be at most 596h31m23\.647s/,
    'a timer cannot wait longer',
  );
  t.throws(() => parseFlags(['--leader-elect=maybe'], spec), /not a boolean/);
  t.throws(() => parseFlags(['--kubeconfig'], spec), /needs a value/);
});

t.test('flags: bounds, numbers, required strings, usage', async (t) => {
  const spec = {
    kubeconfig: { type: 'string', default: '', required: true, help: 'kc' },
    port: { type: 'int', default: 1, min: 1, max: 9, help: 'p' },
    rate: { type: 'number', default: 0.1, min: 0, help: 'r' },
    period: { type: 'duration', default: 90_000, min: 100, help: 'd' },
  } as const;
  const v = parseFlags(['--kubeconfig=/k', '--port=9', '--rate', '0.5', '--period=100ms'], spec);
  t.same(v, { kubeconfig: '/k', port: 9, rate: 0.5, period: 100 });
  t.throws(() => parseFlags([], spec), /--kubeconfig is required/);
  t.throws(() => parseFlags(['--kubeconfig=/k', '--port=10'], spec), /--port=10: must be from 1 to 9/);
  t.throws(() => parseFlags(['--kubeconfig=/k', '--port=1e1'], spec), /--port: '1e1' is not a whole number/);
  t.throws(() => parseFlags(['--kubeconfig=/k', '--rate=fast'], spec), /--rate: 'fast' is not a number/);
  t.throws(() => parseFlags(['--kubeconfig=/k', '--rate='], spec), /--rate: '' is not a number/);
  t.throws(() => parseFlags(['--kubeconfig=/k', '--rate=-1'], spec), /--rate=-1: must be from 0/);
  t.throws(
    () => parseFlags(['--kubeconfig=/k', '--period=99ms'], spec),
    /--period=99ms: must be at least 100ms/,
  );
  t.throws(() => parseFlags(['--kubeconfig=/k', 'x'], spec), FlagError);
  t.match(usage('c', spec), /--period \(duration, default 1m30s\)\n {6}d/);
});

t.test('log lines carry ISO time, component and fields', async (t) => {
  const lines: string[] = [];
  createLogger('kubelet[w1]', (l) => lines.push(l))('node registered', { node: 'w1', msg: 'a b' });
  t.match(
    lines[0],
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z kubelet\[w1\] node registered node=w1 msg="a b"\n$/,
  );
});

t.test('a message logger appends the fields', async (t) => {
  const lines: string[] = [];
  messageLogger((m) => lines.push(m))('endpoint reconciler pass failed', { error: 'Error: x', attempt: 1 });
  t.same(lines, ['endpoint reconciler pass failed error="Error: x" attempt=1']);
});

t.test('backoff doubles up to the cap', async (t) => {
  t.equal(nextBackoff(200, 200, 5000), 400);
  t.equal(nextBackoff(4000, 200, 5000), 5000);
  t.equal(nextBackoff(0, 200, 5000), 200);
});
