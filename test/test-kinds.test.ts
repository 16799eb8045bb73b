/**
 * A test file's kind is in its name, and `npm test` / `npm run test:unit` (scripts/test.mjs)
 * schedule by it, so the name must tell the truth:
 *  - `*.lab.test.ts` uses the real lab (root, the lab lock): it reaches test/helpers/lab.ts;
 *  - `*.etcd.test.ts` starts real etcd and our components on loopback (test/helpers/apiserver.ts
 *    or test/kube/leaderelection/procs.ts) and no lab;
 *  - `*.root.test.ts` runs scripts as root in private namespaces: it calls requireRoot
 *    (test/helpers/root.ts), and a file that starts `unshare` or `nsenter` or uses `ip netns` must;
 *  - every other `*.test.ts` is a unit test: none of those (no root, no lab, no etcd).
 * Checked on the closure of each file's imports inside test/ and on the text of that closure.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isEtcd, isLab, isRoot, testFiles } from '../scripts/test.mjs';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { importsOf } from './helpers/imports.ts';

const LAB_HELPERS = ['test/helpers/lab.ts'];
const ETCD_HELPERS = ['test/helpers/apiserver.ts', 'test/kube/leaderelection/procs.ts'];
const ROOT_HELPERS = ['test/helpers/root.ts'];
/** A command that needs root, started from a test's code: unshare or nsenter opening a string, ip netns add or exec. */
const NEEDS_ROOT = /['"`](unshare|nsenter)\b|\bip netns (add|exec)\b/;

/** Code without its comments (a comment may name a command it does not run). */
const codeOf = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');

/** Project-relative files under test/ that `file` imports, directly or through other test files. */
function closure(file: string): Set<string> {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const f = todo.pop()!;
    for (const dep of importsOf(f, fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8'))) {
      if (dep.startsWith('test/') && !seen.has(dep) && fs.existsSync(path.join(PROJECT_ROOT, dep))) {
        seen.add(dep);
        todo.push(dep);
      }
    }
  }
  return seen;
}

/** The text of `file` and of the test files it imports, except the kind helpers themselves. */
function closureText(file: string, deps: ReadonlySet<string>): string {
  const helpers = new Set([...LAB_HELPERS, ...ETCD_HELPERS, ...ROOT_HELPERS]);
  return [file, ...deps]
    .filter((f) => !helpers.has(f))
    .map((f) => codeOf(fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8')))
    .join('\n');
}

/**
 * What the name says against what the imports and the code do, as sentences (empty: the name is
 * right). `text` is the code of the file and of what it imports (closureText).
 */
function kindProblems(file: string, deps: ReadonlySet<string>, text: string): string[] {
  const usesLab = LAB_HELPERS.some((h) => deps.has(h));
  const usesEtcd = ETCD_HELPERS.some((h) => deps.has(h));
  const usesRoot = ROOT_HELPERS.some((h) => deps.has(h));
  if (isLab(file)) return usesLab ? [] : [`${file} is named .lab.test.ts but never takes the lab`];
  if (usesLab) return [`${file} uses the lab: rename it to *.lab.test.ts`];
  if (isEtcd(file)) return usesEtcd ? [] : [`${file} is named .etcd.test.ts but starts no etcd`];
  if (usesEtcd) return [`${file} starts etcd or our components: rename it to *.etcd.test.ts`];
  if (isRoot(file))
    return usesRoot
      ? []
      : [`${file} is named .root.test.ts but never calls requireRoot (test/helpers/root.ts)`];
  if (usesRoot) return [`${file} calls requireRoot: rename it to *.root.test.ts`];
  const m = NEEDS_ROOT.exec(text);
  if (m)
    return [
      `${file} runs ${m[0].replace(/^['"`]/, '')} (root): call requireRoot (test/helpers/root.ts) and rename it to *.root.test.ts`,
    ];
  return [];
}

t.test('the rule itself', async (t) => {
  const lab = new Set(['test/helpers/lab.ts']);
  const etcd = new Set(['test/helpers/apiserver.ts']);
  const root = new Set(['test/helpers/root.ts']);
  const none = new Set<string>();
  t.same(kindProblems('test/a/x.lab.test.ts', lab, ''), []);
  t.match(kindProblems('test/a/x.test.ts', lab, '')[0], /rename it to \*\.lab\.test\.ts/);
  t.match(kindProblems('test/a/x.etcd.test.ts', lab, '')[0], /rename it to \*\.lab\.test\.ts/);
  t.match(kindProblems('test/a/x.lab.test.ts', none, '')[0], /never takes the lab/);
  t.same(kindProblems('test/a/x.etcd.test.ts', etcd, ''), []);
  t.match(kindProblems('test/a/x.test.ts', etcd, '')[0], /rename it to \*\.etcd\.test\.ts/);
  t.match(kindProblems('test/a/x.etcd.test.ts', none, '')[0], /starts no etcd/);
  // The commands are put together here, so that this file's own code does not name them.
  const unshare = `un${'share'}`;
  const nsenter = `ns${'enter'}`;
  const netns = `ip net${'ns'}`;
  t.same(kindProblems('test/a/x.root.test.ts', root, `spawnSync('${unshare}', ['-n'])`), []);
  t.match(kindProblems('test/a/x.root.test.ts', none, '')[0], /never calls requireRoot/);
  t.match(kindProblems('test/a/x.test.ts', root, '')[0], /rename it to \*\.root\.test\.ts/);
  for (const code of [
    `spawnSync('${unshare}', ['-n', 'sh'])`,
    `spawn("${nsenter}", ["--net=/run/netns/x"])`,
    `execSync('${netns} exec x true')`,
  ])
    t.match(
      kindProblems('test/a/x.test.ts', none, code)[0],
      /\(root\).*rename it to \*\.root\.test\.ts/,
      code,
    );
  t.same(kindProblems('test/a/x.lab.test.ts', lab, `'${nsenter}'`), [], 'the lab is root already');
  t.same(kindProblems('test/a/x.test.ts', none, `const s = linkDownScript('eth0', ${unshare.length});`), []);
  t.equal(codeOf(`f(); // '${unshare}'\n/* \`${nsenter}\` */ g();`), 'f(); \n g();', 'comments do not count');
  t.same(kindProblems('test/a/x.test.ts', none, ''), []);
});

t.test('every test file is named for what it needs', async (t) => {
  const files = testFiles();
  t.ok(files.filter(isLab).length >= 10, 'lab tests found');
  t.ok(files.filter(isEtcd).length >= 5, 'etcd tests found');
  t.ok(files.filter(isRoot).length >= 4, 'root tests found');
  t.same(
    files.flatMap((f) => {
      const deps = closure(f);
      return kindProblems(f, deps, closureText(f, deps));
    }),
    [],
  );
});
