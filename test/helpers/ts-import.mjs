/**
 * `--import` entry of the test processes (package.json, tap's `node-arg`): registers the
 * TypeScript load hook (ts-hooks.mjs) before the test file loads.
 */
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
