/**
 * cert-expiry: one component's certificate replaced by an expired one from the same CA, and the
 * component restarted onto it (src/targets/kubeadm-cert-expiry.ts). Proof: the component's port
 * presents a certificate that is not the one it presented before and whose notAfter has passed.
 * The expired certificate is signed with the CA's key on the node; where the node has none (an
 * external etcd host but the one the HA etcd guide made the certificates on), it is signed on the
 * first of `signers` that has it, from a request made on the node, with its renewal kept on the node
 * for the heal (src/targets/kubeadm-cert-signer.ts).
 * Heal: renew it where the drill expired it (the kept renewal, else kubeadm certs renew, else the node's CA), restart
 * the component when it was renewed or still presents an expired certificate, and wait until it
 * presents a valid one. Idempotent: a heal replayed after a finished one finds nothing to renew
 * and a valid certificate served, and changes nothing.
 */
import type { ExpirableCert } from '../targets/kubeadm-cert-expiry.ts';
import { CERT_SPECS, NO_CA_KEY, parseCertLine, parseRenewed } from '../targets/kubeadm-cert-expiry.ts';
import type { Action, Target } from '../targets/types.ts';
import { waitFor } from '../util/time.ts';
import { timed } from './effect.ts';
import { type Fault, failed, type Impact, type InjectOutcome, runAction, step } from './types.ts';

export interface CertExpiryOptions {
  readonly host: string;
  readonly cert: ExpirableCert;
  /** Where the component presents the certificate, as its host reaches it. */
  readonly address: string;
  readonly port: number;
  /** The apiserver's address on that host (the aim of the analysis' per-apiserver measures). */
  readonly ip?: string;
  /** The etcd member on that host. */
  readonly member?: string;
  /** How long the restarted component may take to present its certificate, s. */
  readonly serveWaitS: number;
  /**
   * Hosts that may hold the CA's key when `host` has none, tried in order (etcd-peer: the other
   * etcd hosts; apiserver: the other control planes).
   */
  readonly signers?: readonly string[];
}

/** The restart's own bound: the pod's grace period and shutdown delay, then the start (kubeadm profile). */
const RESTART_TIMEOUT_MS = 150_000;

export function certExpiryFault(o: CertExpiryOptions): Fault {
  const spec = CERT_SPECS[o.cert];
  const expire: Action = { kind: 'expire-cert', host: o.host, cert: o.cert };
  const renew: Action = { kind: 'renew-cert', host: o.host, cert: o.cert };
  const served: Action = {
    kind: 'served-cert',
    host: o.host,
    cert: o.cert,
    address: o.address,
    port: o.port,
  };
  const restart: Action = { kind: 'restart', host: o.host, component: spec.component };
  const request: Action = { kind: 'cert-request', host: o.host, cert: o.cert };
  const install: Action = { kind: 'install-cert', host: o.host, cert: o.cert };
  const signers = o.signers ?? [];

  /**
   * No CA key on the node: a request from it, the expired certificate and its renewal signed on
   * the first signer that has the key, both installed on the node. Returns install's result.
   */
  const signedElsewhere = async (target: Target) => {
    const req = await runAction(target, request);
    if (req.code !== 0) throw failed(req, `making a request from the ${o.cert} certificate`);
    const tried: string[] = [];
    for (const signer of signers) {
      const sign = (validity: 'expired' | 'renewed') =>
        runAction(
          target,
          { kind: 'sign-cert-request', host: signer, cert: o.cert, validity },
          undefined,
          req.stdout,
        );
      const expired = await sign('expired');
      if (expired.code === NO_CA_KEY) {
        tried.push(signer);
        continue;
      }
      if (expired.code !== 0) throw failed(expired, `signing the expired ${o.cert} certificate on ${signer}`);
      const renewed = await sign('renewed');
      if (renewed.code !== 0) throw failed(renewed, `signing the renewal of ${o.cert} on ${signer}`);
      return runAction(target, install, undefined, `${expired.stdout.trim()}\n${renewed.stdout.trim()}\n`);
    }
    throw new Error(
      `${spec.caKey} is on neither ${o.host} nor ${tried.join(', ') || '(no other host to try)'}: the drill signs with the CA's key on a cluster host; with an external CA, renew and expire by hand`,
    );
  };
  const impact: Impact[] =
    spec.component === 'kube-apiserver'
      ? [{ kind: 'apiserver', host: o.host }]
      : [{ kind: 'etcd-member', host: o.host }];

  /** The certificate presented now, polled until `ok` holds or `serveWaitS` passed. */
  const presented = async (
    target: Target,
    ok: (c: { serial: string; notAfter: Date }) => boolean,
    what: string,
  ) =>
    waitFor(
      async () => {
        const r = await runAction(target, served);
        const c = r.code === 0 ? parseCertLine(r.stdout) : undefined;
        if (!c) throw new Error((r.stderr || r.stdout).trim() || `no certificate on ${o.address}:${o.port}`);
        return ok(c) ? c : undefined;
      },
      { timeoutMs: o.serveWaitS * 1000, intervalMs: 500, what },
    );

  return {
    name: 'cert-expiry',
    impact,
    aim: {
      host: o.host,
      ...(o.ip ? { ip: o.ip } : {}),
      ...(o.member ? { member: o.member } : {}),
    },
    summary: `${o.cert} certificate of ${spec.component} on ${o.host} replaced by an expired one from the same CA, ${spec.component} restarted onto it`,
    plan: (target) => [
      step(
        target,
        'inject',
        expire,
        `${spec.cert} expired yesterday (original kept as ${spec.cert}.before-expiry); prints its serial`,
      ),
      ...(signers.length > 0
        ? [
            step(
              target,
              'inject',
              request,
              `only if ${o.host} has no ${spec.caKey} (exit ${NO_CA_KEY} above): a request from its certificate and key`,
            ),
            ...signers.map((signer) =>
              step(
                target,
                'inject',
                { kind: 'sign-cert-request', host: signer, cert: o.cert, validity: 'expired' },
                `then signed on ${signer} if it has ${spec.caKey} (expired, and the same for the renewal), else the next`,
              ),
            ),
            step(
              target,
              'inject',
              install,
              'the expired certificate installed, its renewal kept for the heal; prints its serial',
            ),
          ]
        : []),
      {
        ...step(target, 'inject', restart, `${spec.component} restarted: prints its old and new pid`),
        timeoutS: RESTART_TIMEOUT_MS / 1000,
      },
      step(target, 'prove', served, `${o.address}:${o.port} presents the new serial, notAfter in the past`),
      step(target, 'heal', renew, 'renewed-by=kubeadm|openssl (or none: nothing the drill expired)'),
      {
        ...step(target, 'heal', restart, `${spec.component} restarted onto the renewed certificate`),
        timeoutS: RESTART_TIMEOUT_MS / 1000,
      },
      step(target, 'verify-heal', served, `${o.address}:${o.port} presents a certificate valid now`),
    ],
    async inject({ target, nowMs }): Promise<InjectOutcome> {
      const before = await runAction(target, served);
      const was = before.code === 0 ? parseCertLine(before.stdout) : undefined;
      if (!was)
        return {
          effect: false,
          reason: `${spec.component} on ${o.host} presents no certificate on ${o.address}:${o.port}: ${(before.stderr || before.stdout).trim()}`,
        };
      if (was.notAfter.getTime() <= Date.now())
        return {
          effect: false,
          reason: `${spec.component} on ${o.host} already presents an expired certificate (${was.notAfter.toISOString()})`,
        };
      let ex = await runAction(target, expire);
      if (ex.code === NO_CA_KEY && signers.length > 0) ex = await signedElsewhere(target);
      if (ex.code !== 0) throw failed(ex, `issuing an expired ${o.cert} certificate`);
      const issued = parseCertLine(ex.stdout);
      if (!issued)
        throw new Error(
          `issuing an expired ${o.cert} certificate on ${o.host}: no 'serial=… notAfter=…' line`,
        );
      const { result, trip } = await timed(nowMs, () => runAction(target, restart, RESTART_TIMEOUT_MS));
      if (result.code !== 0)
        throw failed(result, `restarting ${spec.component} onto the expired certificate`);
      const now = await presented(
        target,
        (c) => c.serial === issued.serial,
        `${spec.component} on ${o.host} to present the expired certificate`,
      ).catch((err: Error) => err);
      if (now instanceof Error) return { effect: false, reason: now.message };
      return {
        effect: true,
        proof: {
          kind: 'cert-expired',
          host: o.host,
          cert: o.cert,
          component: spec.component,
          serial: now.serial,
          notAfter: now.notAfter.toISOString(),
          previousSerial: was.serial,
        },
        // kubeadm-cert-expiry.ts CertSpec.effectFrom: the restart's start (the apiserver serves
        // no verifying client from its SIGTERM on) or its return (etcd: refused by its peers
        // once the new process runs).
        ...(trip
          ? {
              effectAt:
                spec.effectFrom === 'restart'
                  ? {
                      atMs: trip.sentMs,
                      how: `the restart of ${spec.component} onto the expired certificate was sent: from its SIGTERM on it serves no verifying client`,
                    }
                  : {
                      atMs: trip.answeredMs,
                      how: `the restart of ${spec.component} returned: its new process runs with the expired certificate`,
                    },
            }
          : {}),
      };
    },
    async heal({ target }) {
      const r = await runAction(target, renew);
      if (r.code !== 0) throw failed(r, `renewing the ${o.cert} certificate`);
      const by = parseRenewed(r.stdout);
      const servedNow = await runAction(target, served);
      const c = servedNow.code === 0 ? parseCertLine(servedNow.stdout) : undefined;
      // Restart when renewed, or when what it presents is expired or unreadable (a heal cut short
      // after the renewal but before the restart).
      const restartNeeded = (by !== undefined && by !== 'none') || !c || c.notAfter.getTime() <= Date.now();
      if (restartNeeded) {
        const rs = await runAction(target, restart, RESTART_TIMEOUT_MS);
        // exit 4: a parked manifest (a restart cut short): the start puts it back.
        if (rs.code === 4) {
          const st = await runAction(
            target,
            { kind: 'start', host: o.host, component: spec.component },
            RESTART_TIMEOUT_MS,
          );
          if (st.code !== 0) throw failed(st, `starting ${spec.component}`);
        } else if (rs.code !== 0)
          throw failed(rs, `restarting ${spec.component} onto the renewed certificate`);
      }
      const ok = await presented(
        target,
        (x) => x.notAfter.getTime() > Date.now(),
        `${spec.component} on ${o.host} to present a valid certificate`,
      );
      const how =
        by === 'none' || by === undefined ? 'nothing the drill expired was left' : `renewed by ${by}`;
      return `${o.cert} certificate on ${o.host}: ${how}; ${spec.component} ${restartNeeded ? 'restarted, ' : ''}presents serial ${ok.serial}, valid until ${ok.notAfter.toISOString()}`;
    },
  };
}
