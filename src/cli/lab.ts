/**
 * `npm run lab -- up [--preset seeds|fast] [--workers N] | down | status [--json]`
 * Manages the embedded lab target (needs root: namespaces, links, iptables, daemons).
 */
import { parseArgs } from 'node:util';
import { defaultStateDir, PRESETS, type PresetName } from '../lab/config.ts';
import { down, requireLab, up } from '../lab/lab.ts';
import { labStatus, renderStatus } from '../lab/status.ts';
import { exitCodeOf, messageOf, UserError } from '../util/errors.ts';

const USAGE = `usage: npm run lab -- <command> [options]

commands:
  up        bring the lab up (idempotent) and wait until it is healthy
              --preset seeds|fast   timings (default seeds: the source articles' values)
              --workers N           worker hosts, 1-3 (default 2)
  down      remove every namespace, link, rule and process of the lab
  status    show hosts, components, etcd leader, VIP holder (--json for machines)

The lab needs root. State, logs and kubeconfigs live in ${defaultStateDir()} (HADRILL_LAB_DIR overrides).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const cmd = positionals[0];
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  switch (cmd) {
    case 'up': {
      const preset = (values.preset ?? 'seeds') as PresetName;
      if (!PRESETS.includes(preset))
        throw new UserError(`--preset must be one of ${PRESETS.join(', ')} (got '${preset}')`);
      const workers = values.workers === undefined ? undefined : Number(values.workers);
      const res = await up({ preset, workers, log: (l) => console.error(`lab: ${l}`) });
      console.error(
        `lab: ${res.reused ? 'already up, checked' : 'up'} in ${(res.elapsedMs / 1000).toFixed(1)} s`,
      );
      console.log(renderStatus(await labStatus(res.config)));
      return 0;
    }
    case 'down': {
      const res = await down();
      console.log(
        `lab down in ${(res.elapsedMs / 1000).toFixed(1)} s: stopped ${res.stoppedProcesses} process(es), removed ${res.removedNetns.length} namespace(s)`,
      );
      return 0;
    }
    case 'status': {
      const s = await labStatus(requireLab());
      console.log(values.json ? JSON.stringify(s, null, 2) : renderStatus(s));
      return s.problems.length === 0 ? 0 : 3;
    }
    default:
      throw new UserError(`unknown lab command '${cmd}': use up, down or status (see --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`lab: ${messageOf(err)}`);
    process.exit(exitCodeOf(err));
  },
);
