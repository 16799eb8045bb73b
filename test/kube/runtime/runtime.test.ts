import t from 'tap';
import { leaderElectFlags } from '../../../src/kube/leaderelection/index.ts';
import { formatDuration, parseDuration } from '../../../src/kube/runtime/duration.ts';
import { FlagError, parseFlags } from '../../../src/kube/runtime/flags.ts';
import { createLogger } from '../../../src/kube/runtime/log.ts';
import { nextBackoff } from '../../../src/kube/runtime/reflector.ts';

t.test('Go durations', async (t) => {
  t.equal(parseDuration('40s'), 40_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1m'), 60_000);
  t.equal(parseDuration('1m30s'), 90_000);
  t.equal(parseDuration('1.5h'), 5_400_000);
  t.equal(parseDuration('0'), 0);
  t.throws(() => parseDuration('40'), /invalid duration '40': use a Go duration such as 40s/);
  t.throws(() => parseDuration('10x'));
  t.throws(() => parseDuration(''));
  t.equal(formatDuration(90_000), '1m30s');
  t.equal(formatDuration(500), '500ms');
});

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
    /--node-monitor-grace-period: invalid duration/,
  );
  t.throws(() => parseFlags(['--leader-elect=maybe'], spec), /not a boolean/);
  t.throws(() => parseFlags(['--kubeconfig'], spec), /needs a value/);
});

t.test('log lines carry ISO time, component and fields', async (t) => {
  const lines: string[] = [];
  createLogger('kubelet[w1]', (l) => lines.push(l))('node registered', { node: 'w1', msg: 'a b' });
  t.match(
    lines[0],
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z kubelet\[w1\] node registered node=w1 msg="a b"\n$/,
  );
});

t.test('backoff doubles up to the cap', async (t) => {
  t.equal(nextBackoff(200, 200, 5000), 400);
  t.equal(nextBackoff(4000, 200, 5000), 5000);
  t.equal(nextBackoff(0, 200, 5000), 200);
});
