/**
 * The TypeScript loader of the test processes (tap's `node-arg`, registered by ts-import.mjs): a
 * Node module `load` hook that compiles `.ts` files with esbuild and leaves every other module to
 * Node. It replaces @tapjs/tsx (tsx), whose resolve and load hooks also run for each of the ~300
 * modules of tap in every test file's own process: about 0.3 s of CPU per file. No resolve hook is
 * needed for that: the project's imports name their `.ts` extension (tsconfig: nodenext,
 * allowImportingTsExtensions, verbatimModuleSyntax) and `"type": "module"` makes every `.ts` file
 * an ES module.
 *
 * @kubernetes/client-node is ~900 modules, each a round trip to the hooks thread: about 1.1 s of
 * CPU in every file that imports it. Its `resolve` hook answers with one esbuild bundle of the
 * package instead (the same code, bundled as the CLIs and the lab's components run it: see
 * src/util/bundle.mjs), built once per installed dependency tree and cached with the compiled files.
 * `tap` likewise: every test file imports it, ~300 modules through the hooks thread, about 0.29 s
 * of CPU per test process (an empty test: 0.46 s of CPU, 0.17 s with the bundle; the unit lane
 * 168 s of CPU → 109 s, 98 s → 73 s of wall time on 2 cores, 2026-12-03). Its bundle is kept under
 * a `node_modules/@tapjs/` directory of the cache, so tap's own stack filter (@tapjs/stack
 * ignores frames under `node_modules/@tapjs/`) hides its frames from a failure's stack as it does
 * when tap loads from node_modules, and the failure's `at:` stays the test's line.
 * scripts/test.mjs also keeps tap's processinfo hook off node_modules (PROCESSINFO_EXCLUDE).
 *
 * The esbuild options are tsx's (github.com/privatenumber/tsx, src/utils/transform/
 * get-esbuild-options.ts: target this Node, the project's tsconfig, a source map without the
 * source); the hook's shape is tsxfm's (github.com/marcomuser/tsxfm, src/hooks.js). Output is
 * cached on disk by content (node_modules/.cache/ha-drill-test), written by rename so
 * processes running side by side never read half a file. Plain JavaScript: it loads before any
 * TypeScript can.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'ha-drill-test');

/**
 * esbuild itself loads only on a cache miss (most test processes find every file compiled): its
 * version, part of every cache key, comes from its package.json.
 */
const { version } = JSON.parse(
  readFileSync(path.join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
);
const esbuild = () => import('esbuild');

const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: `node${process.versions.node}`,
  sourcemap: 'inline',
  sourcesContent: false,
  tsconfigRaw: readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'),
};
/** What, besides a file's path and text, decides its output. */
const SALT = JSON.stringify({ version, OPTIONS });

/** Packages imported as one bundle each (see the header), and the cache subdirectory of each. */
const BUNDLED = new Map([
  ['@kubernetes/client-node', '.'],
  ['tap', path.join('node_modules', '@tapjs')],
]);
const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${process.versions.node}`,
  logLevel: 'error',
  // Drops the comments esbuild keeps inside expressions (src/util/bundle.mjs minifyDependencies):
  // 17 MB of source as written, 6.5 MB without, parsed and held by every test process importing it.
  minifyWhitespace: true,
  // Some of its dependencies are CommonJS and call require() (as in src/util/bundle.mjs).
  banner: {
    js: "import { createRequire as __hadrillRequire } from 'node:module'; const require = __hadrillRequire(import.meta.url);",
  },
};

/**
 * Writes `text` to `file` by rename: a process reading it side by side sees all of it or none.
 * False when the cache is not writable (another user's checkout): the caller goes without it.
 */
function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}

/** The compiled text of one TypeScript file, from the cache or from esbuild. */
async function compile(file, source) {
  const key = createHash('sha256').update(SALT).update('\0').update(file).update('\0').update(source);
  const cached = path.join(CACHE, `${key.digest('hex')}.mjs`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  const { code } = await (await esbuild()).transform(source, { ...OPTIONS, sourcefile: file });
  writeAtomically(cached, code);
  return code;
}

/**
 * The bundle of package `name` whose entry Node resolved to `entry` (undefined: no cache to keep it
 * in), cached under a key of the installed tree (node_modules/.package-lock.json, which npm
 * rewrites on every install), esbuild's version and the options.
 */
function bundleOf(name, entry) {
  const k = `${name}\0${entry}`;
  if (!bundles.has(k)) bundles.set(k, buildBundle(name, entry));
  return bundles.get(k);
}
/** Bundles of this process, by package and entry. */
const bundles = new Map();

async function buildBundle(name, entry) {
  const key = createHash('sha256')
    .update(JSON.stringify({ name, entry, version, BUNDLE_OPTIONS }))
    .update(readFileSync(path.join(ROOT, 'node_modules', '.package-lock.json')))
    .digest('hex');
  const file = path.join(CACHE, BUNDLED.get(name), `${name.replaceAll('/', '+')}-${key}.mjs`);
  if (existsSync(file)) return file;
  const { outputFiles } = await (await esbuild()).build({
    ...BUNDLE_OPTIONS,
    entryPoints: [entry],
    write: false,
    outfile: file,
  });
  return writeAtomically(file, outputFiles[0].contents) ? file : undefined;
}

/** Node's module customization hook (https://nodejs.org/docs/latest-v20.x/api/module.html#resolvespecifier-context-nextresolve). */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const bundle = BUNDLED.has(specifier) && (await bundleOf(specifier, fileURLToPath(resolved.url)));
  return bundle ? { url: pathToFileURL(bundle).href, format: 'module', shortCircuit: true } : resolved;
}

/** Node's module customization hook (https://nodejs.org/docs/latest-v20.x/api/module.html#loadurl-context-nextload). */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  return { format: 'module', source: await compile(file, readFileSync(file, 'utf8')), shortCircuit: true };
}
