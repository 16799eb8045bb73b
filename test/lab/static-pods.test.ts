/** Which static pods a lab host runs, by its role and the etcd topology (pure). */
import t from 'tap';
import { hostByName, labConfig } from '../../src/lab/config.ts';
import { staticPodNames } from '../../src/lab/static-pods.ts';

t.test('stacked: four on a control plane; external: three there and etcd on the etcd hosts', async (t) => {
  const stacked = labConfig();
  t.same(staticPodNames(stacked, hostByName(stacked, 'cp1')), [
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
  ]);
  t.same(staticPodNames(stacked, hostByName(stacked, 'w1')), [], 'a worker runs none');
  t.same(staticPodNames(stacked, hostByName(stacked, 'lb1')), [], 'an LB runs none');
  const external = labConfig({ etcd: 'external' });
  t.same(staticPodNames(external, hostByName(external, 'cp2')), [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
  ]);
  t.same(staticPodNames(external, hostByName(external, 'e3')), ['etcd']);
});
