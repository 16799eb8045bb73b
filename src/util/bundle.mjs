/**
 * The project's esbuild bundles: the two CLIs (drill, lab), the lab's own control-plane
 * components and the lab's delay proxy (network-degrade's stand-in for netem), built together into `node_modules/.cache/ha-drill/` and run there as plain Node,
 * without a TypeScript loader (a fraction of the start-up CPU and memory).
 *
 * Plain JavaScript, because `bin/ha-drill.mjs` runs it before anything is compiled.
 *
 * - Freshness: a stamp records the newest change time (ctime: content, rename, touch, checkout)
 *   of the sources seen before the last build; any newer source, or a missing output, means
 *   rebuild. A stale bundle is never run.
 * - One build at a time per bundle directory (a lock file); a process that waited re-checks.
 * - Code splitting: a CLI loads its heavy parts (targets, reporters, ssh) with `import()`,
 *   so `--help` and `--list` compile none of them. Chunks have content-hashed names and are
 *   written before the entry files, each by rename: a process starting during a build runs the
 *   old build or the new one, never half of each.
 * - etcd3 stays external (it loads its .proto files from its own directory), as do ssh2 (native
 *   addon) and esbuild; the bundles live under node_modules, where Node resolves them.
 * - Dependencies are bundled without their comments (`minifyDependencies`); the project's own
 *   code stays as written, comments included.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Output name → entry point, relative to the project root. */
export const ENTRIES = Object.freeze({
  drill: 'src/cli/drill.ts',
  lab: 'src/cli/lab.ts',
  'kube-apiserver': 'src/kube/apiserver/main.ts',
  'kube-controller-manager': 'src/kube/controller-manager/main.ts',
  'kube-scheduler': 'src/kube/scheduler/main.ts',
  kubelet: 'src/kube/kubelet/main.ts',
  'delay-proxy': 'src/lab/delay-proxy/main.ts',
});

/** What a build reads: these folders (recursively) and files, relative to the project root. */
const SOURCE_DIRS = ['src', 'scenarios'];
const SOURCE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'node_modules/.package-lock.json',
];

/** Unreferenced outputs of earlier builds are removed once this old (a running CLI may still import one). */
const KEEP_OLD_MS = 60 * 60_000;
/** A build lock older than this (or whose process is gone) was left by a killed build. */
const LOCK_STALE_MS = 120_000;

export const bundleDir = (root) => path.join(root, 'node_modules', '.cache', 'ha-drill');

export const bundleFile = (root, name) => {
  if (!Object.hasOwn(ENTRIES, name)) {
    throw new Error(`no bundle named '${name}': choose one of ${Object.keys(ENTRIES).join(', ')}`);
  }
  return path.join(bundleDir(root), `${name}.mjs`);
};

const stampFile = (dir) => path.join(dir, 'stamp.json');

/** The newest change time (ms) of any source the bundles are built from. */
export function newestSource(root) {
  let newest = 0;
  const see = (p) => {
    try {
      newest = Math.max(newest, fs.statSync(p).ctimeMs);
    } catch {
      // absent (e.g. no package-lock.json): nothing to compare
    }
  };
  for (const d of SOURCE_DIRS) {
    const abs = path.join(root, d);
    see(abs);
    for (const e of fs.readdirSync(abs, { recursive: true, withFileTypes: true })) {
      see(path.join(e.parentPath ?? e.path, e.name));
    }
  }
  for (const f of SOURCE_FILES) see(path.join(root, f));
  return newest;
}

/** Why the bundles in `dir` are not fresh for the sources under `root`, or undefined if they are. */
export function staleness(root, dir = bundleDir(root)) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile(dir), 'utf8'));
  } catch {
    return 'never built';
  }
  const missing = Object.keys(ENTRIES).filter((n) => !fs.existsSync(path.join(dir, `${n}.mjs`)));
  if (missing.length > 0) return `${missing.join(', ')} missing`;
  if (newestSource(root) > stamp.newestSource) return 'sources changed since the last build';
  return undefined;
}

/**
 * An esbuild plugin that loads every JavaScript file under node_modules through a whitespace-only
 * minify first. esbuild prints every bundled file anew, but keeps the comments that sit inside
 * expressions, and @kubernetes/client-node's generated models carry one on nearly every property:
 * its chunk was 17.2 MB, 7.8 MB without them. Every process that loads a bundle holds its source
 * text on the heap: importing that chunk took a process to 99 MB RSS (48 MB heap) as written and
 * 71 MB (20 MB heap) without, measured with `node --max-semi-space-size=1` as the lab runs its
 * components, and each lab component and CLI loads it. Identifiers and syntax are kept (a
 * dependency's stack trace still names its functions); the project's own code is not touched.
 */
export function minifyDependencies(esbuild) {
  return {
    name: 'minify-dependencies',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8');
        try {
          // No format: the file keeps its own (CommonJS or ESM); only whitespace goes.
          const { code } = await esbuild.transform(text, {
            loader: 'js',
            minifyWhitespace: true,
            sourcefile: args.path,
            logLevel: 'silent',
          });
          return { contents: code, loader: 'js', resolveDir: path.dirname(args.path) };
        } catch {
          return undefined; // what a lone transform cannot parse (a top-level return), as it is
        }
      });
    },
  };
}

/** The esbuild options shared by every build of this project. */
export function buildOptions(root, outdir, entries = ENTRIES) {
  return {
    entryPoints: Object.entries(entries).map(([out, entry]) => ({ in: path.join(root, entry), out })),
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: ['etcd3', 'ssh2', 'esbuild'],
    logLevel: 'error',
    // Some dependencies are CommonJS and call require(): give every ESM output file one.
    banner: {
      js: "import { createRequire as __hadrillRequire } from 'node:module'; const require = __hadrillRequire(import.meta.url);",
    },
  };
}

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * Builds `entries` into `outdir`: chunks first, entry files last, each written by rename; then
 * removes what earlier builds left that nothing has used for an hour. Returns the milliseconds
 * it took. Throws when the sources do not build (esbuild has printed why).
 */
export async function buildBundles(root, outdir = bundleDir(root), entries = ENTRIES) {
  const started = performance.now();
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      ...buildOptions(root, outdir, entries),
      plugins: [minifyDependencies(esbuild)],
      write: false,
    });
  } catch {
    throw new Error(`the sources do not build (esbuild's errors above): fix them and run again`);
  }
  fs.mkdirSync(outdir, { recursive: true });
  const entryFiles = new Set(Object.keys(entries).map((n) => path.join(outdir, `${n}.mjs`)));
  const files = [...result.outputFiles].sort(
    (a, b) => Number(entryFiles.has(a.path)) - Number(entryFiles.has(b.path)),
  );
  for (const f of files) writeAtomically(f.path, f.contents);
  const current = new Set(files.map((f) => path.basename(f.path)));
  for (const name of fs.readdirSync(outdir)) {
    if (current.has(name) || !/\.mjs(\.\d+\.tmp)?$/.test(name)) continue;
    const p = path.join(outdir, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > KEEP_OLD_MS) fs.rmSync(p, { force: true });
    } catch {
      // removed by a concurrent build
    }
  }
  return performance.now() - started;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

/** Takes the build lock, or removes one its builder left (killed, or older than any build). */
function takeLock(file) {
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    try {
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if ((holder > 0 && !alive(holder)) || Date.now() - fs.statSync(file).mtimeMs > LOCK_STALE_MS) {
        fs.rmSync(file, { force: true });
      }
    } catch {
      // released meanwhile
    }
    return false;
  }
}

/**
 * Makes the project's bundles fresh: returns at once when they are, otherwise builds them (one
 * process at a time; the others wait and re-check). Returns what it did and how long the build took.
 */
export async function ensureBundles(root) {
  const dir = bundleDir(root);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'build.lock');
  for (;;) {
    const reason = staleness(root, dir);
    if (reason === undefined) return { built: false };
    if (!takeLock(lock)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      // The sources as they are now: a change during the build is newer than the stamp.
      const newest = newestSource(root);
      const ms = await buildBundles(root, dir);
      writeAtomically(
        stampFile(dir),
        JSON.stringify({ newestSource: newest, builtAt: new Date().toISOString() }),
      );
      return { built: true, reason, ms };
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }
}
