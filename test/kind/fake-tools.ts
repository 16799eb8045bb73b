/**
 * Stand-ins for `docker` and `kind` on PATH (this machine has the docker CLI but no engine, and
 * no kind): an HA cluster `ha` (3 control planes, 2 workers, the Envoy LB) that answers the
 * read-only calls the kind target makes (version, ps, inspect, get kubeconfig). Every call is
 * logged, so a test can check a dry run changed nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { testTmp } from '../helpers/temp.ts';

export interface FakeTools {
  readonly bin: string;
  readonly log: string;
  calls(): string[];
  env(): NodeJS.ProcessEnv;
}

export const FAKE_NODES = [
  ['ha-control-plane', 'control-plane', 'kindest/node:v1.33.1', '172.18.0.3'],
  ['ha-control-plane2', 'control-plane', 'kindest/node:v1.33.1', '172.18.0.4'],
  ['ha-control-plane3', 'control-plane', 'kindest/node:v1.33.1', '172.18.0.5'],
  ['ha-worker', 'worker', 'kindest/node:v1.33.1', '172.18.0.6'],
  ['ha-worker2', 'worker', 'kindest/node:v1.33.1', '172.18.0.7'],
  ['ha-external-load-balancer', 'external-load-balancer', 'docker.io/envoyproxy/envoy:v1.33.2', '172.18.0.2'],
] as const;

export function fakeTools(): FakeTools {
  const dir = testTmp('fake-kind-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  const ps = FAKE_NODES.map(([n, r, i]) => `${n}\\t${r}\\t${i}`).join('\\n');
  const inspect = FAKE_NODES.map(([n, , , ip]) => `    ${n}) echo '${ip} ';;`).join('\n');
  fs.writeFileSync(
    path.join(bin, 'docker'),
    `#!/bin/sh
echo "docker $*" >> ${log}
case "$1" in
  version) echo 28.0.0;;
  ps) case "$*" in *io.x-k8s.kind.cluster=ha\\ *) printf '${ps}\\n';; esac;;
  inspect) eval last=\\\${$#}; case "$last" in
${inspect}
    *) echo "no such container $last" >&2; exit 1;; esac;;
  *) echo "fake docker: $1 is not allowed in a dry run" >&2; exit 99;;
esac
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, 'kind'),
    `#!/bin/sh
echo "kind $*" >> ${log}
case "$1 $2" in
  "version "*) echo 'kind v0.29.0 go1.24.2 linux/amd64';;
  "get kubeconfig") cat <<'KC'
apiVersion: v1
kind: Config
clusters:
- cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}
  name: kind-ha
contexts:
- context: {cluster: kind-ha, user: kind-ha}
  name: kind-ha
current-context: kind-ha
users:
- name: kind-ha
  user: {token: fake}
KC
  ;;
  *) echo "fake kind: $* is not allowed in a dry run" >&2; exit 99;;
esac
`,
    { mode: 0o755 },
  );
  return {
    bin,
    log,
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
    env: () => ({ ...process.env, PATH: `${bin}:${process.env.PATH}` }),
  };
}
