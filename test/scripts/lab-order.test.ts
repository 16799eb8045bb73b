/**
 * npm test's lab lane order (scripts/test.mjs `labOrder`): tap's alphabetical order, except that
 * a file marked as needing another lab topology runs after the files on the default lab, so the
 * shared default lab is not brought up twice; the real files carry the marker where they need it.
 */
import fs from 'node:fs';
import t from 'tap';
import { isLab, labOrder, OTHER_LAB_MARKER, testFiles } from '../../scripts/test.mjs';

t.test('marked files go last, the rest keep their order', async (t) => {
  const text: Record<string, string> = {
    'test/a.lab.test.ts': 'plain',
    'test/b-one.lab.test.ts': `// ${OTHER_LAB_MARKER}`,
    'test/b.lab.test.ts': 'plain',
    'test/c.lab.test.ts': 'plain',
  };
  t.same(
    labOrder(Object.keys(text), (f) => text[f]!),
    ['test/a.lab.test.ts', 'test/b.lab.test.ts', 'test/c.lab.test.ts', 'test/b-one.lab.test.ts'],
  );
});

t.test('the lab files that bring up another topology carry the marker, and only they', async (t) => {
  const lab = testFiles().filter(isLab);
  const other = lab.filter((f) => /labForTest\([^)]*\{\s*(lbs|etcdMembers)/.test(fs.readFileSync(f, 'utf8')));
  t.ok(other.length > 0, `files with another topology: ${other.join(', ')}`);
  t.same(labOrder(lab).slice(-other.length), other, 'they run last');
});
