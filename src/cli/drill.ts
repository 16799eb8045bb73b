/**
 * The drill CLI's entry point (bundled as `drill`, run by bin/ha-drill.mjs): everything it does is
 * in drill-main.ts, which tests run in their own process.
 */
import { drillMain } from './drill-main.ts';
import { processIo } from './io.ts';

drillMain(process.argv.slice(2), processIo()).then((code) => process.exit(code));
