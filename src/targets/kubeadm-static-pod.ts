/**
 * Static pods of a kubeadm node as shell scripts: find the component's process (its container's
 * PID through `crictl` when the node has a CRI runtime, else `pgrep -x` on the process name, as
 * on a host whose kubelet runs host binaries), signal it, and park its manifest outside
 * /etc/kubernetes/manifests so the kubelet does not start it again.
 *
 * The signal comes first, then the manifest moves, in one script: moving the manifest first would
 * let the kubelet's file source turn the rename into a pod delete and stop the pod gracefully
 * (kubernetes/kubernetes pkg/kubelet/config/file_linux.go: a rename out of the directory is a
 * delete), so a "KILL" would run the graceful shutdown path.
 */
import { HOST_TIMING_MARK } from './host-timing.ts';

export const MANIFEST_DIR = '/etc/kubernetes/manifests';
/** Outside the manifest dir, so the kubelet does not load parked manifests. */
export const PARKED_DIR = '/etc/kubernetes/hadrill-parked';

/**
 * The name `pgrep -x` matches: the kernel's comm, the executable's basename truncated to 15
 * characters (TASK_COMM_LEN 16 with the NUL); procps pgrep warns and matches nothing for a longer
 * pattern (`kube-controller-manager` → `kube-controller`).
 */
export const commName = (binary: string): string => binary.slice(0, 15);

/**
 * Shell that sets `pids` to the live (not zombie) PIDs of the component: with `crictl`, the PID of
 * each running container named exactly `c` (`crictl inspect -o go-template --template
 * '{{.info.pid}}'`, the PID the runtime reports in the container's info); without, `pgrep -x`.
 */
export function findPids(c: string): string {
  return [
    'pids=',
    'if command -v crictl >/dev/null 2>&1; then',
    `  for id in $(crictl ps -q --name '^${c}$' --state running); do pids="$pids $(crictl inspect -o go-template --template '{{.info.pid}}' "$id")"; done`,
    'else',
    `  pids=$(pgrep -x '${commName(c)}' || true)`,
    'fi',
    // A killed process stays a zombie until its parent reaps it: it is not running.
    'live=; for p in $pids; do [ "$p" -gt 0 ] 2>/dev/null && ! grep -q \'^State:.*Z\' /proc/$p/status 2>/dev/null && [ -e /proc/$p ] && live="$live $p"; done; pids=$(echo $live)',
  ].join('\n');
}

/** Exit 0 printing the PID when the component runs, 3 when it does not. */
export function runningStaticPod(c: string): string {
  return [
    findPids(c),
    `[ -n "$pids" ] || { echo '${c} is not running' >&2; exit 3; }`,
    'set -- $pids; echo "$1"',
  ].join('\n');
}

/**
 * Stops a static pod. KILL: the component's process(es) get SIGKILL by PID, then the manifest is
 * parked (at once, in the same script), so the kill is hard whatever the kubelet does next.
 * TERM: the manifest is parked first and the kubelet stops the pod as it stops any deleted pod:
 * one SIGTERM, then the pod's grace period (pkg/kubelet/config/file_linux.go turns the rename into
 * a pod delete). A SIGTERM of ours as well would be a second one, and upstream components exit at
 * once on a second signal (k8s.io/apiserver/pkg/server/signal.go `SetupSignalContext`: "If a
 * second signal is caught, the program is terminated with exit code 1"), cutting short the very
 * graceful path the drill measures (kube-scheduler's Lease release on cancel, kube-apiserver's
 * shutdown). TERM waits until the process is gone (up to `goneWaitS`) and prints how long that
 * took after the park (host-timing tail: the effect, the kubelet's SIGTERM, comes right after
 * the park). Prints the PIDs it stopped (the proof's PID). Idempotent: a parked manifest and no
 * process is success.
 */
export function stopStaticPod(c: string, signal: 'KILL' | 'TERM', goneWaitS = 90): string {
  const m = `${MANIFEST_DIR}/${c}.yaml`;
  const p = `${PARKED_DIR}/${c}.yaml`;
  const head = [
    'set -e',
    `[ -f ${m} ] || [ -f ${p} ] || { echo 'no manifest ${m} (nor parked in ${PARKED_DIR})' >&2; exit 3; }`,
    findPids(c),
  ];
  if (signal === 'KILL')
    return [
      ...head,
      // A process that exited since it was found is no failure; `running` afterwards is the check.
      `[ -z "$pids" ] || kill -KILL $pids || echo "some of $pids had already exited" >&2`,
      `mkdir -p ${PARKED_DIR}`,
      `[ ! -f ${m} ] || mv -f ${m} ${p}`,
      'echo "$pids"',
    ].join('\n');
  return [
    ...head,
    'stopped="$pids"',
    `mkdir -p ${PARKED_DIR}`,
    's0=$(date +%s%3N)',
    `[ ! -f ${m} ] || mv -f ${m} ${p}`,
    'set +e',
    'for old in $stopped; do',
    ...waitGone(
      goneWaitS,
      `echo "${c} (pid $old) did not stop within ${goneWaitS} s of its manifest leaving: is the kubelet running?" >&2; exit 1;`,
    ).map((l) => `  ${l}`),
    'done',
    'echo "$stopped"',
    `[ -z "$stopped" ] || echo "${HOST_TIMING_MARK} lead-ms=0 tail-ms=$(( $(date +%s%3N) - s0 ))"`,
  ].join('\n');
}

/**
 * Shell lines: wait up to `waitS` for the process `$old` to be gone (a zombie counts as gone),
 * polling every 0.2 s ($i counts the polls); past that, `timedOut` runs (it must exit).
 */
function waitGone(waitS: number, timedOut: string): string[] {
  return [
    "i=0; while [ -e /proc/$old ] && ! grep -q '^State:.*Z' /proc/$old/status 2>/dev/null; do",
    `  i=$((i+1)); [ $i -lt ${waitS * 5} ] || { ${timedOut} }`,
    '  sleep 0.2',
    'done',
  ];
}

/**
 * Shell lines: wait up to `waitS` for the component's process, polling every 0.2 s ($i counts
 * the polls); when it runs, `found` runs with `$1` its pid; else exit 1 saying so.
 */
function waitRunning(c: string, waitS: number, found: string): string[] {
  return [
    `i=0; while [ $i -lt ${waitS * 5} ]; do`,
    findPids(c).replace(/^/gm, '  '),
    `  [ -z "$pids" ] || { set -- $pids; ${found} }`,
    '  sleep 0.2; i=$((i+1))',
    'done',
    `echo '${c} did not start within ${waitS} s of its manifest coming back' >&2; exit 1`,
  ];
}

/**
 * Puts the parked manifest back and waits until the component runs. Never overwrites a live
 * manifest: when both exist, the live one stays (said on stderr) and the parked copy is left.
 */
export function startStaticPod(c: string, waitS: number): string {
  const m = `${MANIFEST_DIR}/${c}.yaml`;
  const p = `${PARKED_DIR}/${c}.yaml`;
  return [
    `if [ -f ${p} ]; then`,
    `  if [ -f ${m} ]; then echo 'live manifest ${m} kept; the parked copy ${p} is not put back' >&2`,
    `  else mv -n ${p} ${m}; fi`,
    'fi',
    `[ -f ${m} ] || { echo 'no manifest ${m} (nor parked in ${PARKED_DIR})' >&2; exit 3; }`,
    ...waitRunning(c, waitS, 'echo "$1"; exit 0;'),
  ].join('\n');
}

/**
 * The static-pod manifest cycle of a maintenance or upgrade (rolling-restart): the manifest moves
 * out of the manifest dir, so the kubelet stops the pod gracefully (SIGTERM, then the pod's
 * grace period: pkg/kubelet/config/file_linux.go turns the rename into a pod delete, and the pod
 * worker kills it with its terminationGracePeriodSeconds), waits until the process is gone, moves
 * the manifest back and waits until the component runs again. kubeadm upgrade writes a new
 * manifest in place instead, which the kubelet handles the same way: the old pod stopped
 * gracefully, then the new one started (cmd/kubeadm/app/phases/upgrade/staticpods.go
 * `upgradeComponent`). Prints `<old pid> <new pid>` and, on stderr, how long each half took.
 * Never overwrites a manifest: when a parked copy already exists (an earlier stop), the cycle
 * refuses (exit 4) and the heal puts it back.
 */
export function cycleStaticPod(c: string, goneWaitS: number, startWaitS: number): string {
  const m = `${MANIFEST_DIR}/${c}.yaml`;
  const p = `${PARKED_DIR}/${c}.yaml`;
  return [
    `[ -f ${m} ] || { echo 'no manifest ${m}' >&2; exit 3; }`,
    `[ ! -f ${p} ] || { echo 'a parked manifest ${p} is already there: heal first' >&2; exit 4; }`,
    findPids(c),
    `[ -n "$pids" ] || { echo '${c} is not running' >&2; exit 3; }`,
    'set -- $pids; old=$1',
    `mkdir -p ${PARKED_DIR}`,
    `mv ${m} ${p}`,
    ...waitGone(
      goneWaitS,
      `mv -n ${p} ${m}; echo "${c} (pid $old) did not stop within ${goneWaitS} s of its manifest leaving; manifest put back" >&2; exit 1;`,
    ),
    `echo "stopped after $((i / 5)).$((i % 5 * 2)) s" >&2`,
    `mv -n ${p} ${m}`,
    ...waitRunning(
      c,
      startWaitS,
      'echo "started after $((i / 5)).$((i % 5 * 2)) s" >&2; echo "$old $1"; exit 0;',
    ),
  ].join('\n');
}

/**
 * Where each static pod's readiness is read on its host, as kubeadm's own probes read it
 * (cmd/kubeadm/app/phases/controlplane/manifests.go and etcd/local.go: the apiserver's /readyz on
 * its secure port, controller-manager's and scheduler's /healthz on 10257 and 10259, etcd's
 * /health on its metrics listener, http://127.0.0.1:2381). Anonymous: those paths are always
 * allowed (--authorization-always-allow-paths, and the apiserver's system:public-info-viewer).
 */
export function readyUrl(
  c: string,
  o: { readonly apiserverPort?: number; readonly etcdMetricsUrl?: string } = {},
): string {
  switch (c) {
    case 'kube-apiserver':
      return `https://127.0.0.1:${o.apiserverPort ?? 6443}/readyz`;
    case 'kube-controller-manager':
      return 'https://127.0.0.1:10257/healthz';
    case 'kube-scheduler':
      return 'https://127.0.0.1:10259/healthz';
    case 'etcd':
      return (o.etcdMetricsUrl ?? 'http://127.0.0.1:2381/metrics').replace(/\/metrics$/, '/health');
    default:
      throw new Error(`no readiness endpoint for ${c}`);
  }
}

/**
 * Waits up to `waitS` until the component answers ready at `url` (HTTP 2xx; etcd: `"health":
 * "true"` in the body); prints how long it waited. Exit 1 with the last answer when it does not.
 */
export function waitReadyScript(c: string, url: string, waitS: number): string {
  const u = `'${url.replaceAll("'", `'\\''`)}'`;
  const ok = c === 'etcd' ? `printf '%s' "$out" | grep -q '"health": *"true"'` : 'true';
  return [
    `i=0; while [ $i -lt ${waitS * 5} ]; do`,
    `  if out=$(curl -fsSk --max-time 2 ${u} 2>&1) && ${ok}; then echo "${c} ready after $((i / 5)).$((i % 5 * 2)) s"; exit 0; fi`,
    '  sleep 0.2; i=$((i+1))',
    'done',
    `echo "${c} not ready at ${url} within ${waitS} s: $out" >&2; exit 1`,
  ].join('\n');
}
