/** PromQL SLO judging: worst sample per operator, the first violation by time, NaN skipped. */
import t from 'tap';
import { judgePromql, type PromqlSlo } from '../../src/monitoring/promql.ts';
import { compare } from '../../src/slo/types.ts';

const p99: PromqlSlo = { name: 'api_p99', expr: 'x', op: '<', threshold: 1 };

t.test('under a threshold: the highest sample is the worst, the earliest breach is reported', async (t) => {
  const r = judgePromql(p99, [
    {
      metric: { instance: 'a' },
      values: [
        [100, 0.2],
        [101, 1.5],
        [102, 0.3],
      ],
    },
    {
      metric: { instance: 'b' },
      values: [
        [100, 0.1],
        [100.5, 1.2],
        [103, 2.5],
      ],
    },
  ]);
  t.equal(r.worst, 2.5);
  t.same(r.firstViolation, { unixS: 100.5, value: 1.2, metric: { instance: 'b' } });
  t.equal(r.samples, 6);
  t.equal(r.series, 2);
});

t.test('over a threshold: the lowest sample is the worst; all good means no violation', async (t) => {
  const r = judgePromql({ ...p99, op: '>=', threshold: 2 }, [
    {
      metric: {},
      values: [
        [1, 3],
        [2, 2],
        [3, Number.NaN],
      ],
    },
  ]);
  t.equal(r.worst, 2);
  t.equal(r.firstViolation, undefined);
  t.equal(r.samples, 2, 'NaN is not a sample');
});

t.test('no samples: no worst value', async (t) => {
  t.same(judgePromql(p99, []), { slo: p99, worst: null, samples: 0, series: 0 });
});

t.test('operators', async (t) => {
  t.ok(compare(0.9, '<', 1));
  t.notOk(compare(1, '<', 1));
  t.ok(compare(1, '<=', 1));
  t.notOk(compare(1, '>', 1));
  t.ok(compare(1, '>=', 1));
  t.ok(compare(1, '==', 1));
  t.notOk(compare(1.1, '==', 1));
});
