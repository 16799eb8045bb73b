/** Choosing what a scenario aims at, from the topology and the user's `--host` / `--member`. */
import type { ApiserverEndpoint, EtcdEndpoint, Topology } from '../src/targets/types.ts';
import { UserError } from '../src/util/errors.ts';

export function pickApiserver(t: Topology, host?: string): ApiserverEndpoint {
  if (t.apiservers.length === 0) throw new UserError(`target ${t.name} has no apiserver`);
  if (!host) return t.apiservers[0]!;
  const a = t.apiservers.find((x) => x.host === host);
  if (!a) {
    throw new UserError(
      `--host ${host} runs no kube-apiserver: choose one of ${t.apiservers.map((x) => x.host).join(', ')}`,
    );
  }
  return a;
}

export function pickMember(t: Topology, member: string): EtcdEndpoint {
  const m = t.etcd.find((x) => x.member === member || x.host === member);
  if (!m)
    throw new UserError(
      `--member ${member} is not an etcd member: choose one of ${t.etcd.map((x) => x.member).join(', ')}`,
    );
  return m;
}
