/**
 * The lease endpoint reconciler (upstream pkg/controlplane/reconcilers/lease.go): every interval
 * refresh `/registry/masterleases/<advertise-ip>` with an etcd lease of TTL master-lease-ttl, then
 * list the live keys and rewrite `default/kubernetes` Endpoints and EndpointSlice when the sorted
 * IP set (or the port) differs. On graceful shutdown the own key is deleted and it reconciles once.
 */
import { messageLogger } from '../runtime/log.ts';
import { startUntil } from '../runtime/loop.ts';
import { INTERNAL_ADMISSION } from './admission.ts';
import { prepareCreate } from './lifecycle.ts';
import { resourceByName } from './resources.ts';
import { prefixEnd, REGISTRY, type Store } from './storage.ts';
import type { KObject } from './types.ts';

export const MASTER_LEASES = `${REGISTRY}/masterleases/`;

export interface ReconcilerOptions {
  readonly ip: string;
  readonly port: number;
  readonly ttlS: number;
  readonly intervalMs: number;
  readonly log: (msg: string) => void;
}

export class LeaseEndpointReconciler {
  private stopLoop?: () => Promise<void>;
  constructor(
    private readonly store: Store,
    private readonly o: ReconcilerOptions,
  ) {}

  get key(): string {
    return `${MASTER_LEASES}${this.o.ip}`;
  }

  start(): void {
    const log = messageLogger(this.o.log);
    this.stopLoop = startUntil({ periodMs: this.o.intervalMs, what: 'endpoint reconciler pass', log }, () =>
      this.reconcile(),
    );
  }

  async reconcile(): Promise<void> {
    await this.updateLease();
    await this.rewriteEndpoints();
  }

  /** Puts our master lease key with a fresh etcd lease of TTL master-lease-ttl. */
  async updateLease(): Promise<void> {
    const etcd = this.store.etcd;
    const deadline = Date.now() + 5000;
    const grant = await etcd.leaseClient.leaseGrant({ TTL: this.o.ttlS }, { deadline });
    const value = {
      kind: 'Endpoints',
      apiVersion: 'v1',
      metadata: { name: this.o.ip, creationTimestamp: null },
      subsets: [{ addresses: [{ ip: this.o.ip }] }],
    };
    await etcd.kv.put(
      { key: Buffer.from(this.key), value: Buffer.from(JSON.stringify(value)), lease: grant.ID },
      { deadline },
    );
  }

  /** The IPs with a live master lease, sorted. */
  async liveIps(): Promise<string[]> {
    const res = await this.store.etcd.kv.range(
      { key: Buffer.from(MASTER_LEASES), range_end: prefixEnd(MASTER_LEASES), keys_only: true },
      { deadline: Date.now() + 5000 },
    );
    return res.kvs.map((kv) => kv.key.toString().slice(MASTER_LEASES.length)).sort();
  }

  async rewriteEndpoints(): Promise<void> {
    const ips = await this.liveIps();
    const ports = [{ name: 'https', port: this.o.port, protocol: 'TCP' }];
    const subsets = ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports }] : [];
    const epLabels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    await this.write('endpoints', '', {
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', labels: epLabels },
      subsets,
    });
    await this.write('endpointslices', 'discovery.k8s.io', {
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports,
    });
  }

  /** Writes the desired object when its content differs (apart from metadata). */
  private async write(plural: string, group: string, desired: KObject): Promise<void> {
    const def = resourceByName(plural, group);
    const { metadata, ...content } = desired;
    await this.store.update(
      def,
      'default',
      'kubernetes',
      (cur) => {
        if (!cur)
          return prepareCreate(def, 'default', { ...desired, metadata: { ...metadata } }, INTERNAL_ADMISSION);
        const m = cur.metadata;
        const same =
          Object.entries(content).every(([k, v]) => JSON.stringify(cur[k]) === JSON.stringify(v)) &&
          Object.entries(metadata.labels as Record<string, string>).every(([k, v]) => m.labels?.[k] === v);
        if (same) return null;
        return {
          ...cur,
          ...content,
          metadata: { ...m, labels: { ...(m.labels ?? {}), ...metadata.labels } },
        };
      },
      { allowCreate: true },
    );
  }

  /** Stops the loop; with removeSelf deletes our key and reconciles once (graceful shutdown). */
  async stop(removeSelf: boolean): Promise<void> {
    await this.stopLoop?.();
    if (!removeSelf) return;
    await this.store.etcd.kv.deleteRange({ key: Buffer.from(this.key) }, { deadline: Date.now() + 3000 });
    await this.rewriteEndpoints();
  }
}
