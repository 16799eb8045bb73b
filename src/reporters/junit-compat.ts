/**
 * Loading `mocha-junit-reporter` 2.2.1 under Mocha 12. Mocha 12 made `reporters.Base` an ES class;
 * the reporter still calls `Base.call(this, runner)`, which throws "Class constructor Base cannot
 * be invoked without 'new'" (upstream michaelleeallen/mocha-junit-reporter#216, open). The
 * reporter reads `require('mocha').reporters.Base` once at load time, so we load it while Base is
 * swapped for a callable stand-in that constructs the real Base and copies its fields (failures,
 * options, runner, stats) onto the reporter, then restore Base. Delete this file once a fixed
 * release is installed.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS modules
type Any = any;

let cached: Any;

export function loadJUnitReporter(): Any {
  if (cached) return cached;
  const mocha: Any = require('mocha');
  const reporters: Any = mocha.reporters ?? mocha.default?.reporters;
  const RealBase: Any = reporters.Base;
  const isClass = /^class\b/.test(Function.prototype.toString.call(RealBase));
  if (!isClass) {
    cached = require('mocha-junit-reporter');
    return cached;
  }
  function CompatBase(this: Any, runner: Any, options: Any) {
    Object.assign(this, new RealBase(runner, options));
  }
  Object.setPrototypeOf(CompatBase, RealBase);
  CompatBase.prototype = Object.create(RealBase.prototype);
  const key = require.resolve('mocha-junit-reporter');
  delete require.cache[key];
  reporters.Base = CompatBase;
  try {
    cached = require('mocha-junit-reporter');
  } finally {
    reporters.Base = RealBase;
  }
  return cached;
}
