/**
 * Every bad input to the drill CLI, table-driven: each case exits 2 with a message that names
 * the fix, and leaves nothing behind — no lab state dir (no lab brought up; HADRILL_LAB_DIR is a
 * fresh temp path), no heal journal (HADRILL_JOURNAL), no report directory. The CLI runs as a
 * user starts it (helpers/cli.ts). The ssh cases use fixture files only: an inventory that
 * passes its checks would connect, so none here does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.ts';
import { type BadInput, badInputCases } from './bad-input-cases.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bad-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const labDir = path.join(tmp, 'lab');
const journalDir = path.join(tmp, 'journal');
const reports = path.join(tmp, 'reports');

const keygen = (file: string, passphrase: string) =>
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', file, '-C', 'drill']);
const fixtures = path.join(tmp, 'fx');
fs.mkdirSync(fixtures);
keygen(path.join(fixtures, 'plain'), '');
keygen(path.join(fixtures, 'encrypted'), 'right horse');
const cases = badInputCases(fixtures);

/** Runs the CLI with the isolated env; the env of a case is added for that run only. */
async function run(c: BadInput) {
  const saved = { ...process.env };
  Object.assign(process.env, {
    HADRILL_LAB_DIR: labDir,
    HADRILL_JOURNAL: path.join(journalDir, 'heal-journal.jsonl'),
    ...c.env,
  });
  try {
    return await runCli('drill', c.args(reports), { timeoutMs: 60_000 });
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

t.test(`${cases.length} bad inputs: exit 2, the fix named, nothing left behind`, async (t) => {
  t.ok(cases.length >= 100, `${cases.length} cases`);
  const names = new Set<string>();
  // Two at a time: each is a short Node process.
  const queue = [...cases];
  const results = new Map<BadInput, Awaited<ReturnType<typeof run>>>();
  await Promise.all(
    [0, 1].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) results.set(c, await run(c));
    }),
  );
  for (const c of cases) {
    t.notOk(names.has(c.name), `case names are unique: ${c.name}`);
    names.add(c.name);
    const r = results.get(c)!;
    const out = r.stderr;
    t.equal(r.code, 2, `${c.name}: exit 2 (${out.trim().split('\n')[0]})`);
    t.match(out, c.says, `${c.name}: names the fix`);
    if (c.never) t.notMatch(`${r.stdout}${out}`, c.never, `${c.name}: does not print it`);
    t.equal(r.stdout, '', `${c.name}: prints no plan`);
  }
  t.notOk(fs.existsSync(labDir), 'no lab state dir: no lab was brought up');
  t.notOk(fs.existsSync(journalDir), 'no heal journal');
  t.notOk(fs.existsSync(reports), 'no report directory');
});

t.test('recover refuses a journal entry made without host-key checks, and leaves it', async (t) => {
  fs.mkdirSync(journalDir, { recursive: true });
  const journal = path.join(journalDir, 'heal-journal.jsonl');
  const entry = {
    id: 'x1',
    state: 'pending',
    createdAt: new Date().toISOString(),
    scenario: 'apiserver-kill',
    target: { kind: 'ssh', inventory: path.join(fixtures, 'nope.yaml'), insecureHostKeys: true },
    fault: 'stop',
    summary: 'stop kube-apiserver on cp1',
    heal: [],
  };
  fs.writeFileSync(journal, `${JSON.stringify(entry)}\n`);
  const r = await run({ name: 'recover insecure', args: () => ['recover'], says: /./ });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /journaled with --insecure-ignore-host-keys.*recover --insecure-ignore-host-keys/);
  t.equal(fs.readFileSync(journal, 'utf8'), `${JSON.stringify(entry)}\n`, 'the journal is unchanged');
  t.notOk(fs.existsSync(labDir), 'no lab state dir');
  fs.rmSync(journalDir, { recursive: true });
});
