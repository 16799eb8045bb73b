/**
 * The bad-input table for bad-input.test.ts: each case is a command line (and env), the message
 * it must print (the flag or field, and the fix), and optionally text it must never print. The
 * ssh target's cases are in bad-input-ssh.ts; fixture files are written into `dir`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sshCases } from './bad-input-ssh.ts';

export interface BadInput {
  readonly name: string;
  /** The drill's arguments; `reports` is a report dir that must not be created. */
  readonly args: (reports: string) => string[];
  readonly says: RegExp;
  readonly never?: RegExp;
  readonly env?: Readonly<Record<string, string>>;
}

/** A drill run (not a dry run): reports go to the dir that must stay absent. */
export const drill =
  (...a: string[]) =>
  (reports: string) => [...a, '--report-dir', reports];
export const plain =
  (...a: string[]) =>
  () =>
    a;

export function badInputCases(dir: string): BadInput[] {
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const config = (name: string, text: string) => file(`${name}.drill.yaml`, text);
  const aFile = file('not-a-dir', 'x');
  const kindBad = file('kind-bad.yaml', 'kind: [\n');
  const kubeconfig = file('some.conf', 'clusters: []\n');
  const cases: BadInput[] = [
    // The command line itself.
    { name: 'no scenario', args: drill(), says: /name a scenario: apiserver-kill, .* \(see --help\)/ },
    {
      name: 'unknown scenario',
      args: drill('apiserver-kil'),
      says: /unknown scenario 'apiserver-kil': choose one of/,
    },
    { name: 'two scenarios', args: drill('lb-stop', 'kubelet-stop'), says: /one scenario at a time/ },
    { name: 'unknown flag', args: drill('lb-stop', '--bogus'), says: /Unknown option '--bogus'/ },
    {
      name: 'flag without value',
      args: plain('lb-stop', '--repeat'),
      says: /Option '--repeat <value>' argument missing/,
    },
    {
      name: 'dash value',
      args: drill('lb-stop', '--repeat', '-1'),
      says: /Option '--repeat' argument is ambiguous[\s\S]*use '--repeat=-XYZ'/,
    },
    {
      name: 'boolean with value',
      args: drill('lb-stop', '--gate=yes'),
      says: /Option '--gate' does not take an argument/,
    },
    // --target and the flags of one target.
    {
      name: 'target foo',
      args: drill('lb-stop', '--target', 'foo'),
      says: /--target foo: unknown target; use lab, ssh, kind/,
    },
    {
      name: 'target empty',
      args: drill('lb-stop', '--target', ''),
      says: /--target : unknown target; use lab, ssh, kind/,
    },
    {
      name: 'target LAB',
      args: drill('lb-stop', '--target', 'LAB'),
      says: /unknown target; use lab, ssh, kind/,
    },
    {
      name: 'cluster on lab',
      args: drill('lb-stop', '--cluster', 'x'),
      says: /--cluster only applies to --target kind \(this is --target lab\): drop it/,
    },
    {
      name: 'create on lab',
      args: drill('lb-stop', '--create', kindBad),
      says: /--create only applies to --target kind/,
    },
    {
      name: 'inventory on lab',
      args: drill('lb-stop', '--inventory', kubeconfig),
      says: /--inventory only applies to --target ssh/,
    },
    {
      name: 'insecure on lab',
      args: drill('lb-stop', '--insecure-ignore-host-keys'),
      says: /--insecure-ignore-host-keys only applies to --target ssh/,
    },
    {
      name: 'preset on ssh',
      args: drill('lb-stop', '--target', 'ssh', '--lab-preset', 'fast'),
      says: /--lab-preset only applies to --target lab \(this is --target ssh\)/,
    },
    {
      name: 'keep-lab on kind',
      args: drill('lb-stop', '--target', 'kind', '--keep-lab'),
      says: /--keep-lab only applies to --target lab/,
    },
    {
      name: 'inventory on kind',
      args: drill('lb-stop', '--target', 'kind', '--inventory', 'x'),
      says: /--inventory only applies to --target ssh \(this is --target kind\)/,
    },
    {
      name: 'cluster on ssh',
      args: drill('lb-stop', '--target', 'ssh', '--cluster', 'x'),
      says: /--cluster only applies to --target kind \(this is --target ssh\)/,
    },
    {
      name: 'two foreign flags',
      args: drill('lb-stop', '--cluster', 'x', '--create', 'y'),
      says: /--cluster, --create only apply to --target kind/,
    },
    {
      name: 'bad preset',
      args: drill('lb-stop', '--lab-preset', 'slow'),
      says: /--lab-preset must be one of seeds, fast \(got 'slow'\)/,
    },
    // --dry-run: flags it would ignore.
    ...['--gate', '--json', '--keep-lab'].map((f) => ({
      name: `dry-run ${f}`,
      args: plain('lb-stop', '--dry-run', f),
      says: new RegExp(`${f} would be ignored by --dry-run .*: drop it, or drop --dry-run`),
    })),
    ...[
      ['--report-dir', 'r'],
      ['--repeat', '2'],
      ['--deadline', '5m'],
      ['--load', '5'],
      ['--baseline', '2s'],
    ].map(([f, v]) => ({
      name: `dry-run ${f}`,
      args: plain('lb-stop', '--dry-run', f!, v!),
      says: new RegExp(`${f} would be ignored by --dry-run`),
    })),
    // --create (kind): checked first, in a dry run too.
    {
      name: 'create missing',
      args: drill('lb-stop', '--target', 'kind', '--create', path.join(dir, 'no.yaml')),
      says: /--create .*no\.yaml: no such file: pass a kind config/,
    },
    {
      name: 'create missing dry-run',
      args: plain('lb-stop', '--target', 'kind', '--create', path.join(dir, 'no.yaml'), '--dry-run'),
      says: /--create .*no\.yaml: no such file/,
    },
    {
      name: 'create not YAML',
      args: drill('lb-stop', '--target', 'kind', '--create', kindBad),
      says: /--create .*kind-bad\.yaml: not YAML/,
    },
    // --report-dir: checked before anything runs.
    {
      name: 'report-dir is a file',
      args: plain('lb-stop', '--report-dir', aFile),
      says: /--report-dir .*not-a-dir: it is not a directory: choose a directory/,
    },
    {
      name: 'report-dir under a file',
      args: plain('lb-stop', '--report-dir', path.join(aFile, 'sub')),
      says: /--report-dir .*: .*not-a-dir is not a directory/,
    },
    // Durations: Go's grammar, bounded.
    ...[
      ['0s', /'0s' is shorter than the 30s allowed; write at least 30s/],
      ['0', /'0' is shorter than the 30s allowed/],
      ['29s', /'29s' is shorter than the 30s allowed/],
      ['1000h', /'1000h' is longer than the 24h0m0s allowed/],
      ['25h', /'25h' is longer than the 24h0m0s allowed/],
      ['40', /--deadline: .*40.*unit/],
      ['-1s', /'-1s' is negative; write a positive duration/],
      ['10x', /--deadline: .*10x/],
      ['', /--deadline: /],
      ['1e3s', /--deadline: .*1e3s/],
      ['20 m', /--deadline: .*20 m/],
    ].map(([v, says]) => ({
      name: `deadline '${v}'`,
      args: drill('lb-stop', `--deadline=${v}`),
      says: says as RegExp,
    })),
    ...['0s', '11m', 'soon', '5'].map((v) => ({
      name: `baseline '${v}'`,
      args: drill('lb-stop', '--baseline', v),
      says: /--baseline/,
    })),
    // Whole numbers: strict digits, bounded.
    ...['0', '101', '1.5', '0x10', '-1', 'two', ' 2', '1e1'].map((v) => ({
      name: `repeat '${v}'`,
      args: drill('lb-stop', `--repeat=${v}`),
      says: /--repeat must be a whole number from 1 to 100/,
    })),
    ...['3601', '-5', '1e2', '0x1', '5s'].map((v) => ({
      name: `toleration-seconds '${v}'`,
      args: drill('kubelet-stop', `--toleration-seconds=${v}`),
      says: /--toleration-seconds must be a whole number from 0 to 3600/,
    })),
    ...['201', '-1', '1.5', '0x10', 'k7', 'k6:delete'].map((v) => ({
      name: `load '${v}'`,
      args: drill('lb-stop', `--load=${v}`),
      says: /--load \(requests per second, or k6, k6:read, k6:write\) must be a whole number from 0 to 200/,
    })),
    {
      name: 'repeat with all',
      args: drill('all', '--repeat', '2'),
      says: /--repeat applies to one scenario, not to all/,
    },
    // --slo: strict numbers, known names.
    ...['0x10', '1e3', 'Infinity', '-1', '', 'NaN', '16s', '1_0'].map((v) => ({
      name: `slo rto_s='${v}'`,
      args: drill('apiserver-kill', '--slo', `rto_s=${v}`),
      says: /--slo "rto_s=.*": value: threshold must be a non-negative number in decimal .* or "expected"/,
    })),
    {
      name: 'slo typo',
      args: drill('apiserver-kill', '--slo', 'rto=3'),
      says: /unknown measurement "rto" \(did you mean rto_s\?\)/,
    },
    {
      name: 'slo no op',
      args: drill('apiserver-kill', '--slo', 'rto_s'),
      says: /expected name=value or name<op>value/,
    },
    {
      name: 'slo bad op',
      args: drill('apiserver-kill', '--slo', 'rto_s<<3'),
      says: /threshold must be a non-negative number/,
    },
    {
      name: 'slo not measured',
      args: drill('etcd-restore', '--slo', 'vip_takeover_s=3'),
      says: /--slo vip_takeover_s: etcd-restore does not measure it \(it reports/,
    },
    // --signal.
    ...['HUP', 'kill', 'SIGKILL'].map((v) => ({
      name: `signal ${v}`,
      args: drill('apiserver-kill', '--signal', v),
      says: /--signal must be KILL or TERM/,
    })),
    // Flags a scenario does not take (refused, not ignored).
    ...(
      [
        ['apiserver-kill', 'toleration-seconds', '5'],
        ['etcd-partition', 'signal', 'TERM'],
        ['etcd-partition', 'variant', 'x'],
        ['etcd-restore', 'host', 'cp1'],
        ['etcd-restore', 'toleration-seconds', '5'],
        ['lb-stop', 'member', 'cp1'],
        ['lb-stop', 'toleration-seconds', '5'],
        ['kubelet-stop', 'member', 'x'],
        ['leader-kill', 'member', 'x'],
        ['etcd-disk-latency', 'host', 'cp1'],
        ['etcd-member-replace', 'host', 'cp1'],
        ['etcd-member-replace', 'variant', 'x'],
        ['rolling-restart', 'member', 'cp1'],
        ['etcd-disk-latency', 'signal', 'TERM'],
        ['cert-expiry', 'member', 'cp1'],
        ['cert-expiry', 'signal', 'KILL'],
        ['cert-expiry', 'delay', '1s'],
        ['etcd-disk-latency', 'jitter', '10ms'],
        ['etcd-disk-latency', 'loss', '5%'],
        ['network-degrade', 'host', 'cp1'],
        ['network-degrade', 'signal', 'KILL'],
      ] as const
    ).map(([scenario, flag, value]) => ({
      name: `${scenario} --${flag}`,
      args: drill(scenario, `--${flag}`, value),
      says: new RegExp(`${scenario} does not take --${flag} \\(it takes .*\\): drop it`),
    })),
    // --keep-snapshot keeps etcd-restore's snapshot: refused by the scenarios that take none.
    ...(['apiserver-kill', 'etcd-partition', 'lb-stop', 'kubelet-stop', 'leader-kill'] as const).map(
      (scenario) => ({
        name: `${scenario} --keep-snapshot`,
        args: drill(scenario, '--keep-snapshot'),
        says: new RegExp(`${scenario} does not take --keep-snapshot \\(it takes .*\\): drop it`),
      }),
    ),
    {
      name: 'apiserver-kill variant+member',
      args: drill('apiserver-kill', '--variant', 'bogus', '--member', 'x'),
      says: /apiserver-kill does not take --member, --variant \(it takes --host, --signal\): drop them/,
    },
    {
      name: 'etcd-partition host',
      args: drill('etcd-partition', '--host', 'cp1'),
      says: /etcd-partition does not take --host \(it takes --member\): drop it/,
    },
    {
      name: 'lb-stop signal on link',
      args: drill('lb-stop', '--signal', 'TERM'),
      says: /lb-stop --variant .* stops no process: --signal does not apply; drop it/,
    },
    {
      name: 'lb-stop signal on link explicit',
      args: drill('lb-stop', '--variant', 'link', '--signal', 'TERM'),
      says: /lb-stop --variant link stops no process/,
    },
    {
      name: 'etcd-disk-latency delay without unit',
      args: drill('etcd-disk-latency', '--delay', '100'),
      says: /--delay: .*100.*unit/,
    },
    {
      name: 'etcd-disk-latency delay too long',
      args: drill('etcd-disk-latency', '--delay', '2m'),
      says: /--delay: '2m' is longer than the 1m0s allowed/,
    },
    {
      name: 'etcd-disk-latency delay too short',
      args: drill('etcd-disk-latency', '--delay', '10us'),
      says: /--delay: '10us' is shorter than the 1ms allowed/,
    },
    {
      name: 'network-degrade loss over 100 %',
      args: drill('network-degrade', '--loss', '150%'),
      says: /--loss: '150%' is not a percentage from 0 to 100; write e\.g\. 5%/,
    },
    {
      name: 'network-degrade loss not a number',
      args: drill('network-degrade', '--loss', 'some'),
      says: /--loss: 'some' is not a percentage/,
    },
    {
      name: 'network-degrade jitter without unit',
      args: drill('network-degrade', '--jitter', '20'),
      says: /--jitter: .*20.*unit/,
    },
    {
      name: 'network-degrade variant bogus',
      args: drill('network-degrade', '--variant', 'link'),
      says: /network-degrade --variant must be one of member, all \(got 'link'\)/,
    },
    {
      name: 'network-degrade all with a member',
      args: drill('network-degrade', '--variant', 'all', '--member', 'cp1'),
      says: /network-degrade --variant all degrades every member: drop --member/,
    },
    {
      name: 'network-degrade unknown member',
      args: drill('network-degrade', '--member', 'cp9'),
      says: /cp9/,
    },
    {
      name: 'cert-expiry variant bogus',
      args: drill('cert-expiry', '--variant', 'kubelet'),
      says: /cert-expiry --variant must be one of apiserver, etcd-peer, kubelet-client \(got 'kubelet'\)/,
    },
    {
      name: 'cert-expiry kubelet-client on an LB',
      args: drill('cert-expiry', '--variant', 'kubelet-client', '--host', 'lb1'),
      says: /--host lb1 is not a Kubernetes node \(no kubelet\): choose one of cp1, cp2, cp3, w1, w2/,
    },
    {
      name: 'cert-expiry etcd-peer on an LB',
      args: drill('cert-expiry', '--variant', 'etcd-peer', '--host', 'lb1'),
      says: /--host lb1 runs no etcd member: choose one of cp1, cp2, cp3/,
    },
    {
      name: 'cert-expiry apiserver on a worker',
      args: drill('cert-expiry', '--host', 'w1'),
      says: /--host w1 runs no kube-apiserver: choose one of cp1, cp2, cp3/,
    },
    {
      name: 'etcd-disk-latency variant bogus',
      args: drill('etcd-disk-latency', '--variant', 'leader'),
      says: /etcd-disk-latency --variant must be one of member, all \(got 'leader'\)/,
    },
    {
      name: 'etcd-disk-latency all with member',
      args: drill('etcd-disk-latency', '--variant', 'all', '--member', 'cp1'),
      says: /--variant all slows every member: drop --member/,
    },
    {
      name: 'etcd-disk-latency member unknown',
      args: drill('etcd-disk-latency', '--member', 'lb1'),
      says: /--member lb1 is not an etcd member: choose one of/,
    },
    {
      name: 'etcd-member-replace member unknown',
      args: drill('etcd-member-replace', '--member', 'lb1'),
      says: /--member lb1 is not an etcd member: choose one of/,
    },
    {
      name: 'apiserver-kill --delay',
      args: drill('apiserver-kill', '--delay', '100ms'),
      says: /apiserver-kill does not take --delay \(it takes --host, --signal\): drop it/,
    },
    {
      name: 'lb-stop variant bogus',
      args: drill('lb-stop', '--variant', 'bogus'),
      says: /lb-stop --variant must be one of link, services \(got 'bogus'\)/,
    },
    {
      name: 'kubelet-stop signal on host',
      args: drill('kubelet-stop', '--variant', 'host', '--signal', 'TERM'),
      says: /kubelet-stop --variant host stops no process/,
    },
    {
      name: 'kubelet-stop variant bogus',
      args: drill('kubelet-stop', '--variant', 'bogus'),
      says: /kubelet-stop --variant must be one of kubelet, host/,
    },
    {
      name: 'leader-kill variant bogus',
      args: drill('leader-kill', '--variant', 'bogus'),
      says: /leader-kill --variant must be one of controller-manager, scheduler/,
    },
    {
      name: 'all host',
      args: drill('all', '--host', 'cp1'),
      says: /--host aims one scenario's fault; .* Run that scenario alone to aim it/,
    },
    {
      name: 'all variant member',
      args: drill('all', '--variant', 'x', '--member', 'y'),
      says: /--member, --variant aims one scenario's fault/,
    },
    // --host / --member against the lab's topology (its preset's config: no lab is up).
    {
      name: 'lab apiserver-kill host w1',
      args: drill('apiserver-kill', '--host', 'w1'),
      says: /--host w1 runs no kube-apiserver: choose one of cp1, cp2, cp3/,
    },
    {
      name: 'lab apiserver-kill host nosuch',
      args: drill('apiserver-kill', '--host', 'nosuch'),
      says: /--host nosuch runs no kube-apiserver: choose one of cp1/,
    },
    {
      name: 'lab apiserver-kill host dry-run',
      args: plain('apiserver-kill', '--host', 'lb1', '--dry-run'),
      says: /--host lb1 runs no kube-apiserver/,
    },
    {
      name: 'lab apiserver-kill host fast',
      args: drill('apiserver-kill', '--host', 'lb2', '--lab-preset', 'fast'),
      says: /--host lb2 runs no kube-apiserver/,
    },
    {
      name: 'lab etcd-partition member',
      args: drill('etcd-partition', '--member', 'nosuch'),
      says: /--member nosuch is not an etcd member: choose one of cp1, cp2, cp3/,
    },
    {
      name: 'lab etcd-partition member w1',
      args: drill('etcd-partition', '--member', 'w1'),
      says: /--member w1 is not an etcd member/,
    },
    {
      name: 'lab etcd-restore member',
      args: drill('etcd-restore', '--member', 'lb1'),
      says: /--member lb1 is not an etcd member/,
    },
    {
      name: 'lab lb-stop host',
      args: drill('lb-stop', '--host', 'cp1'),
      says: /--host cp1 is not a load balancer: choose one of lb1, lb2/,
    },
    {
      name: 'lab kubelet-stop host cp1',
      args: drill('kubelet-stop', '--host', 'cp1'),
      says: /--host cp1 is not a worker: choose one of w1/,
    },
    {
      name: 'lab kubelet-stop host lb1',
      args: drill('kubelet-stop', '--host', 'lb1', '--variant', 'host'),
      says: /--host lb1 is not a worker/,
    },
    {
      name: 'lab leader-kill host',
      args: drill('leader-kill', '--host', 'w1'),
      says: /--host w1 is not a control plane: choose one of cp1, cp2, cp3/,
    },
    // --config.
    {
      name: 'config missing',
      args: drill('lb-stop', '--config', path.join(dir, 'none.yaml')),
      says: /--config .*none\.yaml: cannot read the file \(ENOENT\)/,
    },
    {
      name: 'config not YAML',
      args: drill('lb-stop', '--config', config('c1', 'slo: [1\n')),
      says: /c1\.drill\.yaml: not valid YAML/,
    },
    {
      name: 'config unknown key',
      args: drill('lb-stop', '--config', config('c2', 'bogus: 1\n')),
      says: /c2\.drill\.yaml: invalid drill config:\n {2}\(top level\): .*bogus/,
    },
    {
      name: 'config params',
      args: drill('lb-stop', '--config', config('c3', 'scenarios:\n  lb-stop:\n    params: { host: lb1 }\n')),
      says: /scenarios\.lb-stop\.params: not supported .*remove it and aim with the drill's flags/,
    },
    {
      name: 'config sustained negative',
      args: drill('lb-stop', '--config', config('c4', 'sustainedSuccessS: -1\n')),
      says: /c4\.drill\.yaml: invalid drill config:\n {2}sustainedSuccessS: /,
    },
    {
      name: 'config sustained string',
      args: drill('lb-stop', '--config', config('c5', 'sustainedSuccessS: "3"\n')),
      says: /sustainedSuccessS: /,
    },
    {
      name: 'config unknown scenario',
      args: drill('lb-stop', '--config', config('c6', 'scenarios:\n  lb-stp: {}\n')),
      says: /scenarios\.lb-stp: unknown scenario; known: apiserver-kill/,
    },
    {
      name: 'config slo hex',
      args: drill('lb-stop', '--config', config('c7', 'slo:\n  rto_s: "0x10"\n')),
      says: /slo\.rto_s: threshold must be a non-negative number in decimal/,
    },
    {
      name: 'config slo unknown',
      args: drill('lb-stop', '--config', config('c8', 'slo:\n  rto: 3\n')),
      says: /slo\.rto: unknown measurement "rto" \(did you mean rto_s\?\)/,
    },
    {
      name: 'config contexts',
      args: drill('lb-stop', '--config', config('c9', 'allowedContexts: lab\n')),
      says: /allowedContexts: /,
    },
    // allowedContexts pins a non-lab cluster before anything is opened (src/cli/pin.ts).
    {
      name: 'kind not pinned',
      args: drill('lb-stop', '--target', 'kind', '--cluster', 'ha'),
      says: /--target kind needs the cluster pinned \(kind cluster ha, context kind-ha\): list it under allowedContexts in a drill config \(--config FILE\):\n {4}allowedContexts:\n {6}- context: kind-ha\n {2}or pass --allow-any-context/,
    },
    {
      name: 'kind dry-run not pinned',
      args: plain('lb-stop', '--target', 'kind', '--dry-run'),
      says: /--target kind needs the cluster pinned \(kind cluster kind, context kind-kind\)/,
    },
    {
      name: 'kind other context',
      args: drill('lb-stop', '--target', 'kind', '--config', config('p1', 'allowedContexts: [kind-prod]\n')),
      says: /kube context 'kind-kind' \(kind cluster kind\) is not in allowedContexts \(kind-prod\): if this is the cluster you mean, add it in the drill config .*p1\.drill\.yaml:\n {4}allowedContexts:\n {6}- context: kind-kind/,
    },
    {
      name: 'kind hosts pinned',
      args: drill(
        'lb-stop',
        '--target',
        'kind',
        '--config',
        config('p2', 'allowedContexts:\n  - { context: kind-kind, hosts: [kind-control-plane] }\n'),
      ),
      says: /allowedContexts\[0\]\.hosts: cannot be pinned on --target kind .*: remove them/,
    },
    {
      name: 'lab allow-any-context',
      args: drill('lb-stop', '--allow-any-context'),
      says: /--allow-any-context does not apply to --target lab .*: drop it/,
    },
    {
      name: 'recover allow-any-context',
      args: plain('recover', '--allow-any-context'),
      says: /--allow-any-context does not apply to recover/,
    },
    // --allow-unsafe names the scenario it unlocks.
    {
      name: 'allow-unsafe without a scenario',
      args: plain('lb-stop', '--allow-unsafe'),
      says: /Option '--allow-unsafe <value>' argument missing/,
    },
    {
      name: 'allow-unsafe other scenario',
      args: drill('lb-stop', '--allow-unsafe', 'etcd-restore'),
      says: /--allow-unsafe etcd-restore: lb-stop does not run it: name the scenario to inject past the interlocks \(lb-stop\)/,
    },
    {
      name: 'allow-unsafe unknown with all',
      args: drill('all', '--allow-unsafe', 'lb-stp'),
      says: /--allow-unsafe lb-stp: all does not run it: name the scenario .*\(apiserver-kill, /,
    },
    // recover takes no scenario flag.
    {
      name: 'recover host',
      args: plain('recover', '--host', 'x'),
      says: /--host does not apply to recover .*run 'npm run drill -- recover' alone/,
    },
    { name: 'recover gate', args: plain('recover', '--gate'), says: /--gate does not apply to recover/ },
    {
      name: 'recover scenario',
      args: plain('recover', 'lb-stop'),
      says: /recover takes no scenario \(got lb-stop\)/,
    },
    {
      name: 'recover target',
      args: plain('recover', '--target', 'ssh'),
      says: /--target does not apply to recover/,
    },
    // Monitoring (src/cli/monitoring.ts): checked before anything is opened.
    {
      name: 'alertmanager without prometheus',
      args: drill('apiserver-kill', '--alertmanager', 'http://127.0.0.1:9093'),
      says: /--alertmanager need\(s\) --prometheus URL: name the Prometheus to watch/,
    },
    {
      name: 'prometheus not a URL',
      args: drill('apiserver-kill', '--prometheus', 'prometheus:9090'),
      says: /--prometheus prometheus:9090: use an http:\/\/ or https:\/\/ URL/,
    },
    {
      name: 'monitoring CA missing',
      args: drill(
        'apiserver-kill',
        '--prometheus',
        'https://127.0.0.1:9090',
        '--monitoring-ca',
        path.join(dir, 'no-ca.crt'),
      ),
      says: /--prometheus: the CA file .*no-ca\.crt does not exist/,
    },
    {
      name: 'client certificate without key',
      args: drill('apiserver-kill', '--prometheus', 'https://127.0.0.1:9090', '--monitoring-cert', aFile),
      says: /give the client certificate and its key together/,
    },
    {
      name: 'webhook not IP:PORT',
      args: drill(
        'apiserver-kill',
        '--prometheus',
        'http://127.0.0.1:9090',
        '--alertmanager',
        'http://127.0.0.1:9093',
        '--alert-webhook',
        'localhost:9095',
      ),
      says: /--alert-webhook localhost:9095: give the address and port to listen on, e\.g\. 10\.0\.0\.5:9095/,
    },
    {
      name: 'webhook without alertmanager',
      args: drill(
        'apiserver-kill',
        '--prometheus',
        'http://127.0.0.1:9090',
        '--alert-webhook',
        '127.0.0.1:9095',
      ),
      says: /--alert-webhook needs --alertmanager URL/,
    },
    {
      name: 'no-monitoring with prometheus',
      args: drill('apiserver-kill', '--no-monitoring', '--prometheus', 'http://127.0.0.1:9090'),
      says: /--no-monitoring turns detection off: drop --prometheus or --no-monitoring/,
    },
    {
      name: 'hold on kind without prometheus',
      args: drill('apiserver-kill', '--target', 'kind', '--hold-until-detected'),
      says: /--hold-until-detected: --target kind has no monitoring of its own: pass --prometheus URL/,
    },
    {
      name: 'monitoring flags on a dry run',
      args: plain('apiserver-kill', '--dry-run', '--hold-until-detected'),
      says: /--hold-until-detected would be ignored by --dry-run/,
    },
    {
      name: 'promql slo without an operator',
      args: drill('apiserver-kill', '--config', config('pq1', 'promql: [{ name: a, expr: up, slo: "1" }]\n')),
      says: /promql\.0\.slo: an operator and a number, e\.g\. "< 1"/,
    },
  ];
  return [...cases, ...sshCases(dir)];
}
