#!/usr/bin/env node
/**
 * ha-drill [lab] ARGS: runs the drill CLI (`ha-drill apiserver-kill`, `ha-drill --list`) or, with
 * `lab` first, the lab CLI (`ha-drill lab up`) from its esbuild bundle, after rebuilding the
 * bundles if any source changed since they were built (src/util/bundle.mjs). Plain JavaScript:
 * nothing here needs a TypeScript compile. `npm run drill` and `npm run lab` come through here.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFile, ensureBundles } from '../src/util/bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.argv[2] === 'lab' ? 'lab' : 'drill';
// The CLI reads its arguments from process.argv.slice(2), as when run directly.
if (cli === 'lab') process.argv.splice(2, 1);

try {
  const res = await ensureBundles(root);
  if (res.built) console.error(`ha-drill: bundles built (${res.reason}) in ${(res.ms / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`ha-drill: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
await import(pathToFileURL(bundleFile(root, cli)).href);
