/**
 * Every bad input to the drill CLI, table-driven: each case exits 2 with a message that names
 * the fix, and leaves nothing behind — no lab state dir (no lab brought up; HADRILL_LAB_DIR is a
 * fresh temp path), no heal journal (HADRILL_JOURNAL), no report directory. The ssh cases use
 * fixture files only: an inventory that passes its checks would connect, so none here does.
 *
 * The cases run the CLI's own code in this process (helpers/drill-in-process.ts), one after the
 * other: a Node process per case cost about 0.4 s of CPU each. A sample of them also runs as a user starts the
 * CLI (helpers/cli.ts: the launcher and the bundle, a process of its own), and must give the same
 * exit code and the same output.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../helpers/cli.ts';
import { drillInProcess } from '../helpers/drill-in-process.ts';
import { type BadInput, badInputCases } from './bad-input-cases.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bad-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const labDir = path.join(tmp, 'lab');
const journalDir = path.join(tmp, 'journal');
const reports = path.join(tmp, 'reports');

const fixtures = path.join(tmp, 'fx');
fs.mkdirSync(fixtures);
const cases = badInputCases(fixtures);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Sets the isolated env (and the case's own) for the length of `fn`. */
async function withEnv<T>(c: BadInput, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    HADRILL_LAB_DIR: labDir,
    HADRILL_JOURNAL: path.join(journalDir, 'heal-journal.jsonl'),
    ...c.env,
  });
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** The CLI's code in this process, no terminal: what it returns and printed. */
const inProcess = (c: BadInput): Promise<Outcome> => withEnv(c, () => drillInProcess(c.args(reports)));

/** The CLI as a user starts it (its stdin is not a terminal). */
const asProcess = (c: BadInput): Promise<Outcome> =>
  withEnv(c, () => runCli('drill', c.args(reports), { timeoutMs: 60_000 }));

/** What the launcher adds when it had to rebuild the bundles first (bin/ha-drill.mjs). */
const launcherNote = /^ha-drill: bundles built .*\n/gm;

const checkNothingLeft = (t: Test) => {
  t.notOk(fs.existsSync(labDir), 'no lab state dir: no lab was brought up');
  t.notOk(fs.existsSync(journalDir), 'no heal journal');
  t.notOk(fs.existsSync(reports), 'no report directory');
};

/**
 * Every connection this process starts (net.Socket's connect: TCP and TLS, so every Kubernetes,
 * etcd and ssh client of the CLI), by destination, while `fn` runs: a bad input connects to
 * nothing, the lab's range (198.18.0.0/15) above all. Packets of other processes are counted by
 * the root test (test/cli/lab-range.root.test.ts).
 */
async function connectionsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; to: string[] }> {
  const to: string[] = [];
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect and tls.connect pass their options normalized as [options, callback].
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const o = (typeof first === 'object' && first !== null ? first : {}) as net.TcpNetConnectOpts &
      net.IpcNetConnectOpts;
    to.push(typeof first === 'object' ? (o.path ?? `${o.host ?? 'localhost'}:${o.port}`) : String(first));
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  try {
    return { result: await fn(), to };
  } finally {
    net.Socket.prototype.connect = connect;
  }
}

t.test(`${cases.length} bad inputs: exit 2, the fix named, nothing left behind`, async (t) => {
  t.ok(cases.length >= 100, `${cases.length} cases`);
  const names = new Set<string>();
  for (const c of cases) {
    t.notOk(names.has(c.name), `case names are unique: ${c.name}`);
    names.add(c.name);
    const { result: r, to } = await connectionsDuring(() => inProcess(c));
    t.same(to, [], `${c.name}: connects to nothing`);
    const out = r.stderr;
    t.equal(r.code, 2, `${c.name}: exit 2 (${out.trim().split('\n')[0]})`);
    t.match(out, c.says, `${c.name}: names the fix`);
    if (c.never) t.notMatch(`${r.stdout}${out}`, c.never, `${c.name}: does not print it`);
    t.equal(r.stdout, '', `${c.name}: prints no plan`);
  }
  checkNothingLeft(t);
});

t.test('a sample run as real CLI processes: the same exit code and output', async (t) => {
  // Every 32nd case, from each part of the table (command line, config, aim, ssh inventory).
  const sample = cases.filter((_, i) => i % 32 === 0);
  t.ok(sample.length >= 5, `${sample.length} cases`);
  for (const c of sample) {
    const real = await asProcess(c);
    const here = await inProcess(c);
    t.equal(real.code, 2, `${c.name}: the process exits 2`);
    t.equal(real.stderr.replace(launcherNote, ''), here.stderr, `${c.name}: the same stderr`);
    t.equal(real.stdout, '', `${c.name}: the process prints nothing on stdout`);
  }
  checkNothingLeft(t);
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
  const r = await inProcess({ name: 'recover insecure', args: () => ['recover'], says: /./ });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /journaled with --insecure-ignore-host-keys.*recover --insecure-ignore-host-keys/);
  t.equal(fs.readFileSync(journal, 'utf8'), `${JSON.stringify(entry)}\n`, 'the journal is unchanged');
  t.notOk(fs.existsSync(labDir), 'no lab state dir');
  fs.rmSync(journalDir, { recursive: true });
});

t.test('the connection guard sees what a client would do (net and tls, as the CLI uses them)', async (t) => {
  const refused = (s: net.Socket) =>
    new Promise<void>((r) => s.once('error', () => r()).once('connect', () => r()));
  const { to } = await connectionsDuring(async () => {
    await refused(net.connect(1, '127.0.0.1'));
    await refused((await import('node:tls')).connect({ host: '127.0.0.1', port: 2 }));
  });
  t.same(to, ['127.0.0.1:1', '127.0.0.1:2']);
});
