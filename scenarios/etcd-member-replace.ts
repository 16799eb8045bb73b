/**
 * etcd-member-replace: the seeds' recovery of a failed member ("remove the failed member with
 * `etcdctl member remove`", then add it back), as etcd's runtime-reconfiguration guide writes it:
 * one member (default the first; `--member` to choose; never silently the leader: the leader is
 * allowed, its stop hands leadership over first, etcd server.go `TransferLeadership` on a graceful
 * stop) is stopped, its data destroyed, removed from the cluster, added again under its name and
 * peer URL, and started with `--initial-cluster-state=existing` on empty data, so that it comes
 * back as a new member and catches up from the leader by snapshot (src/faults/etcd-member-replace.ts).
 *
 * Expected: the API stays available through the LB (two of three members keep quorum, and a
 * stacked apiserver whose member is gone is dropped by the LB), no acknowledged write is lost, and
 * the cluster is back to three healthy voting members. Measured: etcd_member_replace_s (the
 * member stopped → the new member healthy), api_outage_s, RPO, leader changes (informational).
 * The heal finishes a replacement left half-done (the same script, `ensure` mode), whatever step
 * the drill was stopped at.
 */
import { memberReplaceFault } from '../src/faults/etcd-member-replace.ts';
import { apiAvailabilityProbe, readyzProbe } from '../src/probes/api.ts';
import { etcdProbe } from '../src/probes/etcd.ts';
import { writeProbe } from '../src/probes/writes.ts';
import { type Scenario, UNTIL_API_STEADY } from '../src/runner/scenario.ts';
import { sloDefaults } from '../src/slo/defaults.ts';
import { TargetError } from '../src/util/errors.ts';
import { pickMember } from './pick.ts';

export const etcdMemberReplace: Scenario = {
  name: 'etcd-member-replace',
  description:
    'replace one etcd member: stop, wipe, member remove, member add, rejoin; measure time to healthy, API, RPO',
  defaultSlos: sloDefaults([
    ['etcd_member_replace_s', '<', 120],
    ['api_outage_s', '<', 30],
    ['rpo_lost_writes', '<=', 0],
  ]),
  informational: ['etcd_leader_changes', 'apiserver_unready_s'],
  async fault(ctx) {
    const t = ctx.target.topology;
    const m = ctx.options.member ? pickMember(t, ctx.options.member) : t.etcd[0];
    if (!m) throw new TargetError(`target ${t.name} has no etcd member`);
    const peerUrl = m.peerUrl;
    if (!peerUrl)
      throw new TargetError(
        `the peer URL of etcd member ${m.member} is not known for target ${t.name}: it is read from the member's manifest (--initial-advertise-peer-urls)`,
      );
    return memberReplaceFault({
      host: m.host,
      member: m.member,
      peerUrl,
      clientUrl: m.url,
      endpoints: t.etcd.filter((e) => e.member !== m.member).map((e) => e.url),
      ip: t.apiservers.find((a) => a.host === m.host)?.ip,
    });
  },
  probes: (ctx) => [
    apiAvailabilityProbe({ connection: 'new' }),
    apiAvailabilityProbe({ connection: 'keepalive' }),
    readyzProbe(),
    etcdProbe({ trackIndex: true }),
    writeProbe(ctx.runId),
  ],
  // The replacement (stop → healthy) happens inside the inject; then the API must answer steadily.
  ...UNTIL_API_STEADY,
  // While its member is down, the member's scrape fails and its stacked apiserver's etcd check
  // fails: down alerts allowed, none expected (the replacement is usually faster than their `for`).
  alerts: () => ({
    expected: [],
    allowed: [
      'etcdMembersDown',
      'TargetDown',
      'APIServerDown',
      'HAProxyServerDown',
      'etcdHighNumberOfLeaderChanges',
    ],
  }),
};
