/** PromQL SLO measurements: pass, fail with the first violation, unknown on error or no sample. */
import t from 'tap';
import { promqlMeasurements } from '../../src/analysis/promql.ts';
import type { PromqlSlo } from '../../src/monitoring/promql.ts';
import { judgePromql } from '../../src/monitoring/promql.ts';

const slo: PromqlSlo = { name: 'api_p99_s', expr: 'histogram_quantile(0.99, x)', op: '<', threshold: 1 };

t.test('held, broken, not observed', async (t) => {
  const [held, broken, failed, empty] = promqlMeasurements([
    {
      slo,
      outcome: judgePromql(slo, [
        {
          metric: {},
          values: [
            [10, 0.2],
            [11, 0.4],
          ],
        },
      ]),
    },
    {
      slo,
      outcome: judgePromql(slo, [
        {
          metric: { instance: 'a' },
          values: [
            [10, 0.2],
            [11, 1.7],
            [12, 3],
          ],
        },
      ]),
    },
    { slo, error: 'GET http://p:9090/api/v1/query_range: HTTP 400: parse error' },
    { slo, outcome: judgePromql(slo, []) },
  ]);
  t.match(held, {
    name: 'promql_api_p99_s',
    value: 0.4,
    unit: 'value',
    verdict: 'pass',
    message: 'held < 1: worst 0.4',
  });
  t.same(held!.slo, { op: '<', threshold: 1, source: 'config' });
  t.match(broken, { value: 3, verdict: 'fail' });
  t.match(
    broken!.message,
    /broke < 1: first 1\.7 on \{"instance":"a"\} at 1970-01-01T00:00:11\.000Z, worst 3/,
  );
  t.match(failed, { value: null, verdict: 'unknown', message: /not observed: .*parse error/ });
  t.match(empty, { value: null, verdict: 'unknown', message: 'not observed: no sample in the fault window' });
});
