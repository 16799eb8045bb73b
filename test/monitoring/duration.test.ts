/**
 * Prometheus durations (src/monitoring/duration.ts) against prometheus/common model/time.go
 * v0.39.0: what ParseDuration accepts and rejects (its durationRE and its own test table,
 * model/time_test.go TestParseDuration), and that Duration.String()'s rendering reads back.
 */
import t from 'tap';
import { formatPromDuration, PromDurationError, parsePromDuration } from '../../src/monitoring/duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** model/time_test.go TestParseDuration (v0.39.0): input, value, String() when not the input. */
const UPSTREAM: [string, number, string?][] = [
  ['0', 0, '0s'],
  ['0w', 0, '0s'],
  ['0s', 0],
  ['324ms', 324],
  ['3s', 3 * S],
  ['5m', 5 * M],
  ['1h', H],
  ['4d', 4 * D],
  ['4d1h', 4 * D + H],
  ['14d', 14 * D, '2w'],
  ['3w', 21 * D],
  ['3w2d1h', 23 * D + H, '23d1h'],
  ['10y', 10 * 365 * D],
];

t.test('parsePromDuration reads what Prometheus reads', async (t) => {
  for (const [text, ms] of UPSTREAM) t.equal(parsePromDuration(text), ms, text);
  t.equal(parsePromDuration('1h30m'), 90 * M);
  t.equal(parsePromDuration('1m1s500ms'), M + 1500);
  t.equal(parsePromDuration('90s'), 90 * S, 'a unit may exceed the next one up');
  t.equal(parsePromDuration('007m'), 7 * M, 'leading zeros, as strconv.Atoi reads them');
});

t.test('parsePromDuration rejects what Prometheus rejects, saying what to write', async (t) => {
  for (const bad of [
    '',
    '1',
    '1.5h',
    '-5m',
    '+5m',
    '5 m',
    '1m1h',
    '1s1s',
    '5M',
    '10us',
    '1ns',
    'm',
    '1hh',
    ' 5m',
  ]) {
    t.throws(() => parsePromDuration(bad), PromDurationError, `rejects '${bad}'`);
  }
  t.throws(
    () => parsePromDuration('1.5h'),
    /invalid duration '1\.5h'; write a Prometheus duration such as 30s/,
  );
  t.throws(() => parsePromDuration(''), /empty duration/);
  t.throws(() => parsePromDuration('300y'), /out of range/, 'beyond time.Duration (~292 years)');
  t.equal(parsePromDuration('292y'), 292 * 365 * D, 'just within time.Duration');
});

t.test('formatPromDuration prints as model.Duration.String() and reads back', async (t) => {
  for (const [text, ms, printed] of UPSTREAM) t.equal(formatPromDuration(ms), printed ?? text, text);
  const more: [number, string][] = [
    [2500, '2s500ms'],
    [90 * M, '1h30m'],
    [365 * D, '1y'],
    [366 * D, '366d'],
  ];
  for (const [ms, text] of more) {
    t.equal(formatPromDuration(ms), text, `${ms} ms`);
    t.equal(parsePromDuration(text), ms, `${text} reads back`);
  }
  t.equal(formatPromDuration(1500.4), '1s500ms', 'sub-millisecond parts are rounded');
  t.throws(() => formatPromDuration(-1), /cannot be negative/);
});
