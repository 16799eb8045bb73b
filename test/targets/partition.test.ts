import t from 'tap';
import { ETCD_PARTITION, healPartitionScript, partitionScript } from '../../src/targets/partition.ts';

t.test('partition script: one chain, loopback exempt, client and peer ports cut', async (t) => {
  const s = partitionScript(ETCD_PARTITION);
  t.match(s, /-N HADRILL-PARTITION/);
  t.match(s, /-I INPUT 1 -j HADRILL-PARTITION/);
  t.match(s, /! -i lo -p tcp -m multiport --dports 2379,2380 -j DROP/);
  t.match(s, /! -i lo -p tcp -m multiport --sports 2380 -j DROP/);
});

t.test('heal script removes only its own chain and is idempotent by construction', async (t) => {
  const h = healPartitionScript();
  t.match(h, /-D INPUT -j HADRILL-PARTITION/);
  t.match(h, /-X HADRILL-PARTITION/);
  t.notMatch(h, /-F INPUT|-P INPUT/, 'never flushes or re-polices INPUT');
});
