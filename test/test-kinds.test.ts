/**
 * A test file's kind is in its name, and `npm test` / `npm run test:unit` (scripts/test.mjs)
 * schedule by it, so the name must tell the truth:
 *  - `*.lab.test.ts` uses the real lab (root, the lab lock): it reaches test/helpers/lab.ts;
 *  - `*.etcd.test.ts` starts real etcd and our components on loopback (test/helpers/apiserver.ts
 *    or test/kube/leaderelection/procs.ts) and no lab;
 *  - every other `*.test.ts` is a unit test: neither of those (no root, no lab, no etcd).
 * Checked on the closure of each file's imports inside test/.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isEtcd, isLab, testFiles } from '../scripts/test.mjs';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { importsOf } from './helpers/imports.ts';

const LAB_HELPERS = ['test/helpers/lab.ts'];
const ETCD_HELPERS = ['test/helpers/apiserver.ts', 'test/kube/leaderelection/procs.ts'];

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

/** What the name says against what the imports do, as sentences (empty: the name is right). */
function kindProblems(file: string, deps: ReadonlySet<string>): string[] {
  const usesLab = LAB_HELPERS.some((h) => deps.has(h));
  const usesEtcd = ETCD_HELPERS.some((h) => deps.has(h));
  if (isLab(file)) return usesLab ? [] : [`${file} is named .lab.test.ts but never takes the lab`];
  if (usesLab) return [`${file} uses the lab: rename it to *.lab.test.ts`];
  if (isEtcd(file)) return usesEtcd ? [] : [`${file} is named .etcd.test.ts but starts no etcd`];
  if (usesEtcd) return [`${file} starts etcd or our components: rename it to *.etcd.test.ts`];
  return [];
}

t.test('the rule itself', async (t) => {
  const lab = new Set(['test/helpers/lab.ts']);
  const etcd = new Set(['test/helpers/apiserver.ts']);
  const none = new Set<string>();
  t.same(kindProblems('test/a/x.lab.test.ts', lab), []);
  t.match(kindProblems('test/a/x.test.ts', lab)[0], /rename it to \*\.lab\.test\.ts/);
  t.match(kindProblems('test/a/x.etcd.test.ts', lab)[0], /rename it to \*\.lab\.test\.ts/);
  t.match(kindProblems('test/a/x.lab.test.ts', none)[0], /never takes the lab/);
  t.same(kindProblems('test/a/x.etcd.test.ts', etcd), []);
  t.match(kindProblems('test/a/x.test.ts', etcd)[0], /rename it to \*\.etcd\.test\.ts/);
  t.match(kindProblems('test/a/x.etcd.test.ts', none)[0], /starts no etcd/);
  t.same(kindProblems('test/a/x.test.ts', none), []);
});

t.test('every test file is named for what it needs', async (t) => {
  const files = testFiles();
  t.ok(files.filter(isLab).length >= 10, 'lab tests found');
  t.ok(files.filter(isEtcd).length >= 5, 'etcd tests found');
  t.same(
    files.flatMap((f) => kindProblems(f, closure(f))),
    [],
  );
});
