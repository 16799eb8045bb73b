/**
 * The lab's component binaries (src/lab/control-plane.ts writeBinaries): each is a script that
 * execs node through a symlink named after the component, so the kernel names the process after
 * the component from its exec on (`pgrep -x kube-apiserver` finds it at once, as on a node), not
 * `node` until the component renames itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { labConfig } from '../../src/lab/config.ts';
import { labBinDir, writeBinaries } from '../../src/lab/control-plane.ts';
import { testTmp } from '../helpers/temp.ts';

const cfg = labConfig({ stateDir: testTmp('bin-') });
writeBinaries(cfg);
const bin = labBinDir(cfg);
const comm = "process.stdout.write(require('node:fs').readFileSync('/proc/self/comm', 'utf8'))";

t.test('node runs under the component name: the kernel names the process after it', async (t) => {
  for (const [b, name] of [
    ['kube-apiserver', 'kube-apiserver'],
    ['kubelet', 'kubelet'],
    // TASK_COMM_LEN: 15 bytes, as the real binary shows in ps.
    ['kube-controller-manager', 'kube-controller'],
  ] as const) {
    const exe = path.join(bin, '.exe', b);
    t.equal(fs.readlinkSync(exe), process.execPath, `${b}: a symlink to this node`);
    t.equal(execFileSync(exe, ['-e', comm], { encoding: 'utf8' }).trim(), name, `${b}: comm is ${name}`);
    const script = fs.readFileSync(path.join(bin, b), 'utf8');
    t.match(script, `exec ${JSON.stringify(exe)} `, `${b}: its script execs node through the symlink`);
  }
});

t.test('written again (lab up over a kept state dir): the same layout, no error', async (t) => {
  t.doesNotThrow(() => writeBinaries(cfg));
  t.equal(fs.readlinkSync(path.join(bin, '.exe', 'kubelet')), process.execPath);
});
