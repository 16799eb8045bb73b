/**
 * The iptables partition scripts: their text, and a real run in a private network and PID
 * namespace (`unshare -n -p`: its own iptables, and pgrep sees only this test's timer).
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { shellQuote } from '../../src/executors/ssh.ts';
import {
  ETCD_PARTITION,
  etcdPartition,
  healPartitionScript,
  partitionScript,
  showPartitionScript,
} from '../../src/targets/partition.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/partition.root.test.ts', ['unshare', 'iptables', 'pgrep']);
const inNetns = (script: string) =>
  spawnSync('unshare', ['-n', '-m', '-p', '-f', '--mount-proc', 'sh', '-c', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });

t.test('partition script: one chain, loopback exempt, client and peer ports cut', async (t) => {
  const s = partitionScript(ETCD_PARTITION);
  t.match(s, /-N HADRILL-PARTITION/);
  t.match(s, /-I INPUT 1 -j HADRILL-PARTITION/);
  t.match(s, /! -i lo -p tcp -m multiport --dports 2379,2380 -j DROP/);
  t.match(s, /! -i lo -p tcp -m multiport --sports 2380 -j DROP/);
  t.same(etcdPartition(12379, 12380), { etcd: true, dports: [12379, 12380], sports: [12380] });
});

t.test('heal script removes only its own chain and is idempotent by construction', async (t) => {
  const h = healPartitionScript();
  t.match(h, /-D INPUT -j HADRILL-PARTITION/);
  t.match(h, /-X HADRILL-PARTITION/);
  t.notMatch(h, /-F INPUT|-P INPUT/, 'never flushes or re-polices INPUT');
});

t.test('for real: the expiry timer is armed before the first rule and removes the partition', async (t) => {
  const spec = { ...etcdPartition(12379, 12380), expireAfterS: 1 };
  const r = inNetns(
    [
      `sh -c ${shellQuote(partitionScript(spec))}; echo "rc=$?"`,
      `echo "== rules"; sh -c ${shellQuote(showPartitionScript())}`,
      'sleep 2',
      `echo "== expired"; sh -c ${shellQuote(showPartitionScript())}; echo "rc=$?"`,
    ].join('\n'),
  );
  t.match(
    r.stdout,
    /^rc=0\n== rules\n-A HADRILL-PARTITION ! -i lo -p tcp -m multiport --dports 12379,12380 -j DROP\n-A HADRILL-PARTITION ! -i lo -p tcp -m multiport --sports 12380 -j DROP\n/,
    r.stderr,
  );
  t.match(r.stdout, /== expired\nrc=[1-9]/, 'gone after its expiry, with no heal');
  // A script that fails at its first rule (a chain name iptables refuses) has already armed its timer.
  const bad = { ...spec, expireAfterS: 30, chain: 'HADRILL-A-CHAIN-NAME-FAR-TOO-LONG-FOR-IPTABLES' };
  const f = inNetns(
    [
      `sh -c ${shellQuote(partitionScript(bad))}; echo "rc=$?"`,
      `pgrep -fc 'hadrill-expir[e]-${bad.chain}'`,
      `sh -c ${shellQuote(healPartitionScript(bad.chain))}; echo "heal=$?"`,
      'sleep 0.2',
      `pgrep -fc 'hadrill-expir[e]-${bad.chain}'`,
    ].join('\n'),
  );
  t.match(f.stdout, /^rc=[1-9]\d*\n[1-9]\nheal=0\n0\n/, `${f.stdout} ${f.stderr}`);
});
