import t from 'tap';
import { UserError } from '../../src/util/errors.ts';
import { parseDuration, waitFor } from '../../src/util/time.ts';

t.test(
  'parseDuration reads Go durations (the grammar of src/kube/runtime/duration.ts) into ms',
  async (t) => {
    t.equal(parseDuration('20m', '--deadline'), 1_200_000);
    t.equal(parseDuration('1h15m30.5s', '--deadline'), 4_530_500);
    t.equal(parseDuration('0', '--deadline'), 0);
    t.equal(parseDuration('596h31m23.647s'), 2 ** 31 - 1, 'the longest a timer can wait');
  },
);

t.test('parseDuration names the flag and the fix on bad input', async (t) => {
  for (const bad of ['', '40', 's', '40x', '4 s', '-1s', '10s junk', '1d', '597h', '9223372036854775808ns']) {
    t.throws(() => parseDuration(bad, '--deadline'), UserError, `rejects '${bad}'`);
  }
  t.throws(
    () => parseDuration('40', '--deadline'),
    /^--deadline: invalid duration '40': the number 40 has no unit \(write e\.g\. 40s\)/,
    'a bare number: add a unit',
  );
  t.throws(() => parseDuration('-1s', '--deadline'), /--deadline: '-1s' is negative/);
  t.throws(
    () => parseDuration('597h', '--deadline'),
    /--deadline: '597h' is longer than the 596h31m23\.647s allowed/,
    'over 2^31-1 ms: a timer cannot wait that long',
  );
  t.throws(() => parseDuration('2m', '--deadline', 60_000), /'2m' is longer than the 1m0s allowed/);
  t.equal(parseDuration('1m', '--deadline', 60_000), 60_000);
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
