/**
 * Taint-based eviction decisions against upstream's own cases
 * (kubernetes/kubernetes pkg/controller/tainteviction/taint_eviction_test.go: TestGetMinTolerationTime,
 * TestCreatePod, TestUpdatePod, TestUpdateNode, TestUpdateNodeWithMultipleTaints,
 * TestUpdateNodeWithMultiplePods), replayed on the pure functions with a fake clock.
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import t from 'tap';
import {
  matchingTolerations,
  minTolerationMs,
  processPodOnNode,
  type ScheduledEviction,
} from '../../../src/kube/controller-manager/tainteviction/decide.ts';

// upstream createNoExecuteTaint(i) and addToleration(pod, i, seconds); seconds < 0 = no tolerationSeconds
const taint = (i: number): V1Taint => ({
  key: `testTaint${i}`,
  value: `test${i}`,
  effect: 'NoExecute',
  timeAdded: new Date(0),
});
const tol = (i: number, seconds: number): V1Toleration => ({
  key: `testTaint${i}`,
  value: `test${i}`,
  effect: 'NoExecute',
  ...(seconds >= 0 ? { tolerationSeconds: seconds } : {}),
});
const secs = (s: number | undefined): V1Toleration => (s === undefined ? {} : { tolerationSeconds: s });
const fireIn = (d: ReturnType<typeof processPodOnNode>, now: number) =>
  d.kind === 'scheduled' ? d.eviction.fireAt - now : d.kind;

t.test('getMinTolerationTime: upstream table', async (t) => {
  const cases: [(number | undefined)[], number][] = [
    [[], 0],
    [[undefined], -1],
    [[1, 2], 1000],
    [[1, undefined], 1000],
    [[undefined, 1], 1000],
  ];
  for (const [input, want] of cases) {
    t.equal(minTolerationMs(input.map(secs)), want, JSON.stringify(input));
  }
  t.equal(minTolerationMs([secs(300), secs(0)]), 0, 'a value <= 0 evicts at once');
  t.equal(minTolerationMs([secs(-5), secs(300)]), 0);
});

t.test('GetMatchingTolerations: the first match per taint, not the smallest', async (t) => {
  const unreachable: V1Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  const forever = { key: unreachable.key, operator: 'Exists', effect: 'NoExecute' };
  const thirty = { ...forever, tolerationSeconds: 30 };
  t.same(matchingTolerations([unreachable], [forever, thirty]).used, [forever]);
  t.equal(fireIn(processPodOnNode(undefined, [forever, thirty], [unreachable], 0), 0), 'none');
  t.equal(fireIn(processPodOnNode(undefined, [thirty, forever], [unreachable], 0), 0), 30_000);
  t.same(matchingTolerations([taint(1), taint(2)], [tol(1, 5)]), { allTolerated: false, used: [] });
  t.same(matchingTolerations([], []), { allTolerated: true, used: [] });
});

t.test('TestCreatePod: tainted node, no / finite / forever / non-matching toleration', async (t) => {
  const now = 5000;
  t.equal(fireIn(processPodOnNode(undefined, [], [taint(1)], now), now), 0, 'untolerated: at once');
  t.equal(fireIn(processPodOnNode(undefined, [tol(1, 100)], [taint(1)], now), now), 100_000);
  t.equal(fireIn(processPodOnNode(undefined, [tol(1, -1)], [taint(1)], now), now), 'none', 'forever');
  t.equal(fireIn(processPodOnNode(undefined, [tol(2, -1)], [taint(1)], now), now), 0, 'other key');
  t.equal(fireIn(processPodOnNode(undefined, [], [], now), now), 'none', 'untainted');
});

t.test('the clock starts when the controller looks, not at timeAdded', async (t) => {
  const d = processPodOnNode(undefined, [tol(1, 300)], [taint(1)], 42_000);
  t.same(d, { kind: 'scheduled', eviction: { createdAt: 42_000, fireAt: 342_000 } });
});

t.test('TestUpdatePod: lengthening a toleration does not postpone; removing it evicts', async (t) => {
  const first = processPodOnNode(undefined, [tol(1, 1)], [taint(1)], 0);
  t.equal(first.kind, 'scheduled');
  const prev = (first as { eviction: ScheduledEviction }).eviction;
  const later = processPodOnNode(prev, [tol(1, 100)], [taint(1)], 500);
  t.same(later, { kind: 'scheduled', eviction: { createdAt: 0, fireAt: 1000 } }, 'still at 1 s');
  t.same(processPodOnNode(prev, [], [taint(1)], 500), {
    kind: 'scheduled',
    eviction: { createdAt: 500, fireAt: 500 },
  });
  t.same(processPodOnNode(prev, [tol(1, 1)], [taint(1)], 700), first, 'unchanged inputs keep it');
});

t.test('TestUpdateNode / multiple taints: one untolerated taint evicts every pod at once', async (t) => {
  t.equal(fireIn(processPodOnNode(undefined, [tol(1, 100)], [taint(1), taint(2)], 0), 0), 0);
  // "Pod with multiple tolerations are evicted when first one runs out"
  const both = [tol(1, 1), tol(2, 100)];
  t.equal(fireIn(processPodOnNode(undefined, both, [taint(1), taint(2)], 0), 0), 1000);
});

t.test(
  'TestUpdateNodeWithMultipleTaints: forever + 60 s → scheduled; back to forever → cancelled',
  async (t) => {
    const tolerations = [
      { key: 'testTaint1', operator: 'Exists', effect: 'NoExecute' },
      { key: 'testTaint2', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
    ];
    t.equal(processPodOnNode(undefined, tolerations, [taint(1)], 0).kind, 'none');
    const d = processPodOnNode(undefined, tolerations, [taint(1), taint(2)], 1000);
    t.equal(fireIn(d, 1000), 60_000);
    const prev = (d as { eviction: ScheduledEviction }).eviction;
    t.equal(processPodOnNode(prev, tolerations, [taint(1)], 2000).kind, 'none');
  },
);

t.test('TestUpdateNodeWithMultiplePods: 0 s, 1 s and never on one taint', async (t) => {
  const got = [[], [tol(1, 1)], [tol(1, -1)]].map((tols) =>
    fireIn(processPodOnNode(undefined, tols, [taint(1)], 0), 0),
  );
  t.same(got, [0, 1000, 'none']);
});

t.test('DaemonSet-owned pods follow their tolerations like any pod (no special case upstream)', async (t) => {
  // the DaemonSet controller gives its pods unreachable/not-ready tolerations without seconds
  const ds = [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  ];
  const unreachable: V1Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  t.equal(processPodOnNode(undefined, ds, [unreachable], 0).kind, 'none');
  t.equal(fireIn(processPodOnNode(undefined, [], [unreachable], 0), 0), 0);
});
