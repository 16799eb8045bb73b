/**
 * Host profile of a kind cluster: inside node containers the kubeadm profile applies (static-pod
 * manifests, crictl, systemctl kubelet, iptables; link-down without a watchdog, since `docker
 * exec` does not travel over the link it cuts); the external load balancer is one container on
 * the harness machine, so its actions are docker commands run on `local`:
 * - stop: `docker kill`. kind's Envoy LB runs `bash -c '… while true; do envoy -c … && break;
 *   sleep 1; done'` as PID 1 (kind pkg/cluster/internal/loadbalancer/config.go
 *   GenerateBootstrapCommand; provision.go runArgsForLoadBalancer runs it as the container's
 *   command), and the kernel delivers no SIGTERM to a PID 1 without a handler: `docker stop`
 *   would wait its 10 s grace period, then kill. The older HAProxy image stops on SIGUSR1
 *   (images/haproxy/Dockerfile STOPSIGNAL), a soft stop that waits for open connections.
 *   Either way SIGKILL is the only prompt stop, so both signals map to it. `docker start` heals:
 *   the bootstrap command runs again and keeps the cds.yaml/lds.yaml kind wrote (it writes its
 *   empty ones only where none exist).
 * - link-down / link-up: `docker network disconnect` / `connect` of kind's network: the LB
 *   leaves the network as a host whose link is cut (connections through it time out instead of
 *   being reset by a dead process); the heal reconnects it, with its old address when docker
 *   allows a chosen one (only on networks with a configured IPv4 subnet; kind's has IPv4 IPAM
 *   automatic, network.go), else with a new one (nodes reach the LB by its name:
 *   provider.go GetAPIServerInternalEndpoint). With `restoreAfterS` a detached timer on the
 *   harness machine reconnects it by itself (as a host's own timer restores its link), so a
 *   harness that dies mid-fault does not leave the cluster without its LB; link-up cancels it.
 */
import { shellQuote } from '../executors/ssh.ts';
import { LOCAL_HOST } from '../executors/types.ts';
import { cancelTimers } from './host-expiry.ts';
import { KubeadmProfile, type KubeadmProfileOptions } from './kubeadm-profile.ts';
import type { Action, Command, HostProfile } from './types.ts';

const sh = (script: string): readonly string[] => ['sh', '-c', script];

/** The LB's place on kind's docker network (from `docker inspect`, or kind's default when planned). */
export interface KindLbLink {
  readonly network: string;
  /** Its address there, when known (reused on reconnect). */
  readonly ip?: string;
}

export class KindProfile implements HostProfile {
  readonly name = 'kind (kubeadm in nodes, docker for the LB)';
  private readonly nodes: KubeadmProfile;
  private readonly link: KindLbLink;
  constructor(
    private readonly lb: string | undefined,
    opts: KubeadmProfileOptions = {},
    link: KindLbLink = { network: 'kind' },
  ) {
    this.nodes = new KubeadmProfile({ ...opts, linkWatchdogS: 0 });
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(link.network))
      throw new Error(`kind LB network name '${link.network}' is not a docker network name`);
    this.link = link;
  }

  command(a: Action): Command {
    if (a.host !== this.lb) return this.nodes.command(a);
    const c = a.host;
    const local = (script: string): Command => ({ host: LOCAL_HOST, argv: sh(script) });
    const state = `docker inspect -f '{{.State.Running}}' ${c}`;
    const net = this.link.network;
    const attached = `[ "$(docker inspect -f '{{if index .NetworkSettings.Networks "${net}"}}on{{end}}' ${c})" = on ]`;
    const ip = this.link.ip && /^[0-9a-fA-F.:]+$/.test(this.link.ip) ? this.link.ip : undefined;
    const reconnect = `${attached} || ${ip ? `docker network connect --ip ${ip} ${net} ${c} >/dev/null 2>&1 || ` : ''}docker network connect ${net} ${c} >/dev/null`;
    // The timer's command line carries the mark `hadrill-lb-timer-<lb>` ($0), so link-up finds
    // it; neither script spells the mark out, so pkill never matches the shell that runs it.
    const cancel = cancelTimers(`'hadrill-lb-time[r]-${c}'`);
    const mark = `"hadrill-lb-time""r-${c}"`;
    switch (a.kind) {
      case 'stop':
        return local(`docker kill ${c} >/dev/null 2>&1 || [ "$(${state})" = false ]`);
      case 'start':
        return local(`docker start ${c} >/dev/null`);
      case 'running':
        return local(
          `[ "$(${state})" = true ] || { echo '${c} is not running' >&2; exit 3; }; docker inspect -f '{{.State.Pid}}' ${c}`,
        );
      case 'link-down': {
        const down = `if ${attached}; then docker network disconnect ${net} ${c} >/dev/null || exit 1; fi`;
        const after = Math.ceil(a.restoreAfterS ?? 0);
        if (after <= 0) return local(`${cancel}\n${down}`);
        const timer = `nohup sh -c ${shellQuote(`sleep ${after}; ${reconnect}`)} ${mark} >/dev/null 2>&1 </dev/null &`;
        return local(
          `${cancel}\n${down}\n${timer}\necho '${c} is back on ${net} after ${after} s unless healed first'`,
        );
      }
      case 'link-up':
        return local(`${cancel}\n${reconnect}`);
      case 'link-state':
        // In `ip -o link` form, which the link fault reads: the container's place on kind's network.
        return local(
          `if ${attached}; then echo '1: ${c}@${net}: <BROADCAST,UP> state UP'; else echo '1: ${c}@${net}: <BROADCAST> state DOWN'; fi`,
        );
      default:
        return this.nodes.command(a);
    }
  }
}
