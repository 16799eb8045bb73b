/**
 * Blast-radius interlocks: a drill refuses a fault that would take etcd below quorum, stop every
 * apiserver, or stop the only load balancer, unless the scenario declares that outage (etcd-restore)
 * or the user names the scenario with --allow-unsafe SCENARIO. Pure: (fault impact, topology) → refusal or nothing.
 */
import type { Fault, Impact } from '../faults/types.ts';
import type { Topology } from '../targets/types.ts';
import { UserError } from '../util/errors.ts';

/** What the fault takes away, with a host off the network taking every role it has. */
export function expandImpact(impact: readonly Impact[], t: Topology): Impact[] {
  const out: Impact[] = [];
  for (const i of impact) {
    if (i.kind !== 'host-offline') {
      out.push(i);
      continue;
    }
    const roles = t.hosts.find((h) => h.name === i.host)?.roles ?? [];
    if (t.apiservers.some((a) => a.host === i.host)) out.push({ kind: 'apiserver', host: i.host });
    if (t.etcd.some((e) => e.host === i.host)) out.push({ kind: 'etcd-member', host: i.host });
    if (roles.includes('lb') || t.lbs.includes(i.host)) out.push({ kind: 'lb', host: i.host });
  }
  return out;
}

/** Reasons to refuse, empty when the fault is within the blast radius a drill may take. */
export function interlockViolations(fault: Pick<Fault, 'impact' | 'declaresOutage'>, t: Topology): string[] {
  if (fault.declaresOutage) return [];
  const impact = expandImpact(fault.impact ?? [], t);
  const hit = (kind: Impact['kind']) => new Set(impact.filter((i) => i.kind === kind).map((i) => i.host));
  const problems: string[] = [];
  const etcdDown = hit('etcd-member').size;
  const members = t.etcd.length;
  const quorum = Math.floor(members / 2) + 1;
  if (etcdDown > 0 && members - etcdDown < quorum) {
    problems.push(
      `it would leave ${members - etcdDown} of ${members} etcd members, below quorum (${quorum}): the whole control plane would stop`,
    );
  }
  const apiDown = hit('apiserver').size;
  if (apiDown > 0 && apiDown >= t.apiservers.length) {
    problems.push(`it would stop every kube-apiserver (${t.apiservers.length} of ${t.apiservers.length})`);
  }
  const lbDown = hit('lb').size;
  if (lbDown > 0 && lbDown >= t.lbs.length) {
    problems.push(
      t.lbs.length === 1
        ? 'it would stop the only API load balancer (a single point of failure: the API is unreachable until it is back)'
        : 'it would stop every API load balancer',
    );
  }
  return problems;
}

/** `allowUnsafe`: --allow-unsafe named this scenario. */
export function checkInterlocks(fault: Fault, t: Topology, allowUnsafe: boolean, scenario: string): void {
  const problems = interlockViolations(fault, t);
  if (problems.length === 0 || allowUnsafe) return;
  throw new UserError(
    `refusing to inject ${fault.summary}: ${problems.join('; ')}. Pass --allow-unsafe ${scenario} to run it anyway.`,
  );
}
