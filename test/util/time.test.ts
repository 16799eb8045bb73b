import t from 'tap';
import { UserError } from '../../src/util/errors.ts';
import { parseDuration, waitFor } from '../../src/util/time.ts';

t.test('parseDuration reads Go-style durations', async (t) => {
  t.equal(parseDuration('40s'), 40_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1m30s'), 90_000);
  t.equal(parseDuration('2.5s'), 2500);
  t.equal(parseDuration('1h'), 3_600_000);
});

t.test('parseDuration names the flag and the fix on bad input', async (t) => {
  for (const bad of ['', '40', 's', '40x', '4 s', '-1s', '10s junk']) {
    t.throws(() => parseDuration(bad, '--node-monitor-grace-period'), UserError, `rejects '${bad}'`);
  }
  try {
    parseDuration('40', '--node-monitor-grace-period');
  } catch (err) {
    t.match((err as Error).message, /--node-monitor-grace-period.*40s/);
  }
});

t.test('waitFor returns the first defined value and times out with the last error', async (t) => {
  let n = 0;
  const v = await waitFor(async () => (++n >= 3 ? n : undefined), {
    timeoutMs: 1000,
    intervalMs: 1,
    what: 'n',
  });
  t.equal(v, 3);
  await t.rejects(
    waitFor(
      async () => {
        throw new Error('still broken');
      },
      { timeoutMs: 30, intervalMs: 5, what: 'the thing' },
    ),
    /timed out after 30 ms waiting for the thing: still broken/,
  );
});
