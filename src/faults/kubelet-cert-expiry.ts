/**
 * cert-expiry's kubelet-client variant: a node's kubelet client certificate
 * (/var/lib/kubelet/pki/kubelet-client-current.pem, which kubelet.conf names) replaced by an
 * expired one from the cluster CA, and the kubelet restarted onto it (src/targets/
 * kubeadm-kubelet-cert.ts: a request made on the node, signed on a control plane — the `signer`,
 * the node itself when it is one — and installed on the node with its own key). Upstream's
 * kubelet, started with kubeadm's bootstrap kubeconfig flag, finds its kubeconfig's certificate
 * expired, looks for the bootstrap kubeconfig that `kubeadm join` deleted, and exits: "unable to
 * load bootstrap kubeconfig" (pkg/kubelet/certificate/bootstrap/bootstrap.go LoadClientConfig);
 * systemd restarts it every RestartSec, and the node stops heartbeating. What runs on the node
 * keeps running (a container outlives its kubelet).
 *
 * Proof: the certificate file now holds the new, expired serial; the API answers 401 to it (it is
 * refused, whoever presents it); and the kubelet's healthz (127.0.0.1:10248, kubeadm's
 * kubelet-check) does not answer once in `proveS` after the restart (the kubelet fails to start).
 * A kubelet that runs on with the expired certificate is no proof: the drill says so.
 * Heal: where the drill's backup is (an expiry not renewed yet), the renewal signed along with the
 * expired certificate and kept on the node is installed (kubeadm does not renew kubelet
 * certificates): one command on the node, which `recover` replays from the journal as it is, with
 * no control plane needed; the kubelet restarted unless it answers its healthz on a valid
 * certificate, by itself or, while its service runs, within SELF_START_WAIT_MS (its service
 * restarting it); its healthz waited for. Idempotent: a replay finds no backup and a healthy
 * kubelet, and changes nothing.
 */
import { parseCertLine, parseRenewed } from '../targets/kubeadm-cert-expiry.ts';
import {
  KUBELET_CLIENT_PEM,
  type KubeletCertInstall,
  type KubeletCertValidity,
  type KubeletClientState,
  parseKubeletClientState,
} from '../targets/kubeadm-kubelet-cert.ts';
import type { Action, Target } from '../targets/types.ts';
import { sleep, waitFor } from '../util/time.ts';
import { timed } from './effect.ts';
import { type Fault, failed, type InjectOutcome, runAction, step } from './types.ts';

export interface KubeletCertExpiryOptions {
  readonly host: string;
  /** The host's Node (the analysis' NotReady target). */
  readonly node: string;
  /** The control plane whose cluster CA signs the certificate (the host itself when it is one). */
  readonly signer: string;
  /** How long after the restart the kubelet must not answer its healthz, s. */
  readonly proveS: number;
  /** How long the restarted kubelet may take to answer its healthz after the renewal, s. */
  readonly healthyWaitS: number;
}

const RESTART_TIMEOUT_MS = 60_000;
/**
 * How long the heal lets a kubelet whose service still runs start by itself on the renewal before
 * it restarts it: kubeadm's kubelet.service restarts a failed kubelet after `RestartSec=10`
 * (`Restart=always`, `StartLimitInterval=0`: kubernetes/release, the deb/rpm kubelet.service), then
 * its start. The lab's restart loop waits 2 s.
 */
const SELF_START_WAIT_MS = 15_000;
const POLL_MS = 500;

export function kubeletCertExpiryFault(o: KubeletCertExpiryOptions): Fault {
  const state: Action = { kind: 'kubelet-client-state', host: o.host };
  const csr: Action = { kind: 'kubelet-csr', host: o.host };
  const sign = (validity: KubeletCertValidity): Action => ({
    kind: 'sign-kubelet-csr',
    host: o.signer,
    validity,
  });
  const install = (mode: KubeletCertInstall): Action => ({
    kind: 'install-kubelet-cert',
    host: o.host,
    mode,
  });
  const restart: Action = { kind: 'restart', host: o.host, component: 'kubelet' };
  const running: Action = { kind: 'running', host: o.host, component: 'kubelet' };

  const read = async (target: Target): Promise<KubeletClientState> => {
    const r = await runAction(target, state);
    const s = r.code === 0 ? parseKubeletClientState(r.stdout) : undefined;
    if (!s) throw failed(r, `reading the kubelet's client certificate`);
    return s;
  };

  /**
   * Request on the node, signed expired and renewed on the signer, both installed on the node (the
   * renewal kept for the heal); what the install printed.
   */
  const expireWithRenewal = async (target: Target) => {
    const req = await runAction(target, csr);
    if (req.code !== 0) throw failed(req, "making a request from the kubelet's certificate");
    const signed: string[] = [];
    for (const validity of ['expired', 'renewed'] as const) {
      const r = await runAction(target, sign(validity), 30_000, req.stdout);
      if (r.code !== 0) throw failed(r, `signing the kubelet's certificate (${validity}) on ${o.signer}`);
      signed.push(r.stdout);
    }
    const put = await runAction(target, install('expire'), 30_000, signed.join(''));
    if (put.code !== 0) throw failed(put, "installing the kubelet's expired certificate");
    return put.stdout;
  };

  return {
    name: 'cert-expiry',
    impact: [{ kind: 'other', host: o.host }],
    aim: { host: o.host, node: o.node },
    summary: `kubelet client certificate on ${o.host} replaced by an expired one from the cluster CA, kubelet restarted onto it`,
    plan: (target) => [
      step(target, 'inject', state, 'a valid certificate, healthz 200, the API answers it, no backup'),
      step(target, 'inject', csr, "a request from the kubelet's certificate (its key stays on the node)"),
      step(
        target,
        'inject',
        sign('expired'),
        'the request (stdin) signed by the cluster CA, expired yesterday',
      ),
      step(
        target,
        'inject',
        sign('renewed'),
        'the request (stdin) signed for a year: the renewal the heal installs',
      ),
      step(
        target,
        'inject',
        install('expire'),
        `${KUBELET_CLIENT_PEM} (the file it links to) holds the expired one with the node's key; the renewal and the original kept beside`,
      ),
      { ...step(target, 'inject', restart, 'kubelet restarted'), timeoutS: RESTART_TIMEOUT_MS / 1000 },
      step(
        target,
        'prove',
        state,
        `the new serial, notAfter in the past, api=401; healthz never 200 for ${o.proveS} s`,
      ),
      step(
        target,
        'heal',
        install('renew'),
        'renewed-by=openssl: the kept renewal installed (or none: nothing the drill expired)',
      ),
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
      if (was.backup)
        return {
          effect: false,
          reason: `${KUBELET_CLIENT_PEM}.before-expiry is on ${o.host}: an earlier drill's expiry was not healed ('npm run drill -- recover')`,
        };
      const issued = parseCertLine(await expireWithRenewal(target));
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
      const r = await runAction(target, install('renew'));
      if (r.code !== 0) throw failed(r, "installing the kubelet's renewed certificate");
      const by = parseRenewed(r.stdout);
      const healthy = (x: KubeletClientState | undefined) =>
        x?.healthz === 200 && x.notAfter.getTime() > Date.now() ? x : undefined;
      // The fault restarted the kubelet onto the expired certificate, on which it cannot start (its
      // own proof), and its service restarts it again and again (Restart=always): once the renewal
      // is in place the next of those starts succeeds. A restart by the heal on top of that is a
      // second outage: on the lab the restart loop had started the kubelet on the renewal 1.5–2.5 s
      // before the heal's restart stopped it for up to 4 s, and TargetDown fired a second time (a
      // suite run of 2026-12-03). So a kubelet whose service runs gets its own start first.
      let now = await read(target).catch(() => undefined);
      if (!healthy(now) && (await runAction(target, running)).code === 0)
        now = await waitFor(async () => healthy(await read(target).catch(() => undefined)), {
          timeoutMs: SELF_START_WAIT_MS,
          intervalMs: POLL_MS,
          what: `the kubelet on ${o.host} to start by itself`,
        }).catch(() => now);
      const restartNeeded = !healthy(now);
      if (restartNeeded) {
        const rs = await runAction(target, restart, RESTART_TIMEOUT_MS);
        if (rs.code !== 0) throw failed(rs, 'restarting the kubelet onto the renewed certificate');
      }
      const ok = await waitFor(async () => healthy(await read(target)), {
        timeoutMs: o.healthyWaitS * 1000,
        intervalMs: POLL_MS,
        what: `the kubelet on ${o.host} to answer its healthz`,
      });
      const how =
        by === 'none' || by === undefined ? 'nothing the drill expired was left' : `renewed by ${by}`;
      return `kubelet client certificate on ${o.host}: ${how}; kubelet ${restartNeeded ? 'restarted, ' : ''}healthy, serial ${ok.serial} valid until ${ok.notAfter.toISOString()}`;
    },
  };
}
