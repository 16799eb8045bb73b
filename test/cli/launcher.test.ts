/**
 * The launcher (bin/ha-drill.mjs) and its bundles (src/util/bundle.mjs): the CLIs answer through
 * it; a bundle is stale when any source changed, was added or removed after the build, or an
 * output is missing; a build writes every output and removes only old leftovers; dependencies
 * lose the comments esbuild would keep, the project's own code keeps them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildBundles, ENTRIES, newestSource, staleness } from '../../src/util/bundle.mjs';
import { runCli } from '../helpers/cli.ts';

t.test('drill and lab answer through the launcher', async (t) => {
  const [help, list, labHelp] = await Promise.all([
    runCli('drill', ['--help']),
    runCli('drill', ['--list']),
    runCli('lab', ['--help']),
  ]);
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /^usage: npm run drill -- <scenario\|all> \[options\]/);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /^apiserver-kill +stop one kube-apiserver/m);
  t.match(list.stdout, /^all +every scenario above/m);
  t.equal(labHelp.code, 0, labHelp.stderr);
  t.match(labHelp.stdout, /^usage: npm run lab -- <command> \[options\]/);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('staleness: never built, fresh, then each kind of change', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bundle-root-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const out = path.join(root, 'out');
  fs.mkdirSync(path.join(root, 'src', 'a'), { recursive: true });
  fs.mkdirSync(path.join(root, 'scenarios'));
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(root, 'src', 'a', 'x.ts'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(root, 'scenarios', 's.ts'), 'export const s = 1;\n');
  t.equal(staleness(root, out), 'never built');

  const stamp = () =>
    fs.writeFileSync(path.join(out, 'stamp.json'), JSON.stringify({ newestSource: newestSource(root) }));
  for (const name of Object.keys(ENTRIES)) fs.writeFileSync(path.join(out, `${name}.mjs`), '');
  stamp();
  t.equal(staleness(root, out), undefined, 'fresh right after the build');

  fs.rmSync(path.join(out, 'kubelet.mjs'));
  t.equal(staleness(root, out), 'kubelet missing');
  fs.writeFileSync(path.join(out, 'kubelet.mjs'), '');

  // ctime has the kernel's coarse clock (a few ms): let it move on before each change.
  const changes: [string, () => void][] = [
    ['a source edited', () => fs.appendFileSync(path.join(root, 'src', 'a', 'x.ts'), '// edit\n')],
    ['a source added', () => fs.writeFileSync(path.join(root, 'scenarios', 'new.ts'), '')],
    ['a source removed', () => fs.rmSync(path.join(root, 'scenarios', 'new.ts'))],
    ['a folder added', () => fs.mkdirSync(path.join(root, 'src', 'b'))],
    ['package.json written', () => fs.writeFileSync(path.join(root, 'package.json'), '{}')],
  ];
  for (const [what, change] of changes) {
    await sleep(20);
    change();
    t.equal(staleness(root, out), 'sources changed since the last build', what);
    stamp();
    t.equal(staleness(root, out), undefined, `fresh again after building for: ${what}`);
  }
});

t.test('a build writes every output and removes only unreferenced files older than an hour', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bundle-build-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const out = path.join(root, 'out');
  fs.mkdirSync(path.join(root, 'src'));
  fs.mkdirSync(out);
  fs.writeFileSync(
    path.join(root, 'src', 'shared.ts'),
    "export const greet = (n: string): string => 'hi ' + n;\n",
  );
  fs.writeFileSync(
    path.join(root, 'src', 'one.ts'),
    "import { greet } from './shared.ts';\nconst { later } = await import('./later.ts');\nconsole.log(greet('one'), later);\n",
  );
  fs.writeFileSync(
    path.join(root, 'src', 'two.ts'),
    "import { greet } from './shared.ts';\nconsole.log(greet('two'));\n",
  );
  fs.writeFileSync(path.join(root, 'src', 'later.ts'), "export const later = 'loaded later';\n");
  const oldLeftover = path.join(out, 'chunk-OLD.mjs');
  const recentLeftover = path.join(out, 'chunk-RECENT.mjs');
  const notOurs = path.join(out, 'notes.txt');
  for (const f of [oldLeftover, recentLeftover, notOurs]) fs.writeFileSync(f, '');
  const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
  fs.utimesSync(oldLeftover, twoHoursAgo, twoHoursAgo);
  fs.utimesSync(notOurs, twoHoursAgo, twoHoursAgo);

  const ms = await buildBundles(root, out, { one: 'src/one.ts', two: 'src/two.ts' });
  t.ok(ms > 0, `built in ${Math.round(ms)} ms`);
  const files = fs.readdirSync(out);
  t.notOk(files.includes('chunk-OLD.mjs'), 'an old leftover is removed');
  t.ok(files.includes('chunk-RECENT.mjs'), 'a recent one is kept (a running CLI may still import it)');
  t.ok(files.includes('notes.txt'), 'a file that is not a bundle output is left alone');
  t.same(
    files.filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
  t.ok(
    files.filter((f) => f.startsWith('chunk-') && f !== 'chunk-RECENT.mjs').length >= 1,
    'the shared module is a chunk of its own',
  );
  t.equal(
    execFileSync(process.execPath, [path.join(out, 'one.mjs')], { encoding: 'utf8' }),
    'hi one loaded later\n',
  );
  t.equal(execFileSync(process.execPath, [path.join(out, 'two.mjs')], { encoding: 'utf8' }), 'hi two\n');
});

t.test("a dependency's comments are dropped from the bundle, the project's kept", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bundle-deps-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const dep = path.join(root, 'node_modules', 'dep');
  fs.mkdirSync(dep, { recursive: true });
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(dep, 'package.json'), '{"name":"dep","main":"index.js"}');
  // esbuild keeps a comment inside an expression (client-node's models have one per property).
  fs.writeFileSync(
    path.join(dep, 'index.js'),
    'module.exports = {\n  /** DEPENDENCY COMMENT */\n  add: function (a, b) { return a + b; },\n};\n',
  );
  fs.writeFileSync(
    path.join(root, 'src', 'main.ts'),
    "import { add } from 'dep';\nexport const own = {\n  /** OUR COMMENT */\n  inc: (x: number): number => add(x, 1),\n};\nconsole.log(own.inc(1));\n",
  );
  const out = path.join(root, 'out');
  await buildBundles(root, out, { main: 'src/main.ts' });
  const text = fs.readFileSync(path.join(out, 'main.mjs'), 'utf8');
  t.notMatch(text, /DEPENDENCY COMMENT/, "the dependency's comment is gone");
  t.match(text, /\/\*\* OUR COMMENT \*\//, 'our own is kept');
  t.match(text, /function own|inc: \(x\) =>/, 'our code still reads as written');
  t.equal(
    execFileSync(process.execPath, [path.join(out, 'main.mjs')], { encoding: 'utf8' }),
    '2\n',
    'and runs',
  );
});

t.test('sources that do not build: an error that says so, and nothing written', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-bundle-broken-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const out = path.join(root, 'out');
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(
    path.join(root, 'src', 'one.ts'),
    "import { nothing } from './missing.ts';\nconsole.log(nothing);\n",
  );
  await t.rejects(buildBundles(root, out, { one: 'src/one.ts' }), {
    message: "the sources do not build (esbuild's errors above): fix them and run again",
  });
  t.notOk(fs.existsSync(out), 'no output directory');
});
