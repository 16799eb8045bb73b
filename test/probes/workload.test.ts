/** The drill workload's manifest (pure): what kubelet-stop's timings depend on. */
import t from 'tap';
import {
  NOT_READY_TAINT,
  UNREACHABLE_TAINT,
  WORKLOAD_NAME,
  workloadManifest,
} from '../../src/probes/workload.ts';
import { DRILL_NAMESPACE } from '../../src/probes/writes.ts';

t.test(
  'one ReplicaSet, tolerations for unreachable and not-ready with the chosen seconds, grace 0',
  async (t) => {
    const rs = workloadManifest({ replicas: 3, tolerationSeconds: 42 });
    t.match(rs, {
      kind: 'ReplicaSet',
      metadata: { name: WORKLOAD_NAME, namespace: DRILL_NAMESPACE },
      spec: { replicas: 3 },
    });
    const pod = rs.spec?.template?.spec;
    t.equal(
      pod?.terminationGracePeriodSeconds,
      0,
      'an evicted pod is gone at once, even with its kubelet down',
    );
    t.same(
      pod?.tolerations?.map((x) => [x.key, x.operator, x.effect, x.tolerationSeconds]),
      [
        [UNREACHABLE_TAINT, 'Exists', 'NoExecute', 42],
        [NOT_READY_TAINT, 'Exists', 'NoExecute', 42],
      ],
    );
    t.same(
      rs.spec?.selector?.matchLabels,
      rs.spec?.template?.metadata?.labels,
      'the selector matches the template',
    );
  },
);
