/**
 * iptables partitions as shell scripts, run on a host through its executor (lab netns, kind
 * node, ssh VM alike). Rules live in one dedicated chain jumped to from INPUT, so the heal is a
 * flush and delete of that chain: idempotent, and it never touches rules it did not write.
 * Loopback stays open: a stacked apiserver keeps talking to its local etcd member, which is what
 * makes that apiserver's /readyz fail when its member loses quorum.
 */
import { armExpiry, cancelExpiry } from './host-expiry.ts';

export const PARTITION_CHAIN = 'HADRILL-PARTITION';

export interface PartitionSpec {
  /**
   * Self-expiry: the host itself removes the partition after this many seconds, even if the
   * harness and its connection die (a detached timer on the host; the normal heal cancels it).
   */
  readonly expireAfterS?: number;
  /** Incoming TCP to these local ports is dropped (new and established connections). */
  readonly dports: readonly number[];
  /** Incoming TCP from these remote ports is dropped (answers to this host's own connections). */
  readonly sports: readonly number[];
  readonly chain?: string;
  /**
   * The ports are etcd's client and peer ports: a host profile that knows the host's own (from
   * its etcd manifest or the inventory) puts those in place of the defaults.
   */
  readonly etcd?: boolean;
}

const list = (ports: readonly number[]): string => ports.join(',');

/** Installs the partition; re-running it replaces the chain's rules (idempotent). */
export function partitionScript(spec: PartitionSpec): string {
  const c = spec.chain ?? PARTITION_CHAIN;
  const lines = ['set -e', cancelExpiry(c)];
  // Armed before the first rule, so a partition never exists without its expiry.
  if (spec.expireAfterS !== undefined)
    lines.push(...armExpiry(c, spec.expireAfterS, removeChain(c).join('; ')));
  lines.push(
    `iptables -w 5 -N ${c} 2>/dev/null || iptables -w 5 -F ${c}`,
    `iptables -w 5 -C INPUT -j ${c} 2>/dev/null || iptables -w 5 -I INPUT 1 -j ${c}`,
  );
  if (spec.dports.length > 0) {
    lines.push(`iptables -w 5 -A ${c} ! -i lo -p tcp -m multiport --dports ${list(spec.dports)} -j DROP`);
  }
  if (spec.sports.length > 0) {
    lines.push(`iptables -w 5 -A ${c} ! -i lo -p tcp -m multiport --sports ${list(spec.sports)} -j DROP`);
  }
  return lines.join('\n');
}

/** Removes the partition; succeeds when there is nothing to remove. */
export function healPartitionScript(chain = PARTITION_CHAIN): string {
  return [cancelExpiry(chain), ...removeChain(chain), `! iptables -w 5 -S ${chain} >/dev/null 2>&1`].join(
    '\n',
  );
}

const removeChain = (chain: string): string[] => [
  `while iptables -w 5 -D INPUT -j ${chain} 2>/dev/null; do :; done`,
  `iptables -w 5 -F ${chain} 2>/dev/null || true`,
  `iptables -w 5 -X ${chain} 2>/dev/null || true`,
];

/** Prints the chain's DROP rules (proof the partition is in place); exits non-zero when absent. */
export function showPartitionScript(chain = PARTITION_CHAIN): string {
  return `iptables -w 5 -C INPUT -j ${chain} && iptables -w 5 -S ${chain} | grep -- '-j DROP'`;
}

/** Cuts a member's client and peer traffic: new connections to both ports, answers from peers. */
export const etcdPartition = (clientPort: number, peerPort: number): PartitionSpec => ({
  etcd: true,
  dports: [clientPort, peerPort],
  sports: [peerPort],
});

/** etcd's default ports (clients 2379, peers 2380); profiles substitute the host's own. */
export const ETCD_PARTITION: PartitionSpec = etcdPartition(2379, 2380);
