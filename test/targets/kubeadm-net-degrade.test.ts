/**
 * The network-degrade scripts' input checks and parsers (the scripts themselves run for real in
 * kubeadm-net-degrade.root.test.ts): peers go into the scripts as they are, so only IPv4 addresses
 * and ports pass; the state and round-trip lines parse back.
 */
import t from 'tap';
import {
  checkSpec,
  degradeNetScript,
  type NetDegradeSpec,
  parseNetDegradeState,
  parsePeerRtt,
  peerRttScript,
  proxiedPeers,
} from '../../src/targets/kubeadm-net-degrade.ts';

const spec = (o: Partial<NetDegradeSpec> = {}): NetDegradeSpec => ({
  delayMs: 100,
  jitterMs: 0,
  lossPct: 0,
  degraded: true,
  peers: [{ address: '198.18.0.12', port: 2380, degraded: false }],
  forS: 60,
  ...o,
});

t.test('bad input is refused with what to fix, before any script exists', async (t) => {
  t.throws(() => checkSpec(spec({ delayMs: 0, jitterMs: 0, lossPct: 0 })), /nothing to degrade/);
  t.throws(() => checkSpec(spec({ lossPct: 101 })), /--loss must be between 0% and 100%/);
  t.throws(() => checkSpec(spec({ delayMs: 61_000 })), /--delay must be between 0 and 60 s/);
  for (const address of ['fd00::12', '198.18.0.12; reboot', 'cp2', '$(id)'])
    t.throws(
      () =>
        degradeNetScript(spec({ peers: [{ address, port: 2380, degraded: false }] }), 2380, {
          kind: 'netem',
        }),
      /is not an IPv4 address and port \(IPv6 peers are not supported yet\)/,
      address,
    );
  t.throws(() => peerRttScript([{ address: '198.18.0.12', port: 0 }], 3), /not an IPv4 address and port/);
  t.throws(() => peerRttScript([{ address: 'x`id`', port: 2380 }], 3), /not an IPv4 address/);
});

t.test('the proxy routes only the connections with a degraded end', async (t) => {
  const peers = [
    { address: '198.18.0.11', port: 2380, degraded: true },
    { address: '198.18.0.13', port: 2380, degraded: false },
  ];
  t.same(
    proxiedPeers(spec({ degraded: false, peers })).map((p) => p.address),
    ['198.18.0.11'],
    'a healthy host: only its connections to the degraded peer',
  );
  t.equal(proxiedPeers(spec({ degraded: true, peers })).length, 2, 'a degraded host: all of them');
  const s = degradeNetScript(spec({ degraded: false, peers }), 2380, {
    kind: 'proxy',
    argv: ['/usr/bin/node', '/p.mjs'],
  });
  t.match(s, /--route 42380=198\.18\.0\.11:2380:0:100 --jitter-ms 0/, 'down: the degraded peer sends');
  t.notMatch(s, /198\.18\.0\.13:2380:/);
  t.notMatch(s, /-N HADRILL-LOSS/, 'no loss rule on a host that sends nothing degraded');
});

t.test('state and round-trip lines parse back; failed samples are counted apart', async (t) => {
  t.same(parseNetDegradeState('method=proxy counted=300 dropped=15 proxy=77\n'), {
    method: 'proxy',
    counted: 300,
    dropped: 15,
    proxyPid: 77,
  });
  t.same(parseNetDegradeState('method=netem counted=0 dropped=0 proxy=-'), {
    method: 'netem',
    counted: 0,
    dropped: 0,
  });
  t.equal(parseNetDegradeState('garbage'), undefined);
  const r = parsePeerRtt(
    '198.18.0.12 0.004 0.105\n198.18.0.12 fail\n198.18.0.13 0.003 0.004\n198.18.0.13 0.000 0.000\n',
  );
  t.equal(r.get('198.18.0.12')?.failed, 1);
  t.same(
    r.get('198.18.0.12')?.rttS.map((x) => Math.round(x * 1e6) / 1e6),
    [0.101],
    'starttransfer − appconnect',
  );
  t.equal(r.get('198.18.0.13')?.rttS.length, 1);
  t.equal(r.get('198.18.0.13')?.failed, 1, 'curl printing zeros is a failed sample');
});
