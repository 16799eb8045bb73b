/**
 * A lab host's node paths (src/lab/host.ts), without a lab: the host process's script binds
 * exactly the node paths from the host's root and sets the hostname; a node path maps to the
 * host's root on the machine, anything else is refused; entering a host that is not running
 * says how to bring it up.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { enterHost, HOST_PATHS, hostPath, hostRoot, hostScript } from '../../src/lab/host.ts';

t.test('the host script binds every node path from the host root, then names the host', (t) => {
  const s = hostScript('/state/cp1/root', 'cp1');
  for (const p of HOST_PATHS) t.match(s, `mount --bind '/state/cp1/root${p}' '${p}'`);
  t.match(s, /hostname 'cp1'\nexec sleep infinity$/);
  t.match(s, /^set -e\n/, 'a failed bind stops the host from coming up');
  execFileSync('sh', ['-n', '-c', s]);
  t.end();
});

t.test('node paths map into the host root; other paths are refused', (t) => {
  t.equal(hostRoot('/s', 'cp2'), '/s/cp2/root');
  t.equal(hostPath('/s', 'cp2', '/etc/kubernetes/pki/ca.crt'), '/s/cp2/root/etc/kubernetes/pki/ca.crt');
  t.equal(hostPath('/s', 'cp2', '/var/lib/etcd'), '/s/cp2/root/var/lib/etcd');
  t.throws(() => hostPath('/s', 'cp2', '/etc/passwd'), /not one of a lab host's own paths/);
  t.throws(() => hostPath('/s', 'cp2', '/etc/kubernetesX/y'), /not one of a lab host's own paths/);
  t.end();
});

t.test('entering a host that is not running names the fix', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-host-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.throws(() => enterHost(dir, 'cp1'), /lab host cp1 is not running .*npm run lab -- up/);
  fs.mkdirSync(path.join(dir, 'cp1'));
  // a pid file naming a live process that is not this lab's host: not entered
  fs.writeFileSync(path.join(dir, 'cp1', 'host.pid'), `${process.pid}\n`);
  t.throws(() => enterHost(dir, 'cp1'), /is not running/);
  t.end();
});
