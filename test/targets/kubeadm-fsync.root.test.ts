/**
 * The fsync-delay scripts run for real, as root, against a real etcd (Debian's) in a private PID
 * and mount namespace (`unshare -m -p -f --mount-proc`: `pgrep -x etcd` sees this test's member
 * only, never the lab's), on loopback ports of its own, with /run/hadrill mapped to a scratch dir.
 * One shell script runs the whole story (the namespace ends with it): the histogram before, the
 * injector attached (and again: idempotent), writes slowed by the delay as etcd's own histogram
 * shows, a foreign tracer refused, the heal (twice), and writes fast again.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  delayFsyncScript,
  fsyncDelayStateScript,
  fsyncMetricsScript,
  parseFsyncMetrics,
  STATE_DIR,
  undelayFsyncScript,
} from '../../src/targets/kubeadm-fsync.ts';
import { freePort } from '../helpers/net.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/kubeadm-fsync.root.test.ts', [
  'unshare',
  'pgrep',
  'etcd',
  'etcdctl',
  'strace',
  'curl',
]);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-fsync-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
const metricsUrl = `http://127.0.0.1:${metrics}/metrics`;

/** Writes `script` to a file (as the executor runs `sh -c`); the line runs it and prints `<name> rc=<exit>`. */
const step = (name: string, script: string): string => {
  fs.writeFileSync(path.join(root, `${name}.sh`), script.replaceAll(STATE_DIR, `${root}/run`));
  return `echo "== ${name}"; sh ${root}/${name}.sh; echo "${name} rc=$?"`;
};
const puts = (n: number, label: string) =>
  `s=$(date +%s%N); for i in $(seq ${n}); do ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:${client} put k$i v >/dev/null || echo put-failed; done; echo "${label} ms=$(( ($(date +%s%N) - s) / 1000000 / ${n} ))"`;

const script = [
  `etcd --name t1 --data-dir ${root}/data --listen-client-urls http://127.0.0.1:${client} --advertise-client-urls http://127.0.0.1:${client} --listen-peer-urls http://127.0.0.1:${peer} --initial-advertise-peer-urls http://127.0.0.1:${peer} --initial-cluster t1=http://127.0.0.1:${peer} --listen-metrics-urls http://127.0.0.1:${metrics} > ${root}/etcd.log 2>&1 &`,
  `i=0; until curl -fsS ${metricsUrl} >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || { echo etcd-did-not-start; exit 1; }; sleep 0.1; done`,
  step('state-before', fsyncDelayStateScript()),
  puts(10, 'fast-before'),
  step('metrics-before', fsyncMetricsScript(metricsUrl)),
  step('delay', delayFsyncScript(100, 60)),
  step('delay-again', delayFsyncScript(100, 60)),
  step('state-during', fsyncDelayStateScript()),
  puts(10, 'slow'),
  step('metrics-during', fsyncMetricsScript(metricsUrl)),
  step('undelay', undelayFsyncScript()),
  step('undelay-again', undelayFsyncScript()),
  step('state-after', fsyncDelayStateScript()),
  puts(10, 'fast-after'),
  // Someone else's tracer (a plain strace of ours, not the drill's injector): refused, left alone.
  `strace -f -qq -o /dev/null -e trace=none -p $(pgrep -x etcd) & other=$!; sleep 1`,
  step('delay-foreign', delayFsyncScript(100, 60)),
  step('undelay-foreign', undelayFsyncScript()),
  `echo "== after-foreign"; kill -0 $other && echo alive; echo "after-foreign rc=0"`,
  'kill $other; wait $other 2>/dev/null',
  step('metrics-no-etcd', fsyncMetricsScript('http://127.0.0.1:1/metrics')),
].join('\n');
fs.writeFileSync(path.join(root, 'test.sh'), script);
const r = spawnSync('unshare', ['-m', '-p', '-f', '--mount-proc', 'sh', path.join(root, 'test.sh')], {
  encoding: 'utf8',
  timeout: 120_000,
});
const out = r.stdout;
const rc = (name: string) => Number(new RegExp(`^${name} rc=(\\d+)$`, 'm').exec(out)?.[1] ?? -1);
const section = (name: string) => new RegExp(`^== ${name}\\n([^]*?)^${name} rc=`, 'm').exec(out)?.[1] ?? '';
const ms = (label: string) => Number(new RegExp(`^${label} ms=(\\d+)$`, 'm').exec(out)?.[1] ?? -1);

t.test('the injector attaches, holds fsync, and detaches', async (t) => {
  t.equal(r.status, 0, `script ran: ${r.stderr.slice(-500)}`);
  t.equal(rc('state-before'), 3, 'untraced before: exit 3');
  t.equal(rc('delay'), 0, 'attached');
  const [pid, tracer] = section('delay').trim().split(/\s+/).map(Number);
  t.ok(pid! > 0 && tracer! > 0 && tracer !== pid, `member ${pid} traced by ${tracer}`);
  t.equal(rc('delay-again'), 0, 'attaching again is success');
  t.equal(section('delay-again').trim(), section('delay').trim(), 'the same injector, not a second one');
  t.equal(rc('state-during'), 0);
  t.equal(section('state-during').trim(), section('delay').trim());
  // etcd's own histogram: the 10 puts' WAL fsyncs took at least the delay each.
  const before = parseFsyncMetrics(section('metrics-before'));
  const during = parseFsyncMetrics(section('metrics-during'));
  t.ok(before && during, 'histogram read');
  const n = during!.count - before!.count;
  const meanMs = (1000 * (during!.sumS - before!.sumS)) / n;
  t.ok(n >= 10, `${n} WAL fsyncs for 10 puts`);
  t.ok(meanMs >= 100, `WAL fsync mean ${meanMs.toFixed(1)} ms ≥ the 100 ms delay`);
  t.ok(ms('slow') >= 100, `a put took ${ms('slow')} ms with the delay`);
  // Each put is an etcdctl process (its start-up varies with the machine's load): the delay shows
  // as the difference, at least one delayed fsync per put.
  t.ok(
    ms('slow') - ms('fast-before') >= 100,
    `a put took ${ms('fast-before')} ms before, ${ms('slow')} ms with the delay`,
  );
  t.equal(rc('undelay'), 0, 'healed');
  t.match(section('undelay'), /has no tracer/);
  t.equal(rc('undelay-again'), 0, 'healing again is success');
  t.equal(rc('state-after'), 3, 'untraced after the heal');
  t.ok(
    ms('slow') - ms('fast-after') >= 100,
    `a put took ${ms('fast-after')} ms after the heal, ${ms('slow')} ms with the delay`,
  );
  t.notMatch(out, /put-failed/, 'no write failed');
});

t.test("someone else's tracer is refused and never signalled", async (t) => {
  t.equal(rc('delay-foreign'), 4, 'refused: exit 4');
  t.match(r.stdout + r.stderr, /already traced by pid \d+ \(strace\): not ours/);
  t.equal(rc('undelay-foreign'), 0, 'the heal succeeds: nothing of ours to undo');
  t.match(
    section('undelay-foreign'),
    /traced by pid \d+ \(strace\), not by the drill's injector: left alone/,
  );
  t.match(section('after-foreign'), /^alive$/m, 'the other tracer was not signalled');
});

t.test('no metrics listener: exit 3 with what to check', async (t) => {
  t.equal(rc('metrics-no-etcd'), 3);
  t.match(r.stderr, /cannot read etcd metrics at http:\/\/127\.0\.0\.1:1\/metrics/);
});
