/**
 * One apiserver instance: the etcd client, the HTTPS listener (with /metrics from this
 * instance's own registry), bootstrap, the endpoint reconciler and identity lease loops, and the
 * graceful shutdown sequence (readyz fails at once,
 * the master lease key is removed and endpoints reconciled, then after --shutdown-delay-duration
 * the listener and every watch are closed; with --shutdown-send-retry-after the listener first
 * answers new requests 429 + Retry-After until those in flight drain: retry-after.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import os from 'node:os';
import { sleep } from '../runtime/loop.ts';
import { newComponentRegistry } from '../runtime/metrics.ts';
import { Authenticator, loadTokenFile } from './auth.ts';
import { bootstrap } from './bootstrap.ts';
import { newEtcdClient } from './etcd-client.ts';
import type { ApiserverFlags } from './flags.ts';
import { type Check, etcdCheck } from './health.ts';
import { createHandler } from './http.ts';
import { IdentityLease } from './identity.ts';
import { ApiserverMetrics } from './metrics.ts';
import { LeaseEndpointReconciler } from './reconciler.ts';
import { Rest } from './rest.ts';
import { retryAfterGate } from './retry-after.ts';
import { Store } from './storage.ts';

export interface RunningApiserver {
  readonly server: Server;
  readonly store: Store;
  /** Resolves when the bootstrap objects exist. */
  readonly bootstrapped: Promise<void>;
  /** SIGTERM behaviour: readyz fails, lease removed, delay, close. */
  shutdown(): Promise<void>;
}

export async function startApiserver(
  f: ApiserverFlags,
  log: (msg: string) => void = (m) => process.stderr.write(`${new Date().toISOString()} apiserver: ${m}\n`),
): Promise<RunningApiserver> {
  const tokens = f.tokenAuthFile ? loadTokenFile(f.tokenAuthFile) : new Map();
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`--${flag} ${file}: cannot read it (${(err as Error).message})`);
    }
  };
  const cert = read('tls-cert-file', f.tlsCertFile);
  const key = read('tls-private-key-file', f.tlsPrivateKeyFile);
  const ca = f.clientCaFile ? read('client-ca-file', f.clientCaFile) : undefined;

  const etcd = newEtcdClient({ servers: f.etcdServers, ...f.etcdTls });
  const store = new Store(etcd);

  let shuttingDown = false;
  let bootstrappedOk = false;
  const etcdOk = etcdCheck(etcd);
  const ok: Check = () => {};
  const livez: [string, Check][] = [
    ['ping', ok],
    ['log', ok],
    ['etcd', etcdOk],
    ['poststarthook/start-apiextensions-informers', ok],
  ];
  const bootstrapHook: [string, Check] = [
    'poststarthook/bootstrap-controller',
    () => {
      if (!bootstrappedOk) throw new Error('not yet');
    },
  ];
  const healthz: [string, Check][] = [...livez, bootstrapHook];
  const readyz: [string, Check][] = [
    ...livez,
    ['etcd-readiness', etcdOk],
    ['informer-sync', ok],
    bootstrapHook,
    [
      'shutdown',
      () => {
        if (shuttingDown) throw new Error('shutting down');
      },
    ],
  ];

  const registry = newComponentRegistry();
  const requests = new ApiserverMetrics(registry);
  const watches = new Set<() => void>();
  const rest = new Rest(store, {
    notReadyTolerationSeconds: f.defaultNotReadyTolerationSeconds,
    unreachableTolerationSeconds: f.defaultUnreachableTolerationSeconds,
  });
  const handler = createHandler({
    rest,
    auth: new Authenticator(tokens, ca !== undefined),
    health: { livez, readyz, healthz },
    serverAddress: `${f.advertiseAddress}:${f.securePort}`,
    watch: {
      register: (stop) => {
        watches.add(stop);
        return () => watches.delete(stop);
      },
    },
    ...(f.logRequests ? { log } : {}),
    metrics: { registry, requests },
  });
  const gate = retryAfterGate();
  const server = createServer(
    { cert, key, ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}) },
    gate.wrap(handler),
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${f.bindAddress}:${f.securePort}: ${err.message}`)),
    );
    server.listen(f.securePort, f.bindAddress, () => resolve());
  });
  log(
    `serving on https://${f.bindAddress}:${f.securePort} (advertise ${f.advertiseAddress}), etcd ${f.etcdServers.join(',')}`,
  );

  const reconciler =
    f.endpointReconcilerType === 'lease'
      ? new LeaseEndpointReconciler(store, {
          ip: f.advertiseAddress,
          port: f.securePort,
          ttlS: Math.max(1, Math.round(f.masterLeaseTtlMs / 1000)),
          intervalMs: f.endpointReconcilerIntervalMs,
          log,
        })
      : undefined;
  const identity = new IdentityLease(store, {
    host: f.identityHostname,
    hostname: os.hostname(),
    durationS: f.identityLeaseDurationSeconds,
    renewIntervalMs: f.identityLeaseRenewIntervalSeconds * 1000,
    log,
  });

  // Bootstrap retries until etcd answers; the loops start once the namespaces exist.
  const bootstrapped = (async () => {
    for (let attempt = 0; !shuttingDown; attempt++) {
      try {
        await bootstrap(store, f.securePort, ca?.toString('utf8'));
        bootstrappedOk = true;
        log('bootstrap done: system namespaces and default/kubernetes service exist');
        reconciler?.start();
        identity.start();
        return;
      } catch (err) {
        if (attempt % 10 === 0) log(`bootstrap: ${(err as Error).message} (retrying)`);
        await sleep(500);
      }
    }
  })();

  let shutdownP: Promise<void> | undefined;
  const shutdown = () => {
    shutdownP ??= (async () => {
      shuttingDown = true;
      log('shutdown: readyz now fails');
      await identity.stop().catch(() => {});
      if (reconciler && bootstrappedOk) {
        await reconciler
          .stop(true)
          .then(() => log('shutdown: master lease removed, endpoints reconciled'))
          .catch((err) => log(`shutdown: removing the master lease failed: ${(err as Error).message}`));
      }
      if (f.shutdownDelayMs > 0) await sleep(f.shutdownDelayMs);
      if (f.shutdownSendRetryAfter) {
        // The listener stays open: new requests get 429 + Retry-After until those in flight are done
        // (upstream bounds the drain by the request timeout, 60 s by default).
        gate.reject();
        log(`shutdown: delay elapsed; answering 429 while ${gate.inFlight()} request(s) drain`);
        await gate.drained(60_000);
      }
      for (const stop of [...watches]) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      etcd.close();
      requests.stop();
      log('shutdown: done');
    })();
    return shutdownP;
  };
  return { server, store, bootstrapped, shutdown };
}
