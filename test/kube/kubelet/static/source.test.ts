/**
 * The file source on a real directory: file events at once, the periodic rescan, a directory that
 * appears later, two files naming the same pod, subdirectories not recursed into.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { StaticPod } from '../../../../src/kube/kubelet/static/manifest.ts';
import { FileSource } from '../../../../src/kube/kubelet/static/source.ts';
import { layout, manifest, recorder, sleepMs, waitFor } from './helpers.ts';

function source(t: { teardown(fn: () => unknown): void }, dir: string, periodMs: number) {
  const sets: { at: number; pods: readonly StaticPod[] }[] = [];
  const s = new FileSource({
    dir,
    nodeName: 'cp1',
    periodMs,
    log: recorder().log,
    onPods: (pods) => sets.push({ at: Date.now(), pods }),
  });
  t.teardown(() => s.stop());
  const names = () => (sets.at(-1)?.pods ?? []).map((p) => p.pod.metadata?.name).sort();
  return { s, sets, names };
}

t.test('events at once; rename out of the directory drops the pod', async (t) => {
  const l = await layout(t);
  await mkdir(l.manifests);
  const { s, names } = source(t, l.manifests, 60_000);
  await s.start();
  t.same(names(), [], 'empty directory: an empty set (the source is marked seen)');
  await writeFile(path.join(l.manifests, 'etcd.yaml'), manifest({ name: 'etcd', command: ['sleep', '1'] }));
  await waitFor('etcd', 1000, () => names().includes('etcd-cp1'));
  await mkdir(path.join(l.manifests, 'sub'));
  await writeFile(path.join(l.manifests, 'sub', 'x.yaml'), manifest({ name: 'x', command: ['sleep', '1'] }));
  await rename(path.join(l.manifests, 'etcd.yaml'), path.join(l.base, 'parked.yaml'));
  await waitFor('etcd gone', 1000, () => names().length === 0);
  t.pass('rename away is a delete (Rename → podDelete)');
});

t.test('the rescan every fileCheckFrequency replaces the set; the last file naming a pod wins', async (t) => {
  const l = await layout(t);
  await mkdir(l.manifests);
  await writeFile(path.join(l.manifests, 'a.yaml'), manifest({ name: 'same', command: ['sleep', '1'] }));
  await writeFile(path.join(l.manifests, 'b.yaml'), manifest({ name: 'same', command: ['sleep', '2'] }));
  const { s, sets, names } = source(t, l.manifests, 300);
  await s.start();
  t.same(names(), ['same-cp1'], 'one pod per <ns>/<name>');
  t.equal(sets.at(-1)?.pods[0]?.file, path.join(l.manifests, 'b.yaml'), 'sorted, the later file wins');
  const n = sets.length;
  await sleepMs(1000);
  t.ok(
    sets.length - n >= 2 && sets.length - n <= 4,
    `listed again every 300 ms (${sets.length - n} lists in 1 s)`,
  );
});

t.test('a static pod path that appears later is picked up', async (t) => {
  const l = await layout(t);
  const { s, names } = source(t, l.manifests, 60_000);
  await s.start();
  t.same(names(), []);
  await mkdir(l.manifests);
  await writeFile(path.join(l.manifests, 'etcd.yaml'), manifest({ name: 'etcd', command: ['sleep', '1'] }));
  await waitFor('etcd after the directory appeared', 3000, () => names().includes('etcd-cp1'));
});
