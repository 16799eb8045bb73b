/**
 * Which etcd tool the kubeadm scripts run, by the member's server version. Only etcd 3.4 is
 * installed here (kubeadm-etcd.etcd.test.ts runs it for real), so etcd 3.5/3.6, their etcdctl and
 * etcdutl, and crictl are stand-in executables on PATH that print the version the real ones print
 * (`etcd Version: X`, `etcdctl version: X`, `etcdutl version: X`: etcd-io/etcd
 * server/etcdmain/config.go, etcdctl|etcdutl version_command.go) and log how they were called.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  keepSnapshotScript,
  removeSnapshotScript,
  restoreScript,
  snapshotScript,
} from '../../src/targets/kubeadm-etcd.ts';

interface Versions {
  etcd?: string;
  etcdctl?: string;
  etcdutl?: string;
  /** A running etcd container whose `etcd --version` prints this. */
  container?: string;
  /** A CRI node whose etcd is stopped, its (parked) manifest naming this image. */
  stoppedImage?: string;
}

/** What the tools leave behind: `save <file>` writes it, `--data-dir <out>` gets a member, status prints JSON. */
const EFFECTS = [
  'prev=; for a in "$@"; do [ "$prev" = save ] && echo snapshot > "$a"; [ "$prev" = --data-dir ] && mkdir -p "$a/member"; prev=$a; done',
  'case " $* " in *" snapshot status "*) echo \'{"hash":1,"revision":7,"totalKey":3,"totalSize":20480}\';; esac',
  'exit 0',
].join('\n');

function host(t: Test, v: Versions) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-etcd-tools-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const bin = path.join(root, 'bin');
  const data = path.join(root, 'data');
  fs.mkdirSync(bin);
  fs.mkdirSync(data);
  const log = path.join(root, 'calls');
  const tool = (name: string, version: string | undefined, line: string) => {
    // Without a version the tool is absent: PATH holds only this bin and the shell's basics.
    if (!version) return;
    fs.writeFileSync(
      path.join(bin, name),
      [
        '#!/bin/sh',
        `[ "$1" = version ] || [ "$1" = --version ] && { echo "${line}: ${version}"; exit 0; }`,
        `echo "${name} $*" >> ${log}`,
        EFFECTS,
      ].join('\n'),
      { mode: 0o755 },
    );
  };
  tool('etcd', v.etcd, 'etcd Version');
  tool('etcdctl', v.etcdctl, 'etcdctl version');
  tool('etcdutl', v.etcdutl, 'etcdutl version');
  if (v.stoppedImage) {
    // crictl finds no running etcd; the parked manifest says which etcd the member is.
    fs.writeFileSync(path.join(bin, 'crictl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'etc/kubernetes/hadrill-parked'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'etc/kubernetes/hadrill-parked/etcd.yaml'),
      `spec:\n  containers:\n  - command:\n    - etcd\n    image: ${v.stoppedImage}\n    name: etcd\n`,
    );
  }
  if (v.container) {
    fs.writeFileSync(
      path.join(bin, 'crictl'),
      [
        '#!/bin/sh',
        'if [ "$1" = ps ]; then echo c-etcd; exit 0; fi',
        `if [ "$1 $3 $4" = "exec etcd --version" ]; then echo "etcd Version: ${v.container}"; exit 0; fi`,
        `echo "crictl $*" >> ${log}`,
        EFFECTS,
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  for (const b of ['sh', 'sed', 'sort', 'tail', 'head', 'printf', 'mv', 'rm', 'mkdir', 'cat', 'test', 'tr']) {
    const p = ['/usr/bin', '/bin'].map((d) => path.join(d, b)).find((f) => fs.existsSync(f));
    if (p && !fs.existsSync(path.join(bin, b))) fs.symlinkSync(p, path.join(bin, b));
  }
  const facts = { dataDir: data, clientPort: 2379 };
  const run = (script: string) => {
    const r = spawnSync('/bin/sh', ['-c', script.replaceAll('/etc/kubernetes', `${root}/etc/kubernetes`)], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    fs.rmSync(log, { force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  };
  fs.writeFileSync(path.join(data, 'hadrill-snapshot.db'), 'snapshot');
  const restore = () =>
    run(
      restoreScript(facts, {
        host: 'cp1',
        member: 'cp1',
        token: 'tok',
        peerUrl: 'https://10.0.0.11:2380',
        initialCluster: 'cp1=https://10.0.0.11:2380',
        foreign: 'refuse',
      }),
    );
  /** The member's live manifest with these `--listen-client-urls`. */
  const listen = (urls: string) => {
    fs.mkdirSync(path.join(root, 'etc/kubernetes/manifests'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'etc/kubernetes/manifests/etcd.yaml'),
      `spec:\n  containers:\n  - command:\n    - etcd\n    - --listen-client-urls=${urls}\n    - --name=e2\n`,
    );
  };
  return { data, snapshot: () => run(snapshotScript(facts)), restore, listen };
}

t.test("the snapshot goes to the member's own client listener, as its manifest says", async (t) => {
  const h = host(t, { etcd: '3.4.23', etcdctl: '3.4.23' });
  const endpoint = () => /--endpoints=(\S+)/.exec(h.snapshot().calls)?.[1];
  t.equal(endpoint(), 'https://127.0.0.1:2379', 'no manifest: loopback and the client port');
  h.listen('https://127.0.0.1:2379,https://198.18.0.12:2379');
  t.equal(endpoint(), 'https://127.0.0.1:2379', "kubeadm's stacked member: its loopback listener");
  h.listen('https://198.18.0.42:2379');
  t.equal(
    endpoint(),
    'https://198.18.0.42:2379',
    'an external etcd host (the HA etcd guide): its address only',
  );
  h.listen('https://0.0.0.0:2379');
  t.equal(endpoint(), 'https://127.0.0.1:2379', 'a wildcard listener: reached on loopback');
});

t.test('etcd 3.6: restore and status with etcdutl (etcdctl has only `snapshot save`)', async (t) => {
  const h = host(t, { etcd: '3.6.5', etcdctl: '3.6.5', etcdutl: '3.6.5' });
  const s = h.snapshot();
  t.equal(s.status, 0, s.stderr);
  t.match(
    s.calls,
    /^etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 .*snapshot save .*\netcdutl snapshot status .* -w json\n$/,
  );
  const r = h.restore();
  t.equal(r.status, 0, r.stderr);
  t.match(
    r.calls,
    /^etcdutl snapshot restore .* --name cp1 --initial-cluster cp1=https:\/\/10\.0\.0\.11:2380 --initial-cluster-token tok /,
  );
  t.ok(fs.existsSync(path.join(h.data, 'member')), 'restored member moved in');
});

t.test('never a client older than the server', async (t) => {
  const old = host(t, { etcd: '3.6.5', etcdctl: '3.6.5', etcdutl: '3.5.9' });
  const r = old.restore();
  t.equal(r.status, 3);
  t.match(r.stderr, /no etcdutl of version 3\.6\.5 or newer/);
  t.equal(r.calls, '', 'nothing ran');
  const oldCtl = host(t, { etcd: '3.5.16', etcdctl: '3.4.23', etcdutl: '3.5.16' });
  const s = oldCtl.snapshot();
  t.equal(s.status, 3);
  t.match(s.stderr, /no etcdctl of version 3\.5\.16 or newer/);
  const unknown = host(t, { etcdctl: '3.6.5', etcdutl: '3.6.5' });
  t.match(unknown.restore().stderr, /cannot tell the etcd server version/, 'no version: no guess');
});

t.test('etcd 3.4: etcdctl for status and restore (no etcdutl before 3.5)', async (t) => {
  const h = host(t, { etcd: '3.4.23', etcdctl: '3.4.23' });
  const s = h.snapshot();
  t.equal(s.status, 0, s.stderr);
  t.match(s.calls, /snapshot save .*\netcdctl snapshot status /);
  t.match(h.restore().calls, /^etcdctl snapshot restore /);
});

t.test("the member's own tools first: crictl exec into its running container", async (t) => {
  // A host etcdctl new enough is there too; the container's is preferred.
  const h = host(t, { container: '3.6.0', etcdctl: '3.6.9', etcdutl: '3.6.9' });
  const s = h.snapshot();
  t.equal(s.status, 0, s.stderr);
  t.match(
    s.calls,
    /^crictl exec c-etcd etcdctl --endpoints=.* snapshot save .*\ncrictl exec c-etcd etcdutl snapshot status /,
  );
});

t.test(
  'a stopped member on a CRI node: the version from its manifest image tag (kubeadm: registry.k8s.io/etcd:3.6.5-0)',
  async (t) => {
    const h = host(t, { stoppedImage: 'registry.k8s.io/etcd:3.6.5-0', etcdutl: '3.6.5', etcdctl: '3.4.23' });
    const r = h.restore();
    t.equal(r.status, 0, r.stderr);
    t.match(r.calls, /^etcdutl snapshot restore /, 'etcdutl for a 3.6 member, host etcdctl 3.4 never used');
    const old = host(t, { stoppedImage: 'registry.k8s.io/etcd:3.6.5-0', etcdutl: '3.5.21' });
    t.match(
      old.restore().stderr,
      /no etcdutl of version 3\.6\.5 or newer on this host, and no etcd image in its manifest or no ctr to run it/,
    );
  },
);

t.test(
  '--keep-snapshot keeps the file for root alone and prints it; remove removes it; both idempotent',
  async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-etcd-keep-'));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    const f = { dataDir: root, clientPort: 2379 };
    const snap = path.join(root, 'hadrill-snapshot.db');
    const run = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    fs.writeFileSync(snap, 'snapshot', { mode: 0o644 });
    fs.writeFileSync(`${snap}.part`, 'half');
    const kept = run(keepSnapshotScript(f));
    t.equal(kept.status, 0, kept.stderr);
    t.equal(kept.stdout, `${snap}\n`);
    t.equal(fs.statSync(snap).mode & 0o777, 0o600);
    t.notOk(fs.existsSync(`${snap}.part`), 'a partial copy is not kept');
    t.equal(run(keepSnapshotScript(f)).stdout, `${snap}\n`, 'again: the same');
    t.equal(run(removeSnapshotScript(f)).status, 0);
    t.notOk(fs.existsSync(snap));
    const none = run(keepSnapshotScript(f));
    t.equal(none.status, 0, 'no snapshot: nothing to keep, not a failure (the heal replays it)');
    t.equal(none.stdout, '');
  },
);
