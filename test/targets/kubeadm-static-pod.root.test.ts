/**
 * The static-pod scripts run for real, as root, in a private PID and mount namespace
 * (`unshare -m -p -f --mount-proc`: pgrep sees only this test's processes, never the lab's), with
 * /etc/kubernetes mapped to a scratch dir. The "components" are real processes whose comm is the
 * upstream binary name: a shell script named kube-apiserver that records SIGTERM, and a copy of
 * /bin/sleep named kube-controller-manager (comm truncated to 15 characters). The order (signal,
 * then park) is shown by a parking that fails: the process is already dead, its manifest still live.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  commName,
  MANIFEST_DIR,
  PARKED_DIR,
  runningStaticPod,
  startStaticPod,
  stopStaticPod,
} from '../../src/targets/kubeadm-static-pod.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/kubeadm-static-pod.root.test.ts', ['unshare', 'pgrep']);

interface Scratch {
  root: string;
  bin: string;
  manifest: (c: string) => string;
  parked: (c: string) => string;
  /** Runs `body` (shell) in a private PID/mount namespace; the profile's paths point into root. */
  run: (body: string | string[]) => { status: number | null; stdout: string; stderr: string };
}

function scratch(t: Test): Scratch {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-static-pod-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(root, MANIFEST_DIR), { recursive: true });
  const manifest = (c: string) => path.join(root, MANIFEST_DIR, `${c}.yaml`);
  const parked = (c: string) => path.join(root, PARKED_DIR, `${c}.yaml`);
  // On SIGTERM: record it and exit 0 (`wait` returns at once on a trapped signal).
  fs.writeFileSync(
    path.join(bin, 'kube-apiserver'),
    `#!/bin/sh\ntrap 'echo term > ${root}/term; exit 0' TERM\nwhile :; do sleep 1 & wait $!; done\n`,
    { mode: 0o755 },
  );
  fs.copyFileSync('/bin/sleep', path.join(bin, 'kube-controller-manager'));
  fs.chmodSync(path.join(bin, 'kube-controller-manager'), 0o755);
  const run = (lines: string | string[]) => {
    const file = path.join(root, 'test.sh');
    const body = Array.isArray(lines) ? lines.join('\n') : lines;
    fs.writeFileSync(file, body.replaceAll('/etc/kubernetes', `${root}/etc/kubernetes`));
    const r = spawnSync('unshare', ['-m', '-p', '-f', '--mount-proc', 'sh', file], {
      env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { root, bin, manifest, parked, run };
}

/** Starts the fake kube-apiserver (`$p`), then runs `body`. */
const withApiserver = (s: Scratch, body: string[]) =>
  s.run([`${s.bin}/kube-apiserver & p=$!`, 'sleep 0.3', ...body]);

/** Runs `script` from a file (as the executor runs `sh -c`), printing `rc=<exit>` after its output. */
const sh = (script: string, name: string, root: string) => {
  fs.writeFileSync(
    path.join(root, `${name}.sh`),
    script.replaceAll('/etc/kubernetes', `${root}/etc/kubernetes`),
  );
  return `sh ${root}/${name}.sh; echo "rc=$?"`;
};

t.test('comm names: the binary name cut to 15 characters, as pgrep -x matches it', async (t) => {
  t.equal(commName('kube-controller-manager'), 'kube-controller');
  t.equal(commName('kube-apiserver'), 'kube-apiserver');
});

t.test('KILL: the process dies by SIGKILL before its manifest is parked; the PID is the proof', async (t) => {
  const s = scratch(t);
  fs.writeFileSync(s.manifest('kube-apiserver'), 'kind: Pod\n');
  const r = withApiserver(s, [
    'echo "pid=$p"',
    sh(runningStaticPod('kube-apiserver'), 'running', s.root),
    sh(stopStaticPod('kube-apiserver', 'KILL'), 'stop', s.root),
    'wait $p; echo "status=$?"',
    sh(runningStaticPod('kube-apiserver'), 'running2', s.root),
  ]);
  const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
  t.ok(pid, r.stderr);
  const lines = r.stdout.split('\n');
  t.equal(lines[1], pid, 'running prints the PID');
  t.equal(lines[3], pid, 'stop prints the PID it signalled');
  t.equal(lines[4], 'rc=0');
  t.equal(lines[5], 'status=137', 'died of SIGKILL (128 + 9): no graceful path');
  t.notOk(fs.existsSync(path.join(s.root, 'term')), 'never saw SIGTERM');
  t.notOk(fs.existsSync(s.manifest('kube-apiserver')), 'manifest out of the manifest dir');
  t.equal(fs.readFileSync(s.parked('kube-apiserver'), 'utf8'), 'kind: Pod\n', 'parked');
  t.equal(lines[6], 'rc=3', 'not running any more');
  t.match(r.stderr, /kube-apiserver is not running/);
});

t.test(
  'TERM: the manifest is parked and the kubelet sends the one SIGTERM; the stop waits until the process is gone; stop again is a no-op',
  async (t) => {
    const s = scratch(t);
    fs.writeFileSync(s.manifest('kube-apiserver'), 'kind: Pod\n');
    // A stand-in kubelet: once the manifest leaves, it stops the pod with SIGTERM (as the kubelet
    // turns the rename into a pod delete), 0.3 s later; the process exits 0.5 s after its SIGTERM.
    fs.writeFileSync(
      path.join(s.bin, 'kube-apiserver'),
      `#!/bin/sh\ntrap 'echo term >> ${s.root}/term; sleep 0.5; exit 0' TERM\nwhile :; do sleep 1 & wait $!; done\n`,
      { mode: 0o755 },
    );
    const kubelet = `( while [ -f ${s.manifest('kube-apiserver')} ]; do sleep 0.05; done; sleep 0.3; kill -TERM $p ) &`;
    const r = withApiserver(s, [
      kubelet,
      sh(stopStaticPod('kube-apiserver', 'TERM'), 'stop', s.root),
      'wait $p; echo "status=$?"',
      // Idempotent: parked manifest, no process.
      sh(stopStaticPod('kube-apiserver', 'TERM'), 'stop2', s.root),
    ]);
    const pid = /^(\d+)$/m.exec(r.stdout)?.[1];
    t.ok(pid, `prints the PID it stopped: ${r.stdout} ${r.stderr}`);
    t.match(
      r.stdout,
      /hadrill-effect lead-ms=0 tail-ms=(\d+)\nrc=0\n/,
      'how long after the park it was gone',
    );
    const tail = Number(/tail-ms=(\d+)/.exec(r.stdout)?.[1]);
    t.ok(tail >= 700 && tail < 5000, `gone ${tail} ms after the park (kubelet 0.3 s + exit 0.5 s)`);
    t.match(r.stdout, /\n\nrc=0\s*$/, 'the second stop: nothing to stop');
    t.equal(
      fs.readFileSync(path.join(s.root, 'term'), 'utf8'),
      'term\n',
      "exactly one SIGTERM: the kubelet's",
    );
    t.ok(fs.existsSync(s.parked('kube-apiserver')));
  },
);

t.test('TERM without a kubelet to stop the pod: the stop says so after its wait', async (t) => {
  const s = scratch(t);
  fs.writeFileSync(s.manifest('kube-apiserver'), 'kind: Pod\n');
  const r = withApiserver(s, [
    sh(stopStaticPod('kube-apiserver', 'TERM', 1), 'stop', s.root),
    'kill -KILL $p',
  ]);
  t.match(r.stdout, /rc=1/);
  t.match(
    r.stderr,
    /kube-apiserver \(pid \d+\) did not stop within 1 s of its manifest leaving: is the kubelet running\?/,
  );
});

t.test(
  'the signal comes before the manifest moves: a parking that fails leaves a dead process',
  async (t) => {
    const s = scratch(t);
    fs.writeFileSync(s.manifest('kube-apiserver'), 'kind: Pod\n');
    // The parking dir is a file: mkdir -p fails, after the kill.
    fs.writeFileSync(path.join(s.root, PARKED_DIR), 'not a dir\n');
    const r = withApiserver(s, [
      sh(stopStaticPod('kube-apiserver', 'KILL'), 'stop', s.root),
      'wait $p; echo "status=$?"',
    ]);
    t.match(r.stdout, /rc=1\nstatus=137/, 'stop failed, but the process had already been killed');
    t.ok(fs.existsSync(s.manifest('kube-apiserver')), 'manifest still live (parking failed)');
  },
);

t.test('a 23-character component is found by its 15-character comm; a zombie is not running', async (t) => {
  const s = scratch(t);
  fs.writeFileSync(s.manifest('kube-controller-manager'), 'kind: Pod\n');
  const r = s.run([
    // `exec sleep` never reaps its child: the killed component stays a zombie.
    `sh -c '${s.bin}/kube-controller-manager 30 & echo $! > ${s.root}/kcm.pid; exec sleep 30' &`,
    'sleep 0.3',
    sh(runningStaticPod('kube-controller-manager'), 'running', s.root),
    sh(stopStaticPod('kube-controller-manager', 'KILL'), 'stop', s.root),
    'sleep 0.2',
    `grep -c '^State:.*Z' /proc/$(cat ${s.root}/kcm.pid)/status`,
    sh(runningStaticPod('kube-controller-manager'), 'running2', s.root),
  ]);
  const pid = fs.readFileSync(path.join(s.root, 'kcm.pid'), 'utf8').trim();
  t.same(r.stdout.split('\n').slice(0, 6), [pid, 'rc=0', pid, 'rc=0', '1', 'rc=3'], r.stderr);
});

t.test('start puts the parked manifest back, never over a live one', async (t) => {
  const s = scratch(t);
  fs.mkdirSync(path.dirname(s.parked('kube-apiserver')), { recursive: true });
  fs.writeFileSync(s.parked('kube-apiserver'), 'parked\n');
  fs.writeFileSync(s.manifest('kube-apiserver'), 'live\n');
  const both = s.run([`${s.bin}/kube-apiserver &`, sh(startStaticPod('kube-apiserver', 5), 'start', s.root)]);
  t.match(both.stdout, /^\d+\nrc=0/, both.stderr);
  t.match(both.stderr, /live manifest .* kept/);
  t.equal(fs.readFileSync(s.manifest('kube-apiserver'), 'utf8'), 'live\n', 'live manifest untouched');
  fs.rmSync(s.manifest('kube-apiserver'));
  const back = s.run([`${s.bin}/kube-apiserver &`, sh(startStaticPod('kube-apiserver', 5), 'start', s.root)]);
  t.match(back.stdout, /^\d+\nrc=0/, back.stderr);
  t.equal(fs.readFileSync(s.manifest('kube-apiserver'), 'utf8'), 'parked\n', 'parked manifest back');
  t.notOk(fs.existsSync(s.parked('kube-apiserver')));
  const none = s.run(sh(startStaticPod('kube-apiserver', 1), 'start', s.root));
  t.match(none.stdout, /rc=1/, 'no process within the wait: exit 1');
  t.match(none.stderr, /did not start within 1 s/);
  fs.rmSync(s.manifest('kube-apiserver'));
  t.match(
    s.run(sh(startStaticPod('kube-apiserver', 1), 'start', s.root)).stdout,
    /rc=3/,
    'no manifest at all',
  );
});

t.test(
  'with crictl: the PID of the running container named exactly so (crictl inspect .info.pid)',
  async (t) => {
    const s = scratch(t);
    fs.writeFileSync(s.manifest('kube-apiserver'), 'kind: Pod\n');
    // A stand-in for the CRI (none here): a container id is `c<pid>` of the process of that name;
    // it answers only the exact calls the scripts must make, and logs them.
    fs.writeFileSync(
      path.join(s.bin, 'crictl'),
      [
        '#!/bin/sh',
        `echo "$*" >> ${s.root}/crictl.log`,
        `if [ "$*" = "ps -q --name ^kube-apiserver$ --state running" ]; then for p in $(pgrep -x kube-apiserver); do echo "c$p"; done; exit 0; fi`,
        `if [ "$1 $2 $3 $4 $5" = "inspect -o go-template --template {{.info.pid}}" ]; then echo "\${6#c}"; exit 0; fi`,
        'exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    const r = withApiserver(s, [
      'echo "pid=$p"',
      sh(stopStaticPod('kube-apiserver', 'KILL'), 'stop', s.root),
      'wait $p; echo "status=$?"',
    ]);
    const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
    t.match(r.stdout, `pid=${pid}\n${pid}\nrc=0\nstatus=137`, r.stderr);
    t.match(
      fs.readFileSync(path.join(s.root, 'crictl.log'), 'utf8'),
      `inspect -o go-template --template {{.info.pid}} c${pid}`,
    );
  },
);
