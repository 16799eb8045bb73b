/**
 * The member-replacement script as text: valid POSIX shell in both modes, the steps in the order
 * that makes any prefix of them finishable by the heal (stop, wipe, remove the old ID, add, rejoin
 * as existing, start, healthy), `ensure` checking health first; and its output line parsed.
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ADD_RETRY_S, memberReplaceScript, parseReplaced } from '../../src/targets/kubeadm-etcd-member.ts';

const params = {
  member: 'cp2',
  peerUrl: 'https://198.18.0.12:2380',
  endpoints: ['https://198.18.0.11:2379', 'https://198.18.0.13:2379'],
  healthWaitS: 60,
  clientUrl: 'https://198.18.0.12:2379',
} as const;
const facts = { dataDir: '/var/lib/etcd', clientPort: 2379 };

t.test('both modes are valid shell with the steps in order', async (t) => {
  for (const mode of ['replace', 'ensure'] as const) {
    const s = memberReplaceScript(facts, { ...params, mode });
    t.equal(spawnSync('sh', ['-n'], { input: s }).status, 0, `${mode}: sh -n`);
    const at = (needle: string) => s.indexOf(needle);
    const order = [
      'mv -f /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/hadrill-parked/etcd.yaml',
      'rm -rf /var/lib/etcd/member',
      'ctl member remove "$old"',
      'ctl member add "$NAME" --peer-urls="$PEER"',
      '--initial-cluster-state=existing',
      'mv -n /etc/kubernetes/hadrill-parked/etcd.yaml /etc/kubernetes/manifests/etcd.yaml',
      'echo "old=$old new=$new"',
    ];
    for (const n of order) t.ok(at(n) >= 0, `${mode}: has ${n}`);
    t.same(
      order.map(at),
      [...order.map(at)].sort((a, b) => a - b),
      `${mode}: stop, wipe, remove, add, rejoin, start, report`,
    );
    t.match(s, /--endpoints='?https:\/\/198\.18\.0\.11:2379,https:\/\/198\.18\.0\.13:2379'? /);
  }
  const ensure = memberReplaceScript(facts, { ...params, mode: 'ensure' });
  t.ok(
    ensure.indexOf('nothing to heal') < ensure.indexOf('rm -rf /var/lib/etcd/member'),
    'ensure: health first',
  );
  t.notMatch(memberReplaceScript(facts, { ...params, mode: 'replace' }), /nothing to heal/);
});

t.test(
  "healthy is the member's /health on its own client URL, with the health-check client certificate",
  async (t) => {
    for (const mode of ['replace', 'ensure'] as const) {
      const s = memberReplaceScript(facts, { ...params, mode });
      t.match(
        s,
        /curl -fsS --max-time 2 --cacert \/etc\/kubernetes\/pki\/etcd\/ca\.crt --cert \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.crt --key \/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.key '?https:\/\/198\.18\.0\.12:2379\/health'?/,
        `${mode}: the client port`,
      );
      t.notMatch(
        s,
        /:2381/,
        `${mode}: never the metrics listener, which says healthy before the member serves clients`,
      );
    }
  },
);

t.test(
  "member add's output: the new ID (space-padded under 16 hex digits) and the initial cluster",
  async (t) => {
    // etcdctl prints `Member %16x added to cluster %16x`: seen in the suite with a 15-digit ID.
    const s = memberReplaceScript(facts, { ...params, mode: 'replace' });
    const lines = s.split('\n').filter((l) => l.startsWith('new=$(') || l.startsWith('ic=$('));
    t.equal(lines.length, 2);
    for (const id of ['8eaf1db30f6ca9f', '6e3bd23ae5f1eae0']) {
      const added = `Member ${id.padStart(16, ' ')} added to cluster e3fee805b34935c9\n\nETCD_NAME="cp2"\nETCD_INITIAL_CLUSTER="cp1=https://198.18.0.11:2380,cp2=https://198.18.0.12:2380"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`;
      const r = spawnSync('sh', ['-c', `added="$1"\n${lines.join('\n')}\necho "$new|$ic"`, 'sh', added], {
        encoding: 'utf8',
      });
      t.equal(r.stdout.trim(), `${id}|cp1=https://198.18.0.11:2380,cp2=https://198.18.0.12:2380`, `ID ${id}`);
    }
  },
);

t.test('member add is retried while etcd refuses it as an unhealthy cluster, and only then', async (t) => {
  const s = memberReplaceScript(facts, { ...params, mode: 'replace' });
  const loop = s.split('\n').find((l) => l.startsWith('i=0; until added=$(ctl member add'));
  t.ok(loop, 'the add loop');
  // A stand-in ctl that refuses `refusals` times, then adds (or fails otherwise); sleep skipped.
  const run = (refusals: number, other = '') =>
    spawnSync(
      'sh',
      [
        '-c',
        [
          // $(ctl ...) runs in a subshell: the count lives in a file.
          'F=$(mktemp); trap \'rm -f "$F"\' EXIT; echo 0 > "$F"; sleep() { :; }',
          `ctl() { n=$(($(cat "$F") + 1)); echo $n > "$F"; if [ $n -le ${refusals} ]; then echo 'Error: etcdserver: unhealthy cluster' >&2; return 1; fi; ${other || "echo 'Member 6e3bd23ae5f1eae0 added to cluster e3fee805b34935c9'"}; }`,
          'NAME=cp2; PEER=https://198.18.0.12:2380',
          loop!,
          'echo "calls=$(cat "$F")"; printf "%s\\n" "$added"',
        ].join('\n'),
      ],
      { encoding: 'utf8' },
    );
  const ok = run(2);
  t.equal(ok.status, 0, 'added on the third try');
  t.match(ok.stdout, /^calls=3\nMember 6e3bd23ae5f1eae0 added/);
  const never = run(1000);
  t.equal(never.status, 1, `given up after ${ADD_RETRY_S} refusals`);
  t.match(never.stderr, /unhealthy cluster/);
  const other = run(0, "echo 'Error: etcdserver: Peer URLs already exists' >&2; return 1");
  t.equal(other.status, 1, 'any other error: not retried (a timed-out add may have happened)');
  t.match(other.stderr, /Peer URLs already exists/);
  t.notMatch(other.stdout, /calls=/);
});

t.test("the script's result line", async (t) => {
  t.same(parseReplaced('old=8e9e05c52164694d new=6e3bd23ae5f1eae0\nhadrill-effect lead-ms=3 tail-ms=9\n'), {
    oldId: '8e9e05c52164694d',
    newId: '6e3bd23ae5f1eae0',
  });
  t.same(parseReplaced('old=none new=6e3bd23ae5f1eae0\n'), { oldId: null, newId: '6e3bd23ae5f1eae0' });
  t.equal(parseReplaced('garbage'), undefined);
});
