/**
 * The member-replacement script as text: valid POSIX shell in both modes, the steps in the order
 * that makes any prefix of them finishable by the heal (stop, wipe, remove the old ID, add, rejoin
 * as existing, start, healthy), `ensure` checking health first; and its output line parsed.
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { memberReplaceScript, parseReplaced } from '../../src/targets/kubeadm-etcd-member.ts';

const params = {
  member: 'cp2',
  peerUrl: 'https://198.18.0.12:2380',
  endpoints: ['https://198.18.0.11:2379', 'https://198.18.0.13:2379'],
  healthWaitS: 60,
  healthUrl: 'http://127.0.0.1:2381/health',
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

t.test("the script's result line", async (t) => {
  t.same(parseReplaced('old=8e9e05c52164694d new=6e3bd23ae5f1eae0\nhadrill-effect lead-ms=3 tail-ms=9\n'), {
    oldId: '8e9e05c52164694d',
    newId: '6e3bd23ae5f1eae0',
  });
  t.same(parseReplaced('old=none new=6e3bd23ae5f1eae0\n'), { oldId: null, newId: '6e3bd23ae5f1eae0' });
  t.equal(parseReplaced('garbage'), undefined);
});
