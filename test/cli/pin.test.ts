/**
 * Resolving what a non-lab drill will use before opening it (src/cli/pin.ts): the kind cluster's
 * server read with `kind get kubeconfig` only when an entry pins one, and the context alone
 * compared (and said) when it cannot be read; the lab needs no pin and refuses
 * --allow-any-context.
 */
import t from 'tap';
import { checkPin, markedUnpinned } from '../../src/cli/pin.ts';
import type { LocalRunner } from '../../src/executors/docker.ts';
import { UNPINNED_MARK } from '../../src/slo/allowed.ts';
import { EMPTY_CONFIG } from '../../src/slo/config.ts';
import { KindTarget, openKindTarget } from '../../src/targets/kind.ts';

const KUBECONFIG = `apiVersion: v1
clusters: [{ name: kind-ha, cluster: { server: "https://127.0.0.1:41234" } }]
contexts: [{ name: kind-ha, context: { cluster: kind-ha, user: kind-ha } }]
current-context: kind-ha
`;

/** A runner that records its calls and answers `kind get kubeconfig` with `code`. */
function runner(code: number) {
  const calls: string[][] = [];
  const run: LocalRunner = async (argv) => {
    calls.push([...argv]);
    const failed = 'ERROR: could not locate any control plane nodes';
    return {
      host: 'local',
      argv,
      code,
      stdout: code === 0 ? KUBECONFIG : '',
      stderr: code === 0 ? '' : failed,
      timedOut: false,
      durationMs: 1,
    };
  };
  return { run, calls };
}

const config = (entry: Record<string, unknown>) => ({
  ...EMPTY_CONFIG,
  allowedContexts: [{ context: 'kind-ha', ...entry }],
});

/** checkPin on kind cluster `ha` with one entry for kind-ha, kind answering with `code`. */
function pinKind(entry: Record<string, unknown>, code: number, allowAnyContext = false) {
  const r = runner(code);
  const pin = checkPin({ kind: 'kind', cluster: 'ha', config: config(entry), allowAnyContext, run: r.run });
  return { pin, calls: r.calls };
}

t.test('kind: the server is read only when an entry pins one', async (t) => {
  const context = pinKind({}, 0);
  t.same(await context.pin, { kind: 'pinned', notes: [] });
  t.same(context.calls, [], 'kind was not asked');
  const server = pinKind({ server: 'https://127.0.0.1:41234' }, 0);
  t.same(await server.pin, { kind: 'pinned', notes: [] });
  t.same(server.calls, [['kind', 'get', 'kubeconfig', '--name', 'ha']]);
  await t.rejects(pinKind({ server: 'https://127.0.0.1:1' }, 0).pin, {
    message:
      /server: the kubeconfig's is https:\/\/127\.0\.0\.1:41234, the entry says https:\/\/127\.0\.0\.1:1/,
    exitCode: 2,
  });
});

t.test(
  'kind: a server that cannot be read (no cluster yet, no engine): the context alone, said',
  async (t) => {
    t.same(await pinKind({ server: 'https://127.0.0.1:1' }, 1).pin, {
      kind: 'pinned',
      notes: [
        'server not compared (context only): kind get kubeconfig --name ha failed (ERROR: could not locate any control plane nodes)',
      ],
    });
  },
);

t.test('kind: a bad cluster name first; --allow-any-context reads nothing', async (t) => {
  await t.rejects(
    checkPin({ kind: 'kind', cluster: 'Bad_Name', config: EMPTY_CONFIG, allowAnyContext: true }),
    {
      message: /--cluster 'Bad_Name': use lowercase letters/,
    },
  );
  const any = pinKind({ server: 'https://x:1' }, 0, true);
  t.equal((await any.pin)?.kind, 'unpinned');
  t.same(any.calls, []);
});

t.test('lab: no pin; --allow-any-context refused', async (t) => {
  t.equal(await checkPin({ kind: 'lab', config: EMPTY_CONFIG, allowAnyContext: false }), undefined);
  await t.rejects(checkPin({ kind: 'lab', config: EMPTY_CONFIG, allowAnyContext: true }), {
    message: /--allow-any-context does not apply to --target lab/,
    exitCode: 2,
  });
});

t.test('--allow-any-context: the run is marked in the target name, the target works as opened', async (t) => {
  // A kind target planned from its config (no engine answers): nothing runs.
  const target = await openKindTarget({ cluster: 'ha', dryRun: true, run: runner(1).run });
  const marked = markedUnpinned(target);
  t.equal(marked.topology.name, `kind-ha (LB: single point of failure) ${UNPINNED_MARK}`);
  t.equal(target.topology.name, 'kind-ha (LB: single point of failure)', 'the opened target is unchanged');
  t.ok(marked instanceof KindTarget, 'still the kind target');
  t.equal(marked.executor, target.executor);
  t.same((marked as KindTarget).notes, target.notes);
  t.same(marked.topology.hosts, target.topology.hosts);
  // What a method stores lands on the opened target (closed by the drill with it).
  const probe = marked as unknown as { remember(): void; remembered?: boolean };
  (target as unknown as { remember: () => void }).remember = function (this: { remembered?: boolean }) {
    this.remembered = true;
  };
  probe.remember();
  t.equal((target as unknown as { remembered?: boolean }).remembered, true);
  await marked.close();
});
