/**
 * The apiserver identity Lease `kube-system/apiserver-<hash>` (upstream controlplane
 * apiserverleasegc / instance.go): label apiserver.kubernetes.io/identity=kube-apiserver,
 * holderIdentity `<name>_<uuid>` (new per start), leaseDurationSeconds 3600, renewed every 10 s.
 */
import { createHash, randomUUID } from 'node:crypto';
import { messageLogger } from '../runtime/log.ts';
import { startUntil } from '../runtime/loop.ts';
import { INTERNAL_ADMISSION } from './admission.ts';
import { prepareCreate } from './lifecycle.ts';
import { resourceByName } from './resources.ts';
import type { Store } from './storage.ts';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Upstream apiserver ID: `apiserver-` + lowercase base32 of the first 16 bytes of sha256(host). */
export const apiserverId = (host: string) =>
  `apiserver-${base32(createHash('sha256').update(host).digest().subarray(0, 16)).toLowerCase()}`;

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export const microTime = (ms = Date.now()) => `${new Date(ms).toISOString().slice(0, 23)}000Z`;

export interface IdentityOptions {
  readonly host: string;
  readonly hostname: string;
  readonly durationS: number;
  readonly renewIntervalMs: number;
  readonly log: (msg: string) => void;
}

/** Keeps `kube-system/apiserver-<hash>` renewed (label apiserver.kubernetes.io/identity=kube-apiserver). */
export class IdentityLease {
  readonly name: string;
  readonly holder: string;
  private stopLoop?: () => Promise<void>;
  constructor(
    private readonly store: Store,
    private readonly o: IdentityOptions,
  ) {
    this.name = apiserverId(o.host);
    this.holder = `${this.name}_${randomUUID()}`;
  }

  start(): void {
    const log = messageLogger(this.o.log);
    this.stopLoop = startUntil(
      { periodMs: this.o.renewIntervalMs, what: 'identity lease renewal', log },
      () => this.renew(),
    );
  }

  async renew(): Promise<void> {
    const def = resourceByName('leases', 'coordination.k8s.io');
    const labels = {
      'apiserver.kubernetes.io/identity': 'kube-apiserver',
      'kubernetes.io/hostname': this.o.hostname,
    };
    await this.store.update(
      def,
      'kube-system',
      this.name,
      (cur) => {
        const now = microTime();
        if (!cur) {
          return prepareCreate(
            def,
            'kube-system',
            {
              kind: 'Lease',
              metadata: { name: this.name, labels },
              spec: {
                holderIdentity: this.holder,
                leaseDurationSeconds: this.o.durationS,
                acquireTime: now,
                renewTime: now,
              },
            },
            INTERNAL_ADMISSION,
          );
        }
        cur.metadata.labels = { ...(cur.metadata.labels ?? {}), ...labels };
        const taken = cur.spec?.holderIdentity !== this.holder;
        cur.spec = {
          ...(cur.spec ?? {}),
          holderIdentity: this.holder,
          leaseDurationSeconds: this.o.durationS,
          renewTime: now,
          ...(taken ? { acquireTime: now } : {}),
        };
        return cur;
      },
      { allowCreate: true },
    );
  }

  async stop(): Promise<void> {
    await this.stopLoop?.();
  }
}
