/**
 * The test processes' loader (test/helpers/ts-hooks.mjs): `tap` is imported as one bundle, and a
 * failure still reads as with tap from node_modules — its `at:` the test's own line, no frame of
 * the bundle in its stack (tap's stack filter hides `node_modules/@tapjs/`, where the bundle is
 * kept). Run as tap runs a test file: a Node child with the loader, TAP on stdout.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

// Inside the project (so `tap` resolves from its node_modules), where nothing else looks.
const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, 'node_modules', '.cache', 'hadrill-ts-hooks-test-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'failing.test.ts');
fs.writeFileSync(
  file,
  [
    "import t from 'tap';",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the child's source, a template literal in it
    "console.log(`# tap from ${import.meta.resolve('tap')}`);",
    "t.test('a failing one', async (t) => {",
    '  const n: number = 1;',
    "  t.equal(n, 2, 'values differ');",
    '});',
    '',
  ].join('\n'),
);

t.test('tap is the bundle; a failure points at the test, with no bundle frame', async (t) => {
  const { TAP_CHILD_ID: _, ...env } = process.env;
  const r = spawnSync(
    process.execPath,
    ['--enable-source-maps', '--import=./test/helpers/ts-import.mjs', file],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...env, TAP: '1' }, timeout: 60_000 },
  );
  t.match(
    r.stdout,
    /# tap from file:\/\/.*\/node_modules\/\.cache\/ha-drill-test\/node_modules\/@tapjs\/tap-[0-9a-f]+\.mjs/,
  );
  t.match(r.stdout, /not ok 1 - values differ/);
  t.match(r.stdout, /fileName: .*failing\.test\.ts\n\s+lineNumber: 5/, "at: the test's line");
  const stack = /stack: [|>]\n([\s\S]*?)\n\s+source:/.exec(r.stdout)?.[1] ?? '';
  t.match(stack, /failing\.test\.ts:5/, 'the stack has the test');
  t.notMatch(
    r.stdout,
    /ha-drill-test\/node_modules\/@tapjs\/tap-[0-9a-f]+\.mjs:\d+/,
    'no frame of the bundle',
  );
  t.not(r.status, 0, 'the child fails');
});
