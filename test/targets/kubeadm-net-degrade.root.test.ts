/**
 * The network-degrade scripts run for real, as root, in a private network, PID and mount namespace
 * (`unshare -n -m -p -f --mount-proc`, a tmpfs on /run): loopback only, a stand-in "peer" (an echo
 * server on 127.0.0.2) and this host's own connections to it.
 *
 * - proxy method (the lab's): the REDIRECT sends the host's connections through the real delay
 *   proxy (its bundle, as uid 65534): a round trip gains the delay; the loss rule counts and drops
 *   packets; a dead proxy is reported (exit 5); the heal removes everything, twice; the host's own
 *   timer removes it when no heal comes.
 * - netem method: `tc` is a recording stand-in (this kernel has no netem): the qdisc, netem and
 *   filter commands the script gives, a foreign root qdisc refused with nothing left behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  degradeNetScript,
  type NetDegradeSpec,
  netDegradeStateScript,
  parseNetDegradeState,
  undegradeNetScript,
} from '../../src/targets/kubeadm-net-degrade.ts';
import { bundleFile, ensureBundles } from '../../src/util/bundle.mjs';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/kubeadm-net-degrade.root.test.ts', ['unshare', 'iptables', 'pgrep', 'ss', 'ip']);
await ensureBundles(PROJECT_ROOT);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-netdeg-'));
fs.chmodSync(dir, 0o755);
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const PORT = 23456;
const proxy = { kind: 'proxy', argv: [process.execPath, bundleFile(PROJECT_ROOT, 'delay-proxy')] } as const;

/** Writes `script` to a file (the executor runs `sh -c`); the line runs it and prints `<name> rc=<exit>`. */
const step = (name: string, script: string): string => {
  fs.writeFileSync(path.join(dir, `${name}.sh`), script);
  return `echo "== ${name}"; sh ${dir}/${name}.sh; echo "${name} rc=$?"`;
};

fs.writeFileSync(
  path.join(dir, 'echo.mjs'),
  `import net from 'node:net'; net.createServer((s) => s.pipe(s)).listen(${PORT}, '127.0.0.2');`,
);
// One request/answer round trip on a new connection, median of 5, in ms.
fs.writeFileSync(
  path.join(dir, 'rtt.mjs'),
  `import net from 'node:net';
const one = () => new Promise((res, rej) => { const s = net.connect(${PORT}, '127.0.0.2');
  s.on('connect', () => { const t0 = performance.now(); s.write('x'); s.once('data', () => { res(performance.now() - t0); s.destroy(); }); });
  s.on('error', rej); setTimeout(() => rej(new Error('timeout')), 5000).unref(); });
const xs = []; for (let i = 0; i < 5; i++) xs.push(await one().catch(() => -1));
xs.sort((a, b) => a - b); console.log('rtt ' + Math.round(xs[2]));`,
);
// Traffic for the loss counters: 60 round trips on one connection.
fs.writeFileSync(
  path.join(dir, 'burst.mjs'),
  `import net from 'node:net';
const s = net.connect(${PORT}, '127.0.0.2'); let n = 0;
s.on('connect', () => s.write('x')); s.on('data', () => (++n < 60 ? s.write('x') : s.destroy()));
s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 30000).unref();`,
);
const rtt = (label: string) => `echo "${label} $(${process.execPath} ${dir}/rtt.mjs)"`;

const inNs = (lines: readonly string[]) =>
  spawnSync('unshare', ['-n', '-m', '-p', '-f', '--mount-proc', 'sh', '-c', lines.join('\n')], {
    encoding: 'utf8',
    timeout: 90_000,
  });

const prelude = [
  'ip link set lo up',
  'mount -t tmpfs tmpfs /run',
  `${process.execPath} ${dir}/echo.mjs & sleep 0.5`,
];

const spec = (o: Partial<NetDegradeSpec> = {}): NetDegradeSpec => ({
  delayMs: 80,
  jitterMs: 0,
  lossPct: 0,
  degraded: true,
  peers: [{ address: '127.0.0.2', port: PORT, degraded: false }],
  forS: 60,
  ...o,
});

const rttOf = (out: string, label: string): number =>
  Number(new RegExp(`${label} rtt (-?\\d+)`).exec(out)?.[1]);

t.test(
  'proxy: the round trip gains the delay, loss is counted and applied, the heal removes it all',
  async (t) => {
    const r = inNs([
      ...prelude,
      rtt('before'),
      step('state-before', netDegradeStateScript()),
      step('degrade', degradeNetScript(spec({ lossPct: 10 }), PORT, proxy)),
      rtt('during'),
      `${process.execPath} ${dir}/burst.mjs; echo "burst rc=$?"`,
      step('state-during', netDegradeStateScript()),
      'echo "== nat"; iptables -w 5 -t nat -S HADRILL-DEGRADE',
      step('undegrade', undegradeNetScript()),
      step('undegrade-again', undegradeNetScript()),
      step('state-after', netDegradeStateScript()),
      rtt('after'),
      'echo "== left"; iptables -w 5 -S | grep -c HADRILL; iptables -w 5 -t nat -S | grep -c HADRILL; pgrep -fc delay-prox[y]',
    ]);
    const out = r.stdout;
    t.match(out, /state-before rc=3/, 'nothing installed before');
    t.match(out, /degrade rc=0/, `${out}\n${r.stderr}`);
    t.match(out, /delay: proxy pid \d+, 1 peer route/);
    t.match(
      out,
      /-A HADRILL-DEGRADE -d 127\.0\.0\.2\/32 -p tcp -m tcp --dport 23456 -m owner ! --uid-owner 65534 -j REDIRECT --to-ports 42380/,
    );
    const before = rttOf(out, 'before');
    const during = rttOf(out, 'during');
    const after = rttOf(out, 'after');
    t.ok(before >= 0 && before < 40, `direct round trip ${before} ms`);
    t.ok(during >= 80, `through the proxy ${during} ms ≥ the 80 ms delay`);
    // A lost packet costs a retransmission (200 ms at least): the median stays well under 2 s.
    t.ok(during < 80 + 2000, `and not far beyond (${during} ms)`);
    t.ok(after >= 0 && after < 40, `direct again after the heal (${after} ms)`);
    const state = parseNetDegradeState(/== state-during\n(.*)\n/.exec(out)?.[1] ?? '');
    t.equal(state?.method, 'proxy');
    t.ok(state?.proxyPid && state.proxyPid > 1, 'the proxy pid');
    t.match(out, /burst rc=0/, 'the 60 round trips went through');
    t.ok((state?.counted ?? 0) >= 60, `peer packets counted (${state?.counted})`);
    t.ok((state?.dropped ?? 0) >= 1, `some dropped at 10 % (${state?.dropped})`);
    t.match(out, /undegrade rc=0\n/);
    t.match(out, /undegrade-again rc=0\n/, 'idempotent');
    t.match(out, /state-after rc=3/);
    t.match(out, /== left\n0\n0\n0\n/, 'no chain, no nat rule, no proxy left');
  },
);

t.test('proxy: a dead proxy is reported; the host timer removes everything without a heal', async (t) => {
  const r = inNs([
    ...prelude,
    step('degrade', degradeNetScript(spec({ forS: 2 }), PORT, proxy)),
    'pkill -KILL -f delay-prox[y]; sleep 0.3',
    step('state-dead', netDegradeStateScript()),
    'sleep 3',
    step('state-expired', netDegradeStateScript()),
    rtt('after'),
  ]);
  t.match(r.stdout, /degrade rc=0/, r.stderr);
  t.match(r.stdout, /state-dead rc=5/, 'a REDIRECT without its proxy is reported');
  t.match(r.stderr, /delay proxy is gone/);
  t.match(r.stdout, /state-expired rc=3/, 'gone after forS with no heal');
  t.ok(rttOf(r.stdout, 'after') >= 0, 'the peer answers directly again');
});

t.test(
  'netem: the qdisc, netem and filters (tc stand-in); a foreign root qdisc is refused, nothing left',
  async (t) => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    // Records every call; keeps the root qdisc in a file, as tc would show it.
    fs.writeFileSync(
      path.join(bin, 'tc'),
      `#!/bin/sh
echo "tc $*" >> ${dir}/tc.log
st=${dir}/tc.root
case "$*" in
  "qdisc show dev "*" root") cat $st 2>/dev/null || echo "qdisc noqueue 0: root refcnt 2";;
  *"root handle 4a11: prio"*) echo "qdisc prio 4a11: root refcnt 2 bands 4" > $st;;
  "qdisc del dev "*" root") rm -f $st;;
esac
exit 0
`,
      { mode: 0o755 },
    );
    const netem = { kind: 'netem' } as const;
    const two = spec({
      jitterMs: 20,
      delayMs: 100,
      peers: [
        { address: '127.0.0.2', port: 2380, degraded: false },
        { address: '127.0.0.3', port: 2380, degraded: false },
      ],
    });
    const r = inNs([
      ...prelude,
      `export PATH=${bin}:$PATH`,
      step('degrade', degradeNetScript(two, 2380, netem)),
      step('state', netDegradeStateScript()),
      step('undegrade', undegradeNetScript()),
      `echo "== foreign"; echo "qdisc htb 1: root refcnt 2" > ${dir}/tc.root`,
      step('degrade-foreign', degradeNetScript({ ...two, lossPct: 5 }, 2380, netem)),
      'echo "== left"; iptables -w 5 -S | grep -c HADRILL',
      step('not-degraded', degradeNetScript({ ...two, degraded: false }, 2380, netem)),
    ]);
    const log = fs.readFileSync(path.join(dir, 'tc.log'), 'utf8');
    t.match(r.stdout, /degrade rc=0/, r.stderr);
    t.match(
      log,
      /tc qdisc add dev lo root handle 4a11: prio bands 4 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0/,
    );
    t.match(log, /tc qdisc add dev lo parent 4a11:4 handle 4a12: netem delay 100ms 20ms/);
    t.match(
      log,
      /tc filter add dev lo parent 4a11: protocol ip prio 1 u32 match ip dst 127\.0\.0\.2\/32 match ip dport 2380 0xffff flowid 4a11:4/,
    );
    t.match(
      log,
      /tc filter add dev lo parent 4a11: protocol ip prio 1 u32 match ip dst 127\.0\.0\.3\/32 match ip sport 2380 0xffff flowid 4a11:4/,
    );
    t.match(r.stdout, /method=netem counted=0 dropped=0 proxy=-/);
    t.match(r.stdout, /undegrade rc=0/);
    t.match(r.stdout, /degrade-foreign rc=4/, 'a root qdisc not ours is refused');
    t.match(r.stderr, /has its own root qdisc \(qdisc htb 1: root refcnt 2\): not ours/);
    t.match(r.stdout, /== left\n0\n/, 'the loss chain of the refused run is gone too');
    t.match(
      r.stdout,
      /delay: netem delays at the sender; this host sends nothing degraded\nnot-degraded rc=0/,
    );
  },
);
