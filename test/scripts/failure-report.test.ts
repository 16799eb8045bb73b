/**
 * scripts/test.mjs repeats every failure at the end of `npm test` (CI keeps only the end of the
 * output): each innermost `not ok` under its file and parents, with its diagnostic.
 */
import t from 'tap';
import { failureReport } from '../../scripts/test.mjs';

const TAP = `# Subtest: test/a.test.ts
    # Subtest: group one
        ok 1 - fine
        not ok 2 - values differ
          ---
          found: 1
          wanted: 2
          ...
        1..2
    not ok 1 - group one # time=3ms
    not ok 2 - a top-level assertion
    1..2
not ok 1 - test/a.test.ts # time=100ms
# Subtest: test/b.test.ts
    ok 1 - x
    1..1
ok 2 - test/b.test.ts
# Subtest: test/c.test.ts
not ok 3 - test/c.test.ts # time=5ms
  ---
  exitCode: 1
  ...
`;

t.test(
  'innermost failures with their path and diagnostic; parents that repeat them are left out',
  async (t) => {
    const report = failureReport(TAP);
    t.same(report, [
      'test/a.test.ts > group one > values differ\n          ---\n          found: 1\n          wanted: 2\n          ...',
      'test/a.test.ts > a top-level assertion',
      'test/c.test.ts\n  ---\n  exitCode: 1\n  ...',
    ]);
  },
);

t.test('a passing stream has nothing to report', async (t) => {
  t.same(failureReport('# Subtest: test/b.test.ts\n    ok 1 - x\nok 1 - test/b.test.ts\n'), []);
});
