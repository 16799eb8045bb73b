/**
 * `lab down` on a complete lab leaves nothing behind: no namespace, link, process or state
 * directory; a second `down` has nothing to do and succeeds. npm test runs this file last, on the
 * lab the files before it left up (whichever topology the last one needed); run alone, it brings
 * the default lab up first.
 */
// hadrill-test: lab last (npm test runs this file after every other lab file: it takes the lab down)
import t from 'tap';
import { savedConfig, up } from '../../src/lab/lab.ts';
import { runCli } from '../helpers/cli.ts';
import { holdLabLock, nothingOfTheLabLeft } from '../helpers/lab.ts';

await holdLabLock(t);

t.test('a complete lab goes down and leaves nothing', async (t) => {
  const saved = savedConfig();
  if (saved) t.comment(`taking down the lab left up (${saved.preset}, ${saved.hosts.length} hosts)`);
  else {
    const res = await up({ preset: 'fast', workers: 2 });
    t.comment(`lab up (fast) in ${(res.elapsedMs / 1000).toFixed(1)} s`);
  }
  const res = await runCli('lab', ['down'], { timeoutMs: 120_000 });
  t.equal(res.code, 0, `lab down succeeds: ${res.stderr}`);
  t.match(
    res.stdout,
    /lab down in [\d.]+ s: stopped [1-9]\d* process\(es\), removed [1-9]\d* namespace\(s\)/,
  );
  await nothingOfTheLabLeft(t);
  const again = await runCli('lab', ['down'], { timeoutMs: 120_000 });
  t.equal(again.code, 0, 'down on an already removed lab succeeds');
  t.match(again.stdout, /stopped 0 process\(es\), removed 0 namespace\(s\)/);
});
