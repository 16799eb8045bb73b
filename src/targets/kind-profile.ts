/**
 * Host profile of a kind cluster: inside node containers the kubeadm profile applies (static-pod
 * manifests, crictl, systemctl kubelet, iptables; link-down without a watchdog, since `docker
 * exec` does not travel over the link it cuts); the external load balancer is one container on
 * the harness machine, so its actions are `docker kill`/`stop`/`start`/`inspect` on `local`.
 */
import { LOCAL_HOST } from '../executors/types.ts';
import { KubeadmProfile, type KubeadmProfileOptions } from './kubeadm-profile.ts';
import type { Action, Command, HostProfile } from './types.ts';

const sh = (script: string): readonly string[] => ['sh', '-c', script];

export class KindProfile implements HostProfile {
  readonly name = 'kind (kubeadm in nodes, docker for the LB)';
  private readonly nodes: KubeadmProfile;
  constructor(
    private readonly lb: string | undefined,
    opts: KubeadmProfileOptions = {},
  ) {
    this.nodes = new KubeadmProfile({ ...opts, linkWatchdogS: 0 });
  }

  command(a: Action): Command {
    if (a.host !== this.lb) return this.nodes.command(a);
    const c = a.host;
    const state = `docker inspect -f '{{.State.Running}}' ${c}`;
    switch (a.kind) {
      case 'stop':
      case 'link-down':
        return {
          host: LOCAL_HOST,
          argv: sh(
            a.kind === 'stop' && a.signal === 'KILL'
              ? `docker kill ${c} >/dev/null 2>&1 || [ "$(${state})" = false ]`
              : `docker stop ${c} >/dev/null`,
          ),
        };
      case 'start':
      case 'link-up':
        return { host: LOCAL_HOST, argv: sh(`docker start ${c} >/dev/null`) };
      case 'running':
        return {
          host: LOCAL_HOST,
          argv: sh(
            `[ "$(${state})" = true ] || { echo '${c} is not running' >&2; exit 3; }; docker inspect -f '{{.State.Pid}}' ${c}`,
          ),
        };
      case 'link-state':
        // In `ip -o link` form, which the link fault reads: the container is the LB host's link.
        return {
          host: LOCAL_HOST,
          argv: sh(
            `if [ "$(${state})" = true ]; then echo '1: ${c}: <BROADCAST,UP> state UP'; else echo '1: ${c}: <BROADCAST> state DOWN'; fi`,
          ),
        };
      default:
        return this.nodes.command(a);
    }
  }
}
