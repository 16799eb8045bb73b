/**
 * The k6 load scripts (scenarios/load/*.ts) type-check against @types/k6 with their own
 * tsconfig (the project's excludes them: they run in k6, not node); a script with a k6 API
 * misuse fails the same check, so it can fail.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/lib/tsc.js');
const dir = path.join(PROJECT_ROOT, 'scenarios/load');
/** tsc in a clean environment (none of the test runner's module hooks). */
const typecheck = () => {
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

t.test('scenarios/load type-checks with @types/k6', async (t) => {
  const scripts = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  t.ok(scripts.includes('api-read.ts') && scripts.includes('api-write.ts'), scripts.join(', '));
  const r = typecheck();
  t.equal(r.code, 0, r.stdout + r.stderr);
  const cfg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'tsconfig.json'), 'utf8')) as {
    exclude?: string[];
  };
  t.ok(cfg.exclude?.includes('scenarios/load/**'), 'the node tsconfig leaves them out');
});

t.test('a misuse of the k6 API fails the check', async (t) => {
  const bad = path.join(dir, `zz-typecheck-negative-${process.pid}.ts`);
  fs.writeFileSync(
    bad,
    "import http from 'k6/http';\nexport default function (): void {\n  const r = http.get(42);\n  r.statusCode.toFixed();\n}\n",
  );
  t.teardown(() => fs.rmSync(bad, { force: true }));
  const r = typecheck();
  t.not(r.code, 0);
  t.match(r.stdout, /zz-typecheck-negative.*error TS/);
});
