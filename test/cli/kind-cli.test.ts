/**
 * The drill CLI on a kind target with a stand-in docker (test/targets/kind-fake-docker.ts) and a
 * heal journal of the test's own (HADRILL_JOURNAL): `--dry-run` without a Docker engine prints
 * the plan from kind-configs/ha-3cp.yaml and exits 0; a kind drill's journal entry names the
 * kind cluster and `drill recover` replays its heal through docker; bad input exits 2 saying what
 * to fix. The CLI runs in this process (helpers/drill-in-process.ts), except the `recover` that
 * heals the kind drill: a process of its own, as a user runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { journalHooks, targetRef } from '../../src/cli/safety.ts';
import { linkDownFault } from '../../src/faults/network.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import { openKindTarget } from '../../src/targets/kind.ts';
import { runCli } from '../helpers/cli.ts';
import { drillInProcess } from '../helpers/drill-in-process.ts';
import { fakeDocker, LB } from '../targets/kind-fake-docker.ts';

const fake = fakeDocker();
const journalFile = path.join(fake.dir, 'journal', 'heal-journal.jsonl');
const saved = { PATH: process.env.PATH, HADRILL_JOURNAL: process.env.HADRILL_JOURNAL };
t.teardown(() => {
  Object.assign(process.env, saved);
  if (saved.HADRILL_JOURNAL === undefined) delete process.env.HADRILL_JOURNAL;
  fake.remove();
});
process.env.PATH = fake.path();
process.env.HADRILL_JOURNAL = journalFile;

/** The CLI's code in this process (helpers/drill-in-process.ts). */
async function drill(...args: string[]) {
  const r = await drillInProcess(args);
  return { ...r, out: `${r.stdout}${r.stderr}` };
}

/** The CLI as a user starts it: `recover` after a killed drill, in a process of its own. */
async function drillProcess(...args: string[]) {
  const r = await runCli('drill', args, { timeoutMs: 120_000 });
  return { ...r, out: `${r.stdout}${r.stderr}` };
}

/** A drill config pinning kind clusters (allowedContexts, src/slo/allowed.ts). */
const pinConfig = (name: string, text: string) => {
  const file = path.join(fake.dir, `${name}.drill.yaml`);
  fs.writeFileSync(file, text);
  return file;
};

/** The default kind cluster pinned by its context (the plans below read no server). */
const pinned = pinConfig('kind', 'allowedContexts: [kind-kind]\n');

t.test('--dry-run without a Docker engine: the plan from the default config, exit 0', async (t) => {
  fake.engine(false);
  t.teardown(() => fake.engine(true));
  const r = await drill('apiserver-kill', '--target', 'kind', '--dry-run', '--config', pinned);
  t.equal(r.code, 0, r.out);
  t.match(r.stdout, /^plan: apiserver-kill on kind-kind \(LB: single point of failure\)/m);
  t.match(r.stdout, /^note: planned from kind-configs\/ha-3cp\.yaml: no Docker engine answered/m);
  t.match(r.stdout, /^note: a drill reads from the live cluster instead: node addresses/m);
  t.match(r.stdout, /^\d+\. inject on kind-control-plane: sh -c /m);
  t.match(
    r.stdout,
    /^\d+\. heal on kind-control-plane: .*mv -n \/etc\/kubernetes\/hadrill-parked\/kube-apiserver\.yaml/m,
  );
  /** A plan of lb-stop on the pinned default cluster. */
  const planLb = (...a: string[]) =>
    drill('lb-stop', ...a, '--target', 'kind', '--dry-run', '--config', pinned);
  const lb = await planLb();
  t.equal(lb.code, 0, lb.out);
  t.match(lb.stdout, /inject on local: .*docker network disconnect kind kind-external-load-balancer/);
  t.match(lb.stdout, /heal on local: .*docker network connect kind kind-external-load-balancer/);
  const onlyLb = 'it would stop the only API load balancer';
  t.match(lb.stdout, new RegExp(`^interlocks: REFUSED without --allow-unsafe lb-stop: ${onlyLb}`, 'm'));
  const unsafe = await planLb('--allow-unsafe', 'lb-stop');
  t.equal(unsafe.code, 0, unsafe.out);
  t.match(unsafe.stdout, new RegExp(`^interlocks: passed by --allow-unsafe lb-stop: ${onlyLb}`, 'm'));
  const kill = await planLb('--variant', 'services');
  t.match(kill.stdout, /inject on local: .*docker kill kind-external-load-balancer/);
  t.notMatch(kill.stdout, /docker stop/);
  t.same(
    fake.calls().filter((c) => !(c[0] === 'docker' && c[1] === 'version')),
    [],
    'only docker version was asked (no entry pins a server: kind get kubeconfig is not run)',
  );
});

t.test('allowedContexts pins a kind cluster by context and server, before anything is opened', async (t) => {
  const at = (server: string) =>
    pinConfig('ha', `allowedContexts:\n  - { context: kind-ha, server: "${server}" }\n`);
  const before = fake.calls().length;
  const wrong = await drill(
    'lb-stop',
    '--target',
    'kind',
    '--cluster',
    'ha',
    '--config',
    at('https://127.0.0.1:5555'),
  );
  t.equal(wrong.code, 2, wrong.out);
  t.match(
    wrong.stderr,
    /kind cluster ha \(context kind-ha\) does not match allowedContexts:\n {2}allowedContexts\[0\]\.server: the kubeconfig's is https:\/\/127\.0\.0\.1:41234, the entry says https:\/\/127\.0\.0\.1:5555\n[\s\S]*or pass --allow-any-context/,
  );
  t.same(
    fake.calls().slice(before),
    [['kind', 'get', 'kubeconfig', '--name', 'ha']],
    'only the kubeconfig was read: nothing opened',
  );
  const plan = await drill(
    'lb-stop',
    '--target',
    'kind',
    '--cluster',
    'ha',
    '--dry-run',
    '--config',
    at('https://127.0.0.1:41234/'),
  );
  t.equal(plan.code, 0, plan.out);
  t.match(plan.stdout, /^plan: lb-stop on kind-ha/m);
  t.match(
    wrong.stderr,
    /write this entry .*:\n {4}allowedContexts:\n {6}- context: kind-ha\n {8}server: https:\/\/127\.0\.0\.1:41234\n/,
  );
});

t.test("--dry-run: the cluster lock, and --keep-snapshot keeping etcd-restore's snapshot", async (t) => {
  fake.engine(false);
  t.teardown(() => fake.engine(true));
  const removed = await drill('etcd-restore', '--target', 'kind', '--dry-run', '--config', pinned);
  t.equal(removed.code, 0, removed.out);
  t.match(
    removed.stdout,
    /^lock: \/var\/lib\/ha-drill\/drill\.lock on kind-control-plane, kind-control-plane2, kind-control-plane3 \(a majority must take it; .*Lease kube-system\/ha-drill/m,
  );
  t.match(
    removed.stdout,
    /heal on kind-control-plane3: sh -c "rm -f \/var\/lib\/etcd\/hadrill-snapshot\.db /,
  );
  t.notMatch(removed.stdout, /chmod 600/);
  const kept = await drill(
    'etcd-restore',
    '--target',
    'kind',
    '--dry-run',
    '--config',
    pinned,
    '--keep-snapshot',
  );
  t.equal(kept.code, 0, kept.out);
  t.match(
    kept.stdout,
    /heal on kind-control-plane3: sh -c "rm -f \/var\/lib\/etcd\/hadrill-snapshot\.db\.part\\nif \[ -e \/var\/lib\/etcd\/hadrill-snapshot\.db \]; then chmod 600 /,
  );
  t.match(kept.stdout, /expect: the snapshot copy kept \(0600\); prints its path/);
  t.notMatch(kept.stdout, /rm -f \/var\/lib\/etcd\/hadrill-snapshot\.db /, 'nothing removes it');
  // `all` takes it (it runs etcd-restore): it answers exactly as without the flag.
  const all = await drill('all', '--target', 'kind', '--dry-run', '--config', pinned, '--keep-snapshot');
  const plain = await drill('all', '--target', 'kind', '--dry-run', '--config', pinned);
  t.equal(all.code, plain.code);
  t.equal(all.stderr, plain.stderr);
  // Planned from the config, nothing of the cluster is contacted: the scenarios whose aim only the
  // running cluster knows are said, not planned; the one LB needs no VIP holder.
  t.equal(plain.code, 0, plain.out);
  t.equal(
    (plain.stdout.match(/^plan: /gm) ?? []).length,
    SCENARIO_CATALOGUE.size,
    'a plan line per scenario',
  );
  // The disk drill aims at the etcd leader too: said, not planned; the rolling restart needs no aim.
  t.match(
    plain.stdout,
    /^plan: etcd-disk-latency — not planned: the etcd leader is read from the running cluster, .*pass --member/m,
  );
  t.match(plain.stdout, /^plan: rolling-restart on kind-kind/m);
  t.match(plain.stdout, /inject on kind-control-plane2: sh -c .*hadrill-parked\/kube-scheduler\.yaml/);
  t.match(
    plain.stdout,
    /^plan: etcd-partition — not planned: the etcd leader is read from the running cluster, .*pass --member/m,
  );
  t.match(
    plain.stdout,
    /^plan: leader-kill — not planned: this scenario reads its aim from the running cluster/m,
  );
  t.match(plain.stdout, /^plan: lb-stop on kind-kind/m);
  t.match(
    plain.stdout,
    /^\d+\. inject on local: .*docker network disconnect kind kind-external-load-balancer/m,
  );
  t.notMatch(all.stderr, /keep-snapshot/);
});

t.test('a kind drill is journaled as kind, and recover heals it through docker', async (t) => {
  const target = await openKindTarget({ cluster: 'ha' });
  const ref = targetRef(target, { insecureHostKeys: false });
  t.same(ref, { kind: 'kind', cluster: 'ha' });
  const fault = linkDownFault({ host: LB, downForS: 60 });
  // The runner's order: journal, then inject; the harness dies before its heal.
  journalHooks(new HealJournal(journalFile), 'lb-stop', ref, target).onInjecting(fault);
  t.equal((await fault.inject({ target })).effect, true);
  await target.close();
  t.equal(fake.network(LB), '', 'the LB is off the network');
  const refused = await drill('lb-stop', '--target', 'kind', '--cluster', 'ha', '--allow-any-context');
  t.equal(refused.code, 3, refused.out);
  t.match(refused.stderr, /an earlier drill left 1 fault\(s\).*Run 'npm run drill -- recover' first/);
  const before = fake.calls().length;
  const r = await drillProcess('recover');
  t.equal(r.code, 0, r.out);
  t.match(r.stderr, /recover: 1 of 1 pending heal\(s\) replayed/);
  t.equal(fake.network(LB), 'kind', 'back on kind’s network');
  t.same(new HealJournal(journalFile).pending(), [], 'nothing pending');
  const replay = fake.calls().slice(before);
  t.notOk(
    replay.some((c) => c[0] === 'kind'),
    'recover needs no kind binary',
  );
  t.ok(
    replay.some((c) => c.join(' ') === `docker network connect kind ${LB}`),
    'the journaled heal ran',
  );
  const again = await drill('recover');
  t.equal(again.code, 0);
  t.match(again.stderr, /nothing to recover/);
});

t.test('an entry journaled before kind entries existed: recover says what to do by hand', async (t) => {
  const journal = new HealJournal(journalFile);
  journal.begin({
    id: 'legacy-1',
    scenario: 'lb-stop',
    // What a kind drill journaled before: the working directory as an ssh inventory.
    target: { kind: 'ssh', inventory: process.cwd(), insecureHostKeys: false },
    fault: 'link-down',
    summary: `network link of ${LB} down`,
    heal: [{ step: 'heal', host: 'local', argv: ['sh', '-c', `docker start ${LB}`], expect: 'LB back' }],
  });
  const r = await drill('recover');
  t.equal(r.code, 3, r.out);
  t.match(r.stderr, /a kind drill journaled without its cluster\. Run its heal commands by hand/);
  t.ok(r.stderr.includes(`in ${journalFile}), then delete that line`), 'names the journal file');
  t.notMatch(r.stderr, /EISDIR/);
  fs.rmSync(journalFile);
});

t.test('bad input: exit 2 and what to fix', async (t) => {
  const missing = await drill(
    'apiserver-kill',
    '--target',
    'kind',
    '--create',
    path.join(fake.dir, 'nope.yaml'),
  );
  t.equal(missing.code, 2, missing.out);
  t.match(missing.stderr, /--create .*nope\.yaml: no such file: pass a kind config/);
  const bad = path.join(fake.dir, 'bad.yaml');
  fs.writeFileSync(bad, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: master\n');
  const role = await drill('apiserver-kill', '--target', 'kind', '--create', bad);
  t.equal(role.code, 2, role.out);
  t.match(role.stderr, /nodes\[0\]\.role "master" is not a kind node role: use control-plane or worker/);
  const name = await drill('apiserver-kill', '--target', 'kind', '--cluster', 'Bad_Name', '--dry-run');
  t.equal(name.code, 2, name.out);
  t.match(name.stderr, /--cluster 'Bad_Name': use lowercase letters, digits/);
});
