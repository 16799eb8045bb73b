/**
 * The fake target (test/faults/fake-target.ts) whose hosts run the cluster lock's real script
 * (src/safety/cluster-lock.ts) with sh on this machine: each host's lock path lives under a temp
 * root of its own (`<root>/<host>/<path>`), and a host in `down` does not answer.
 */
import path from 'node:path';
import { runLocal } from '../../src/executors/local.ts';
import type { Target } from '../../src/targets/types.ts';
import { FakeTarget, fakeTopology, healthyHosts } from '../faults/fake-target.ts';
import { testTmp } from '../helpers/temp.ts';

export const LOCK_PATH = '/var/lib/ha-drill/drill.lock';

export interface LockTarget extends Target {
  readonly root: string;
  /** Hosts that do not answer (ssh refused). */
  readonly down: Set<string>;
  /** The lock file of `host` on this machine. */
  file(host: string): string;
  /** How many lock commands each host ran. */
  readonly runs: Map<string, number>;
}

export function lockTarget(root = testTmp('lock-')): LockTarget {
  const fake = new FakeTarget(fakeTopology(), healthyHosts());
  const down = new Set<string>();
  const runs = new Map<string, number>();
  const file = (host: string) => path.join(root, host, LOCK_PATH);
  return {
    root,
    down,
    runs,
    file,
    topology: fake.topology,
    profile: { ...fake.profile, lockPath: LOCK_PATH },
    timings: () => fake.timings(),
    close: () => fake.close(),
    executor: {
      ...fake.executor,
      async exec(host, argv, opts) {
        if (argv[0] !== 'sh') return fake.executor.exec(host, argv, opts);
        runs.set(host, (runs.get(host) ?? 0) + 1);
        if (down.has(host))
          return {
            host,
            argv,
            code: 255,
            stdout: '',
            stderr: `ssh: connect to host ${host}: Connection refused`,
            timedOut: false,
            durationMs: 1,
          };
        // argv: sh -c SCRIPT ha-drill-lock op PATH token ttl holder
        const local = argv.map((a, i) => (i === 5 ? path.join(root, host, a) : a));
        return { ...(await runLocal(local, { ...opts, host })), argv };
      },
    },
  };
}
