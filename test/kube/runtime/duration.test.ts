/**
 * The project's one Go duration grammar against Go's own table (src/time/time_test.go
 * parseDurationTests and parseDurationErrorTests) and the examples of time.ParseDuration's doc.
 */
import t from 'tap';
import {
  DurationError,
  formatDuration,
  MAX_TIMER_MS,
  parseDuration,
  parseDurationNs,
} from '../../../src/kube/runtime/duration.ts';

const S = 1_000_000_000n;
const MIN = 60n * S;
const H = 60n * MIN;
const MS = 1_000_000n;
const US = 1_000n;

const GO_OK: [string, bigint][] = [
  // simple
  ['0', 0n],
  ['5s', 5n * S],
  ['30s', 30n * S],
  ['1478s', 1478n * S],
  // sign
  ['-5s', -5n * S],
  ['+5s', 5n * S],
  ['-0', 0n],
  ['+0', 0n],
  // decimal
  ['5.0s', 5n * S],
  ['5.6s', 5n * S + 600n * MS],
  ['5.s', 5n * S],
  ['.5s', 500n * MS],
  ['1.0s', 1n * S],
  ['1.00s', 1n * S],
  ['1.004s', 1n * S + 4n * MS],
  ['1.0040s', 1n * S + 4n * MS],
  ['100.00100s', 100n * S + 1n * MS],
  // different units
  ['10ns', 10n],
  ['11us', 11n * US],
  ['12µs', 12n * US], // U+00B5
  ['12μs', 12n * US], // U+03BC
  ['13ms', 13n * MS],
  ['14s', 14n * S],
  ['15m', 15n * MIN],
  ['16h', 16n * H],
  // composite durations
  ['3h30m', 3n * H + 30n * MIN],
  ['10.5s4m', 4n * MIN + 10n * S + 500n * MS],
  ['-2m3.4s', -(2n * MIN + 3n * S + 400n * MS)],
  ['1h2m3s4ms5us6ns', 1n * H + 2n * MIN + 3n * S + 4n * MS + 5n * US + 6n],
  ['39h9m14.425s', 39n * H + 9n * MIN + 14n * S + 425n * MS],
  // large value
  ['52763797000ns', 52763797000n],
  // more than 9 digits after the decimal point
  ['0.3333333333333333333h', 20n * MIN],
  // 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64
  ['9007199254740993ns', (1n << 53n) + 1n],
  // largest duration that can be represented by int64 in nanoseconds
  ['9223372036854775807ns', (1n << 63n) - 1n],
  ['9223372036854775.807us', (1n << 63n) - 1n],
  ['9223372036s854ms775us807ns', (1n << 63n) - 1n],
  ['-9223372036854775808ns', -(1n << 63n)],
  ['-9223372036854775.808us', -(1n << 63n)],
  // largest negative value
  ['-2562047h47m16.854775808s', -(1n << 63n)],
  // huge string; issue 15011
  ['0.100000000000000000000h', 6n * MIN],
  // This value tests the first overflow check in leadingFraction
  ['0.830103483285477580700h', 49n * MIN + 48n * S + 372539827n],
  // the doc's examples
  ['300ms', 300n * MS],
  ['-1.5h', -(90n * MIN)],
  ['2h45m', 2n * H + 45n * MIN],
];

const GO_ERR = [
  // invalid
  '',
  '3',
  '-',
  's',
  '.',
  '-.',
  '.s',
  '+.s',
  '1d',
  '1 s',
  ' 1s',
  '1s ',
  '1S',
  '1e3s',
  '00',
  // overflow
  '9223372036854775808ns',
  '9223372036854775.808us',
  '9223372036854ms775us808ns',
  '-9223372036854775809ns',
  '3000000h',
];

t.test("Go's table: values, exact to the nanosecond", async (t) => {
  for (const [text, ns] of GO_OK) t.equal(parseDurationNs(text), ns, text);
});

t.test("Go's table: rejected, with a message that shows a valid value", async (t) => {
  for (const text of GO_ERR) {
    t.throws(() => parseDurationNs(text), DurationError, `'${text}' rejected`);
    t.throws(() => parseDurationNs(text), /use a Go duration such as 40s, 500ms, 1m30s/, `'${text}' hint`);
  }
});

t.test('the messages say what is wrong', async (t) => {
  t.throws(
    () => parseDuration('40'),
    /invalid duration '40': the number 40 has no unit \(write e\.g\. 40s\)/,
  );
  t.throws(() => parseDuration('1d'), /unknown unit 'd'/);
  t.throws(() => parseDuration('-'), /there is no number/);
  t.throws(() => parseDuration('.s'), /expected a number at '\.s'/);
  t.throws(() => parseDuration('9223372036854775808ns'), /overflows/);
});

t.test('milliseconds for the components and the harness', async (t) => {
  t.equal(parseDuration('40s'), 40_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1m30s'), 90_000);
  t.equal(parseDuration('1.5h'), 5_400_000);
  t.equal(parseDuration('2500us'), 2.5);
  t.equal(parseDuration('-1s'), -1000);
  t.equal(parseDuration('0'), 0);
  t.equal(MAX_TIMER_MS, 2_147_483_647);
  t.equal(parseDuration('596h31m23.647s'), MAX_TIMER_MS);
});

t.test('formatDuration prints what Go prints', async (t) => {
  t.equal(formatDuration(0), '0s');
  t.equal(formatDuration(500), '500ms');
  t.equal(formatDuration(60_000), '1m0s');
  t.equal(formatDuration(90_000), '1m30s');
  t.equal(formatDuration(MAX_TIMER_MS), '596h31m23.647s');
  for (const ms of [500, 1000, 90_000, 3_600_000, MAX_TIMER_MS]) {
    t.equal(parseDuration(formatDuration(ms)), ms, `round trip ${ms}`);
  }
});
