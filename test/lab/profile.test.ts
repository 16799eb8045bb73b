/**
 * The lab's service overrides (src/lab/profile.ts): for kubelet, haproxy and keepalived, stop /
 * start / running / restart go through the lab CLI and the supervisor's pid files on the harness
 * machine, with only the placeholders the inventory allows for each action; restart is a TERM
 * stop, then a start, then the new pid, as `systemctl restart` and `systemctl show -p MainPID`.
 */
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { labConfig } from '../../src/lab/config.ts';
import { LAB_SERVICES, labServiceOverrides } from '../../src/lab/profile.ts';
import { OVERRIDABLE, placeholdersOf } from '../../src/targets/inventory.ts';

const cfg = labConfig({ preset: 'fast', stateDir: path.join(os.tmpdir(), 'hadrill-profile-test') });
const o = labServiceOverrides(cfg);

t.test('every service: stop, start, running and restart, on the harness machine', async (t) => {
  t.same(LAB_SERVICES, ['kubelet', 'haproxy', 'keepalived']);
  for (const c of LAB_SERVICES)
    for (const kind of ['stop', 'start', 'running', 'restart'] as const) {
      const x = o[`${kind}:${c}`];
      t.equal(x?.on, 'local', `${kind}:${c}`);
      const used = [...(x?.run ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      t.ok(OVERRIDABLE.includes(kind));
      t.same(
        used.filter((v) => !placeholdersOf(kind).includes(v!)),
        [],
        `${kind}:${c} uses only its action's placeholders`,
      );
    }
  t.same(Object.keys(o).length, LAB_SERVICES.length * 4);
});

t.test('restart: a TERM stop, a start, then the live pid', async (t) => {
  const run = o['restart:kubelet']!.run;
  const stop = run.indexOf('stop {host} {component} --signal TERM');
  const start = run.indexOf('start {host} {component}');
  const pid = run.indexOf('echo "$pid"');
  t.ok(stop > 0 && start > stop && pid > start, run);
  t.match(
    run,
    /--signal TERM >&2 && .* >&2 && \{/,
    'each step only after the last succeeded, their output on stderr',
  );
  t.match(run, new RegExp(`HADRILL_LAB_DIR='${cfg.stateDir}'`));
});
