/**
 * The project's alert rules (alerts/rules/) and their promtool unit tests (alerts/tests/):
 * `promtool check rules` and `promtool test rules` pass, and every rule is checked by the tests
 * (seen firing with its severity and seen silent). A failure shows promtool's own output.
 * That this check fails on a broken rule or a wrong test is shown in test/monitoring/promtool.test.ts.
 */
import t from 'tap';
import { RULE_TESTS_DIR, verifyRuleFolder } from '../../src/monitoring/promtool.ts';
import { alertRules, loadRules, RULES_DIR } from '../../src/monitoring/rules.ts';

t.test('alerts/: promtool checks and tests pass, and every rule is tested', async (t) => {
  const problems = await verifyRuleFolder(RULES_DIR, RULE_TESTS_DIR);
  for (const p of problems) t.fail(p);
  t.equal(problems.length, 0, 'no problem');
});

t.test(
  'alerts/rules: the alerts the brief and the seeds name are there, with their for and severity',
  async (t) => {
    const rules = alertRules(loadRules());
    const got = rules.map((r) => `${r.name} ${r.forS}s ${r.severity}`).sort();
    t.same(
      got,
      [
        // seeds 002 verbatim
        'APIServerDown 300s critical',
        'EtcdClusterUnavailable 300s critical',
        // seeds 004's monitoring table
        'APIServerErrorsHigh 300s warning',
        'APIServerLatencyHigh 300s warning',
        'SchedulerPendingPodsGrowing 300s warning',
        // etcd's mixin
        'etcdHighCommitDurations 600s warning',
        'etcdHighFsyncDurations 600s critical',
        'etcdHighFsyncDurations 600s warning',
        'etcdHighNumberOfLeaderChanges 300s warning',
        'etcdInsufficientMembers 180s critical',
        'etcdMemberCommunicationSlow 600s warning',
        'etcdMembersDown 1200s warning',
        'etcdNoLeader 60s critical',
        // kubernetes-mixin / kube-prometheus
        'KubeAPIDown 900s critical',
        'KubeControllerManagerDown 900s critical',
        'KubeletDown 900s critical',
        'KubeSchedulerDown 900s critical',
        'TargetDown 600s warning',
        // haproxy (ours)
        'HAProxyDown 300s critical',
        'HAProxyServerDown 60s warning',
      ].sort(),
    );
  },
);
