/**
 * npm test's lab groups (scripts/test.mjs `labGroups`), each run by a tap of its own because tap
 * sorts the files it is given: the file that brings the lab up first, the files sharing the
 * default lab, those that leave it with a cost for the next file, those needing another topology,
 * the file that takes the lab down last; the real files carry the markers where they need them.
 */
import fs from 'node:fs';
import t from 'tap';
import {
  FIRST_LAB_MARKER,
  isLab,
  LAST_LAB_MARKER,
  LATE_LAB_MARKER,
  labGroups,
  OTHER_LAB_MARKER,
  testFiles,
} from '../../scripts/test.mjs';

t.test('first, default, late, other topology, last; empty groups left out', async (t) => {
  const text: Record<string, string> = {
    'test/a-late.lab.test.ts': `// ${LATE_LAB_MARKER}`,
    'test/a.lab.test.ts': 'plain',
    'test/b-one.lab.test.ts': `// ${OTHER_LAB_MARKER}`,
    'test/b.lab.test.ts': 'plain',
    'test/c.lab.test.ts': `// ${FIRST_LAB_MARKER}`,
    'test/d.lab.test.ts': `// ${LAST_LAB_MARKER}`,
  };
  const read = (f: string) => text[f]!;
  t.same(labGroups(Object.keys(text), read), [
    ['test/c.lab.test.ts'],
    ['test/a.lab.test.ts', 'test/b.lab.test.ts'],
    ['test/a-late.lab.test.ts'],
    ['test/b-one.lab.test.ts'],
    ['test/d.lab.test.ts'],
  ]);
  t.same(labGroups(['test/a.lab.test.ts', 'test/b.lab.test.ts'], read), [
    ['test/a.lab.test.ts', 'test/b.lab.test.ts'],
  ]);
});

t.test('the real lab files carry the markers where they need them, and only there', async (t) => {
  const lab = testFiles().filter(isLab);
  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const other = lab.filter((f) =>
    /labForTest\([^)]*(\{\s*(lbs|etcdMembers|etcd:)|OTHER_TOPOLOGY)/.test(read(f)),
  );
  t.ok(other.length > 0, `files with another topology: ${other.join(', ')}`);
  const groups = labGroups(lab);
  t.equal(groups.length, 5, 'first, default, late, other topology, last');
  t.same(groups[3], other, 'the files with another topology run after the default ones');
  t.same(groups[0], ['test/lab/kill-mid-up.lab.test.ts'], 'the file that starts from no lab runs first');
  t.same(groups[4], ['test/lab/down.lab.test.ts'], 'the file that takes the lab down runs last');
  // Every default-lab lb-stop drill ends with a VIP failback (the vip-failback finding).
  const lbStop = lab.filter((f) => /drill\(t, cfg, lbStop\b|'lb-stop'/.test(read(f)) && !other.includes(f));
  t.ok(lbStop.length > 0, `lb-stop files on the default lab: ${lbStop.join(', ')}`);
  t.same(groups[2], lbStop, 'the lb-stop files on the default lab run after the other default-lab files');
  for (const f of [...groups[1]!, ...groups[2]!])
    t.notMatch(read(f), /\bawait down\(\)/, `${f} does not take the shared lab down itself`);
});
