/**
 * ReplicaSet controller (I/O): every second while leading, list ReplicaSets and pods, create pods from
 * the template when fewer than spec.replicas are active (terminating pods do not count), delete extras,
 * and update status.replicas / readyReplicas.
 */
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { errText, isConflict, isNotFound } from '../../runtime/errors.ts';
import { type Clients, deletePod } from '../../runtime/kube.ts';
import type { Logger } from '../../runtime/log.ts';
import { until } from '../../runtime/loop.ts';
import { isOwnedBy, planReplicaSet, podFromTemplate, statusChanged } from './decide.ts';

export class ReplicaSetController {
  constructor(
    private readonly clients: Clients,
    private readonly log: Logger,
    private readonly periodMs = 1000,
  ) {}

  run(signal: AbortSignal): Promise<void> {
    return until({ periodMs: this.periodMs, signal, what: 'replicaset sync', log: this.log }, () =>
      this.syncAll(),
    );
  }

  async syncAll(): Promise<void> {
    const { apps, core } = this.clients;
    const sets = (await apps.listReplicaSetForAllNamespaces()).items;
    if (sets.length === 0) return;
    const pods = (await core.listPodForAllNamespaces()).items;
    for (const rs of sets) {
      if (rs.metadata?.deletionTimestamp) continue;
      await this.syncOne(
        rs,
        pods.filter((p) => p.metadata?.namespace === rs.metadata?.namespace && isOwnedBy(p, rs)),
      );
    }
  }

  private async syncOne(rs: V1ReplicaSet, owned: Parameters<typeof planReplicaSet>[1]): Promise<void> {
    const { apps, core } = this.clients;
    const ns = rs.metadata?.namespace ?? 'default';
    const name = rs.metadata?.name ?? '';
    const plan = planReplicaSet(rs, owned);
    for (let i = 0; i < plan.create; i++) {
      const pod = await core.createNamespacedPod({ namespace: ns, body: podFromTemplate(rs) });
      this.log('replicaset created pod', { replicaset: `${ns}/${name}`, pod: pod.metadata?.name });
    }
    for (const p of plan.remove) {
      if (await deletePod(core, p))
        this.log('replicaset deleted pod', { replicaset: `${ns}/${name}`, pod: p.metadata?.name });
    }
    const after =
      plan.create > 0 ? { ...plan.status, replicas: (plan.status.replicas ?? 0) + plan.create } : plan.status;
    if (!statusChanged(rs.status, after)) return;
    try {
      await apps.replaceNamespacedReplicaSetStatus({ name, namespace: ns, body: { ...rs, status: after } });
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e))
        this.log('replicaset status update failed', { replicaset: `${ns}/${name}`, error: errText(e) });
    }
  }
}
