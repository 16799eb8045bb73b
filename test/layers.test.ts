/**
 * The import rules of BRIEF §7.10, checked on every source file:
 *  - `src/kube` (the emulated control plane) imports nothing outside itself;
 *  - only `src/cli` and `src/lab` import `src/lab`;
 *  - every other import goes down the layer order below (a folder may import its own layer or a
 *    lower one, never a higher one);
 *  - no import cycle between files.
 * Imports are read as text (static `import … from`, `export … from`, dynamic `import()`), so a
 * type-only import counts too: a type is a dependency of the design.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { importsOf } from './helpers/imports.ts';

/** Lower numbers are lower layers. `kube` stands apart: nothing outside it is reachable from it. */
const LAYERS: Readonly<Record<string, number>> = {
  'src/util': 0,
  'src/timeline': 1,
  'src/executors': 1,
  'src/slo': 1,
  'src/targets': 2,
  'src/monitoring': 1,
  'src/faults': 3,
  'src/analysis': 3,
  'src/model': 4,
  'src/safety': 4,
  'src/probes': 5,
  'src/reporters': 5,
  'src/runner': 6,
  scenarios: 7,
  'src/lab': 8,
  'src/cli': 9,
};

/** The folder a file belongs to for the layer rules: `src/<folder>` or `scenarios`. */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0]!;
}

/** Every rule broken by one import, as a sentence naming both files. */
function violations(from: string, to: string): string[] {
  const a = folderOf(from);
  const b = folderOf(to);
  if (a === b) return [];
  if (a === 'src/kube') return [`${from} imports ${to}: src/kube must import nothing outside itself`];
  if (b === 'src/kube') return [];
  if (b === 'src/lab' && a !== 'src/cli')
    return [`${from} imports ${to}: only src/cli and src/lab may import src/lab`];
  const la = LAYERS[a];
  const lb = LAYERS[b];
  if (la === undefined) return [`${from}: folder ${a} has no layer in test/layers.test.ts`];
  if (lb === undefined) return [`${to}: folder ${b} has no layer in test/layers.test.ts`];
  if (lb > la) return [`${from} imports ${to}: ${a} (layer ${la}) must not import ${b} (layer ${lb})`];
  return [];
}

/** Import cycles in a file graph, each as its files in order (first repeated at the end). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (!graph.has(m)) continue;
      const s = state.get(m);
      if (s === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(PROJECT_ROOT, dir);
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith('load/'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`);
}

t.test('the rules catch what they are about (synthetic imports)', async (t) => {
  t.match(violations('src/kube/apiserver/x.ts', 'src/lab/config.ts')[0], /src\/kube must import nothing/);
  t.match(violations('src/kube/apiserver/x.ts', 'src/util/time.ts')[0], /src\/kube must import nothing/);
  t.match(violations('src/runner/x.ts', 'src/lab/config.ts')[0], /only src\/cli and src\/lab/);
  t.match(violations('src/analysis/x.ts', 'src/runner/run.ts')[0], /layer 3\) must not import src\/runner/);
  t.match(violations('src/targets/x.ts', 'src/faults/y.ts')[0], /must not import src\/faults/);
  t.same(violations('src/cli/x.ts', 'src/lab/config.ts'), []);
  t.same(violations('src/runner/x.ts', 'src/analysis/y.ts'), []);
  t.same(violations('src/lab/x.ts', 'src/lab/y.ts'), []);
  t.same(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
    [['a', 'b', 'c', 'a']],
  );
  t.same(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
  t.same(
    importsOf(
      'src/a/b.ts',
      "import x from '../c/d.ts';\nexport { y } from './e.ts';\nawait import('./f.ts');",
    ),
    ['src/c/d.ts', 'src/a/e.ts', 'src/a/f.ts'],
  );
});

t.test(
  'every import in src/ and scenarios/ follows the layers, and no file imports itself back',
  async (t) => {
    const files = [...sourceFiles('src'), ...sourceFiles('scenarios')];
    t.ok(files.length > 100, `read ${files.length} source files`);
    const graph = new Map<string, string[]>();
    const broken: string[] = [];
    for (const f of files) {
      const deps = importsOf(f, fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8'));
      graph.set(f, deps);
      for (const d of deps) {
        if (!fs.existsSync(path.join(PROJECT_ROOT, d)))
          broken.push(`${f} imports ${d}, which does not exist`);
        broken.push(...violations(f, d));
      }
    }
    t.same(broken, [], 'imports against the direction');
    t.same(
      cycles(graph).map((c) => c.join(' → ')),
      [],
      'import cycles',
    );
  },
);
