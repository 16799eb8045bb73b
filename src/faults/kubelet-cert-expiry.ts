/**
 * cert-expiry's kubelet-client variant: a node's kubelet client certificate
 * (/var/lib/kubelet/pki/kubelet-client-current.pem, which kubelet.conf names) replaced by an
 * expired one from the cluster CA, and the kubelet restarted onto it (src/targets/
 * kubeadm-cert-expiry.ts). Upstream's kubelet, started with kubeadm's bootstrap kubeconfig flag,
 * finds its kubeconfig's certificate expired, looks for the bootstrap kubeconfig that `kubeadm
 * join` deleted, and exits: "unable to load bootstrap kubeconfig" (pkg/kubelet/certificate/
 * bootstrap/bootstrap.go LoadClientConfig); systemd restarts it every RestartSec, and the node
 * stops heartbeating. Its static pods keep running (a container outlives its kubelet).
 *
 * Proof: the certificate file now holds the new, expired serial; the API answers 401 to it (it is
 * refused, whoever presents it); and the kubelet's healthz (127.0.0.1:10248, kubeadm's
 * kubelet-check) does not answer once in `proveS` after the restart (the kubelet fails to start).
 * A kubelet that runs on with the expired certificate is no proof: the drill says so.
 * Heal: renew where the drill expired it (the node's CA: kubeadm does not renew kubelet
 * certificates), restart the kubelet when renewed or not healthy, and wait for its healthz.
 * Idempotent: a replay finds nothing to renew and a healthy kubelet, and changes nothing.
 */
import type { KubeletClientState } from '../targets/kubeadm-cert-expiry.ts';
import {
  KUBELET_CLIENT_PEM,
  parseCertLine,
  parseKubeletClientState,
  parseRenewed,
} from '../targets/kubeadm-cert-expiry.ts';
import type { Action, Target } from '../targets/types.ts';
import { sleep, waitFor } from '../util/time.ts';
import { timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface KubeletCertExpiryOptions {
  readonly host: string;
  /** The host's Node (the analysis' NotReady target). */
  readonly node: string;
  /** How long after the restart the kubelet must not answer its healthz, s. */
  readonly proveS: number;
  /** How long the restarted kubelet may take to answer its healthz after the renewal, s. */
  readonly healthyWaitS: number;
}

const RESTART_TIMEOUT_MS = 60_000;
const POLL_MS = 500;

export function kubeletCertExpiryFault(o: KubeletCertExpiryOptions): Fault {
  const expire: Action = { kind: 'expire-cert', host: o.host, cert: 'kubelet-client' };
  const renew: Action = { kind: 'renew-cert', host: o.host, cert: 'kubelet-client' };
  const state: Action = { kind: 'kubelet-client-state', host: o.host };
  const restart: Action = { kind: 'restart', host: o.host, component: 'kubelet' };

  const read = async (target: Target): Promise<KubeletClientState> => {
    const r = await runAction(target, state);
    const s = r.code === 0 ? parseKubeletClientState(r.stdout) : undefined;
    if (!s) throw failed(r, `reading the kubelet's client certificate`);
    return s;
  };

  return {
    name: 'cert-expiry',
    impact: [{ kind: 'other', host: o.host }],
    aim: { host: o.host, node: o.node },
    summary: `kubelet client certificate on ${o.host} replaced by an expired one from the cluster CA, kubelet restarted onto it`,
    plan: (target) => [
      step(target, 'inject', state, 'a valid certificate, healthz 200, the API answers it'),
      step(
        target,
        'inject',
        expire,
        `${KUBELET_CLIENT_PEM} (the file it links to) expired yesterday, original kept as ${KUBELET_CLIENT_PEM}.before-expiry; prints its serial`,
      ),
      { ...step(target, 'inject', restart, 'kubelet restarted'), timeoutS: RESTART_TIMEOUT_MS / 1000 },
      step(
        target,
        'prove',
        state,
        `the new serial, notAfter in the past, api=401; healthz never 200 for ${o.proveS} s`,
      ),
      step(target, 'heal', renew, 'renewed-by=openssl (or none: nothing the drill expired)'),
      {
        ...step(target, 'heal', restart, 'kubelet restarted onto the renewed certificate'),
        timeoutS: RESTART_TIMEOUT_MS / 1000,
      },
      step(target, 'verify-heal', state, 'a valid certificate and healthz 200'),
    ],
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const was = await read(target);
      if (was.notAfter.getTime() <= Date.now())
        return {
          effect: false,
          reason: `the kubelet client certificate on ${o.host} has already expired (${was.notAfter.toISOString()})`,
        };
      if (was.healthz !== 200)
        return {
          effect: false,
          reason: `the kubelet on ${o.host} is not healthy before the drill (healthz ${was.healthz || 'no answer'})`,
        };
      const ex = await runAction(target, expire);
      if (ex.code !== 0) throw failed(ex, 'issuing an expired kubelet client certificate');
      const issued = parseCertLine(ex.stdout);
      if (!issued)
        throw new Error(
          `issuing an expired kubelet client certificate on ${o.host}: no 'serial=… notAfter=…' line`,
        );
      const { result, trip } = await timed(nowMs, () => runAction(target, restart, RESTART_TIMEOUT_MS));
      if (result.code !== 0) throw failed(result, 'restarting the kubelet onto the expired certificate');
      // The kubelet must fail to start, every time, for the whole proof window.
      const until = Date.now() + o.proveS * 1000;
      let refused = false;
      let polls = 0;
      for (;;) {
        const s = await read(target);
        polls++;
        if (s.serial !== issued.serial)
          return {
            effect: false,
            reason: `${KUBELET_CLIENT_PEM} on ${o.host} holds serial ${s.serial}, not the expired ${issued.serial} just written`,
          };
        if (s.healthz === 200)
          return {
            effect: false,
            reason: `the kubelet on ${o.host} runs with the expired client certificate (healthz 200 after the restart): it does not refuse to start as upstream's does with kubeadm's --bootstrap-kubeconfig; check its flags`,
          };
        if (s.api === 401) refused = true;
        if (Date.now() >= until) break;
        await sleep(POLL_MS);
      }
      if (!refused)
        return {
          effect: false,
          reason: `the API did not answer 401 to the expired kubelet client certificate on ${o.host}`,
        };
      return {
        effect: true,
        proof: {
          kind: 'cert-expired',
          host: o.host,
          cert: 'kubelet-client',
          component: 'kubelet',
          serial: issued.serial,
          notAfter: issued.notAfter.toISOString(),
          previousSerial: was.serial,
          effect: `the API answers 401 to it; the kubelet's healthz did not answer in ${polls} reads over ${o.proveS} s after the restart (a failed start)`,
        },
        ...(trip
          ? {
              effectAt: {
                atMs: trip.sentMs,
                how: 'the restart of the kubelet was sent: the old kubelet stops heartbeating at its SIGTERM, the new one never starts',
              },
            }
          : {}),
      };
    },
    async heal({ target }) {
      const r = await runAction(target, renew);
      if (r.code !== 0) throw failed(r, 'renewing the kubelet client certificate');
      const by = parseRenewed(r.stdout);
      const now = await read(target).catch(() => undefined);
      const restartNeeded =
        (by !== undefined && by !== 'none') ||
        !now ||
        now.healthz !== 200 ||
        now.notAfter.getTime() <= Date.now();
      if (restartNeeded) {
        const rs = await runAction(target, restart, RESTART_TIMEOUT_MS);
        if (rs.code !== 0) throw failed(rs, 'restarting the kubelet onto the renewed certificate');
      }
      const ok = await waitFor(
        async () => {
          const s = await read(target);
          return s.healthz === 200 && s.notAfter.getTime() > Date.now() ? s : undefined;
        },
        {
          timeoutMs: o.healthyWaitS * 1000,
          intervalMs: POLL_MS,
          what: `the kubelet on ${o.host} to answer its healthz`,
        },
      );
      const how =
        by === 'none' || by === undefined ? 'nothing the drill expired was left' : `renewed by ${by}`;
      return `kubelet client certificate on ${o.host}: ${how}; kubelet ${restartNeeded ? 'restarted, ' : ''}healthy, serial ${ok.serial} valid until ${ok.notAfter.toISOString()}`;
    },
  };
}
