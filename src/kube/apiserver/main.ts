/**
 * Entry point of the lab apiserver: `node --import tsx src/kube/apiserver/main.ts FLAGS`
 * (the lab renders FLAGS from its config; --help lists them).
 *
 * A Kubernetes-API-compatible server over etcd for the drill lab. Concepts, one module each:
 *   flags      kube-apiserver flag names/defaults + lab-only knobs (Go durations)
 *   server     wiring and the SIGTERM sequence (readyz fails -> lease removed -> delay -> close)
 *   http       routing, authentication (auth), discovery (resources), openapi stub, tables
 *   rest       verbs on resources; lifecycle (metadata rules, graceful delete); patch; admission
 *   storage    etcd keys /registry/<resource>/[<ns>/]<name>, rv = mod revision, CAS txns, watch
 *   watch      streaming watch (resume, selectors per event, 410 on compaction, bookmarks)
 *   health     /livez /readyz /healthz with the linearizable etcd check
 *   bootstrap, reconciler, identity   the apiserver's own control loops
 * Exit codes: 0 after a graceful SIGTERM/SIGINT, 2 on a bad flag, 1 when it cannot start.
 */
import { setProcessName } from '../runtime/component.ts';
import { parseFlagsOrExit } from '../runtime/flags.ts';
import { apiserverFlags, FLAGS } from './flags.ts';
import { startApiserver } from './server.ts';

async function main(): Promise<void> {
  // The binary's name as the process name: `pgrep -x kube-apiserver` finds it, as on a node.
  setProcessName('kube-apiserver');
  const flags = parseFlagsOrExit('apiserver', process.argv.slice(2), FLAGS, apiserverFlags);
  const api = await startApiserver(flags);
  // A stray error in a client library callback (e.g. an etcd watch stream event) must not take
  // the apiserver down in the middle of a drill: log it loudly and keep serving.
  const stray = (kind: string) => (err: unknown) =>
    process.stderr.write(
      `${new Date().toISOString()} apiserver: ${kind}: ${(err as Error)?.stack ?? String(err)}\n`,
    );
  process.on('unhandledRejection', stray('unhandled rejection'));
  process.on('uncaughtException', stray('uncaught exception'));
  const onSignal = (sig: string) => {
    process.stderr.write(`${new Date().toISOString()} apiserver: received ${sig}\n`);
    api.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`apiserver: ${(err as Error).message}\n`);
  process.exit(1);
});
