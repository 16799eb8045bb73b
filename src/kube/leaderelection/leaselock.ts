/**
 * client-go's resourcelock.LeaseLock over a coordination.k8s.io/v1 Lease: get/create/update with the
 * resourceVersion of the Lease last read or written, so a concurrent writer makes update fail with 409.
 */
import { type CoordinationV1Api, type V1Lease, type V1LeaseSpec, V1MicroTime } from '@kubernetes/client-node';
import { isNotFound } from '../runtime/errors.ts';
import {
  type LeaderElectionRecord,
  type LockGetResult,
  LockNotFoundError,
  type ResourceLock,
  rawRecord,
} from './lock.ts';

const toMs = (t: unknown): number | undefined => {
  if (t === undefined || t === null || t === '') return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
  return Number.isNaN(ms) ? undefined : ms;
};

export function leaseSpecToRecord(spec: V1LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toMs(spec?.acquireTime),
    renewTime: toMs(spec?.renewTime),
    leaderTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function recordToLeaseSpec(r: LeaderElectionRecord): V1LeaseSpec {
  const spec: V1LeaseSpec = {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    leaseTransitions: r.leaderTransitions,
  };
  if (r.acquireTime !== undefined) spec.acquireTime = new V1MicroTime(r.acquireTime);
  if (r.renewTime !== undefined) spec.renewTime = new V1MicroTime(r.renewTime);
  return spec;
}

export class LeaseLock implements ResourceLock {
  private lease: V1Lease | undefined;

  constructor(
    private readonly api: CoordinationV1Api,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<LockGetResult> {
    try {
      this.lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (e) {
      if (isNotFound(e)) throw new LockNotFoundError(`lease ${this.describe()} not found`);
      throw e;
    }
    const record = leaseSpecToRecord(this.lease.spec);
    return { record, raw: rawRecord(record) };
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    this.lease = await this.api.createNamespacedLease({
      namespace: this.namespace,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: recordToLeaseSpec(record),
      },
    });
  }

  async update(record: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error(`lease ${this.describe()} not initialized: get or create it first`);
    const body: V1Lease = { ...this.lease, spec: recordToLeaseSpec(record) };
    this.lease = await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body });
  }
}
