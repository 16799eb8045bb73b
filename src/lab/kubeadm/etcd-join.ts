/**
 * What `kubeadm join --control-plane` does to etcd around writing a joining node's etcd.yaml
 * (kubernetes/kubernetes cmd/kubeadm/app/phases/etcd/local.go CreateStackedEtcdStaticPodManifestFile,
 * cmd/kubeadm/app/util/etcd/etcd.go): add the member as a learner with its peer URL, write the
 * manifest (initial cluster = the members so far, state existing), start it, then promote it
 * (retried until the learner is in sync and the cluster healthy: ~5 s after it starts on 3.4).
 * kubeadm's client uses the node's etcd/healthcheck-client certificate (etcd.go NewFromCluster).
 * Debian's etcd 3.4 has learners (since 3.4).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { CERTIFICATES_DIR } from './constants.ts';

/** An etcd client with the healthcheck-client certificate of the host whose root is `root`. */
export function kubeadmEtcdClient(root: string, endpoints: readonly string[]): Etcd3 {
  const pki = (f: string) => readFileSync(path.join(root, CERTIFICATES_DIR, f));
  return new Etcd3({
    hosts: [...endpoints],
    credentials: {
      rootCertificate: pki('etcd/ca.crt'),
      certChain: pki('etcd/healthcheck-client.crt'),
      privateKey: pki('etcd/healthcheck-client.key'),
    },
    dialTimeout: 3000,
  });
}

/**
 * Runs `op` until it succeeds or `timeoutMs` passes, as kubeadm's etcd client retries every
 * member call (util/etcd/etcd.go: wait.PollUntilContextTimeout over any error), e.g.
 * "unhealthy cluster" right after a member joined, or a learner not yet in sync.
 */
async function retry<T>(what: string, timeoutMs: number, op: () => Promise<T>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      if (Date.now() > until)
        throw new Error(`${what}: gave up after ${timeoutMs} ms (${(err as Error).message})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

class PermanentError extends Error {}

/** Adds `peerUrl` as a learner (AddMemberAsLearner); returns its ID. Idempotent on the peer URL. */
export function addEtcdLearner(client: Etcd3, peerUrl: string, timeoutMs = 30_000): Promise<string> {
  return retry(`etcd member add ${peerUrl}`, timeoutMs, async () => {
    const existing = (await client.cluster.memberList({})).members.find((m) => m.peerURLs.includes(peerUrl));
    if (existing) return existing.ID;
    return (await client.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true })).member.ID;
  });
}

/** Promotes the learner `id` (MemberPromote); a member that is already a voter is left as it is. */
export function promoteEtcdLearner(client: Etcd3, id: string, timeoutMs = 30_000): Promise<void> {
  return retry(`etcd member promote ${id}`, timeoutMs, async () => {
    const m = (await client.cluster.memberList({})).members.find((x) => x.ID === id);
    if (!m)
      throw new PermanentError(
        `etcd member ${id} is not in the member list: add it with addEtcdLearner first`,
      );
    if (m.isLearner) await client.cluster.memberPromote({ ID: id });
  });
}
