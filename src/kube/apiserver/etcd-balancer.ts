/**
 * Round robin over the READY etcd servers, as kube-apiserver's client does with several
 * --etcd-servers. etcd's clientv3 (go.etcd.io/etcd/client/v3 client.go dialWithBalancer,
 * internal/resolver/resolver.go Build) dials one gRPC ClientConn over all endpoints with
 * `{"loadBalancingPolicy": "round_robin"}`; calls use WaitForReady (options.go defaultWaitForReady).
 * grpc-go's round_robin (balancer/roundrobin/roundrobin.go: endpointsharding over pick_first
 * children) connects every endpoint at once, reconnects a child gone IDLE (endpointsharding.go
 * endpointState.UpdateState: `go es.exitIdle()`), and picks round robin among the children in the
 * best state only: READY, else CONNECTING, else IDLE, else TRANSIENT_FAILURE (updateStateLocked,
 * pickerWithChildStates.Pick). A member whose transport failed (keepalive) gets no calls until READY.
 *
 * etcd3 tries the hosts in a fresh random order per call (connection-pool.js withConnection over
 * shuffledHosts()). Here each host's `faultHandling.host` policy calls through only on this
 * module's pick and refuses the others with cockatiel's BrokenCircuitError, which withConnection
 * takes as "not called through", moving to the next host. The refusal is thrown synchronously, so
 * withConnection asks all hosts of one call in one synchronous run: one pick, one state snapshot.
 * etcd3's calls do not wait for ready (runServiceCall): with no host READY, a call on a CONNECTING
 * channel waits (up to its deadline) and one in TRANSIENT_FAILURE fails at once (grpc-js).
 */
import { BrokenCircuitError, type IDefaultPolicyContext, type IPolicy, noop } from 'cockatiel';
import type { Etcd3 } from 'etcd3';

/** A gRPC channel's state, as in grpc-js connectivity-state.ts (SHUTDOWN is read as IDLE here). */
export type Connectivity = 'IDLE' | 'CONNECTING' | 'READY' | 'TRANSIENT_FAILURE';

/** grpc-js connectivity-state.ts ConnectivityState, by value (IDLE = 0 … SHUTDOWN = 4). */
const BY_VALUE = ['IDLE', 'CONNECTING', 'READY', 'TRANSIENT_FAILURE', 'SHUTDOWN'] as const;
const SHUTDOWN = 4;

/** endpointsharding.go updateStateLocked: the first of these states any host is in is picked from. */
const TIERS: readonly Connectivity[] = ['READY', 'CONNECTING', 'IDLE', 'TRANSIENT_FAILURE'];

/** The host to call (index) and the state it was picked from (not READY: no host was). */
export interface Pick {
  readonly index: number;
  readonly tier: Connectivity;
}

/** The host for the call numbered `next`: round robin over the hosts in the best state. */
export function pickHost(states: readonly Connectivity[], next: number): Pick {
  for (const tier of TIERS) {
    const candidates = states.flatMap((s, i) => (s === tier ? [i] : []));
    if (candidates.length > 0) return { index: candidates[next % candidates.length]!, tier };
  }
  throw new Error('pickHost: no etcd servers to pick from');
}

/** The part of a grpc-js Client/Channel used here (grpc-js channel.ts ChannelInterface). */
interface GrpcChannel {
  getConnectivityState(tryToConnect: boolean): number;
  watchConnectivityState(current: number, deadline: number, callback: (error?: Error) => void): void;
}
type ServiceClient = { getChannel(): GrpcChannel };
/** etcd3 1.1.2 lib/connection-pool.js Host: one per --etcd-servers entry, its grpc clients by service. */
interface PoolHost {
  readonly faultHandling: unknown;
  readonly closed: boolean;
  readonly cachedServices: Readonly<Record<string, ServiceClient | undefined>>;
  getServiceClient(service: 'KV'): ServiceClient;
}

/**
 * The service whose channel stands for the host: grpc-js's global subchannel pool
 * (subchannel-pool.ts) gives the host's per-service clients one subchannel, one TCP connection.
 */
const PROBE = 'KV';

/**
 * etcd3's internals, read in this one place: etcd3 1.1.2 lib/connection-pool.js keeps
 * `ConnectionPool.hosts` (Host objects in --etcd-servers order, each with the policy from
 * `faultHandling.host`), `Host.closed`, `Host.cachedServices` and `Host.getServiceClient`.
 */
function poolHosts(etcd: Etcd3, policies: readonly IPolicy[]): PoolHost[] {
  const fail = (what: string) =>
    new Error(
      `etcd client: ${what}; the round robin over several --etcd-servers reads etcd3 1.1.2's ` +
        'lib/connection-pool.js internals (ConnectionPool.hosts, Host.faultHandling, Host.closed, ' +
        'Host.cachedServices, Host.getServiceClient): pin etcd3 to 1.1.2 or adapt ' +
        'src/kube/apiserver/etcd-balancer.ts poolHosts to the installed version',
    );
  const hosts = (etcd as unknown as { pool?: { hosts?: unknown } }).pool?.hosts;
  if (!Array.isArray(hosts)) throw fail('the Etcd3 client has no pool.hosts array');
  if (hosts.length !== policies.length) {
    throw fail(`pool.hosts has ${hosts.length} hosts for ${policies.length} servers`);
  }
  return hosts.map((h: Partial<PoolHost> | null, i) => {
    if (!h || h.faultHandling !== policies[i]) throw fail(`pool.hosts[${i}] lacks this server's policy`);
    if (typeof h.closed !== 'boolean' || typeof h.cachedServices !== 'object' || !h.getServiceClient) {
      throw fail(`pool.hosts[${i}] lacks closed, cachedServices or getServiceClient`);
    }
    const channel = h.getServiceClient(PROBE).getChannel?.();
    if (typeof channel?.getConnectivityState !== 'function' || !channel.watchConnectivityState) {
      throw fail(`pool.hosts[${i}]'s ${PROBE} client has no grpc channel with connectivity state`);
    }
    return h as PoolHost;
  });
}

/** The host's state now: its probe channel's, IDLE when etcd3 dropped it (resetAllServices). */
function stateOf(host: PoolHost): Connectivity {
  const value = host.cachedServices[PROBE]?.getChannel().getConnectivityState(false) ?? 0;
  const name = BY_VALUE[value];
  if (name === undefined) throw new Error(`etcd client: unknown grpc connectivity state ${value}`);
  return name === 'SHUTDOWN' ? 'IDLE' : name;
}

/**
 * Connects the host's channel now and again whenever it goes IDLE (grpc-js goes IDLE when a
 * transport fails, e.g. on keepalive timeout), until etcd3 closes the host: endpointsharding's
 * exitIdle on IDLE. The next step runs in setImmediate, after etcd3 has replaced a client it closed.
 */
function keepConnected(host: PoolHost): void {
  const step = () => {
    if (host.closed) return;
    const channel = host.getServiceClient(PROBE).getChannel();
    const state = channel.getConnectivityState(true);
    if (state === SHUTDOWN) {
      setTimeout(step, 100).unref();
      return;
    }
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => setImmediate(step));
  };
  step();
}

/**
 * Give `hostPolicy` to etcd3 as `faultHandling.host`, then `attach` the client (throws if etcd3's
 * internals are not as expected).
 */
export class EtcdBalancer {
  private readonly policies: IPolicy[] = [];
  private hosts: PoolHost[] = [];
  /** Like pickerWithChildStates.next, starts at random so apiservers do not all start on one member. */
  private next = Math.floor(Math.random() * 1024);

  /**
   * etcd3 calls this once per server, in --etcd-servers order (ConnectionPool constructor). The
   * policy calls through on the picked host and refuses, synchronously, on the others.
   */
  readonly hostPolicy = (server: string): IPolicy => {
    const index = this.policies.length;
    const policy: IPolicy = {
      _altReturn: undefined as never,
      onSuccess: noop.onSuccess,
      onFailure: noop.onFailure,
      execute: <T>(fn: (c: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal) => {
        if (!this.admit(index)) throw new BrokenCircuitError(`etcd ${server}: not picked (round robin)`);
        return noop.execute(fn, signal);
      },
    };
    this.policies.push(policy);
    return policy;
  };

  attach(etcd: Etcd3): void {
    this.hosts = poolHosts(etcd, this.policies);
    for (const host of this.hosts) keepConnected(host);
  }

  /** Whether the host at `index` is this call's pick; the round robin moves on when it is. */
  admit(index: number): boolean {
    if (this.hosts.length === 0) throw new Error('etcd client: EtcdBalancer.attach was not called');
    const pick = pickHost(this.hosts.map(stateOf), this.next);
    if (pick.index !== index) return false;
    this.next += 1;
    return true;
  }
}
