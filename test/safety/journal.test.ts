import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { interlockViolations } from '../../src/safety/interlocks.ts';
import { HealJournal } from '../../src/safety/journal.ts';
import type { Topology } from '../../src/targets/types.ts';
import { testTmp } from '../helpers/temp.ts';

const tmp = () => path.join(testTmp('journal-'), 'j.jsonl');

t.test('pending until done; survives a torn last line; compact keeps pending only', async (t) => {
  const file = tmp();
  const j = new HealJournal(file);
  t.same(j.pending(), []);
  const heal = [{ step: 'heal' as const, host: 'cp1', argv: ['true'], expect: 'x' }];
  j.begin({
    id: 'a',
    scenario: 'apiserver-kill',
    target: { kind: 'lab', stateDir: '/x' },
    fault: 'f',
    summary: 's',
    heal,
  });
  j.begin({
    id: 'b',
    scenario: 'etcd-partition',
    target: { kind: 'lab', stateDir: '/x' },
    fault: 'f',
    summary: 's',
    heal,
  });
  t.same(
    j.pending().map((e) => e.id),
    ['a', 'b'],
  );
  j.done('a', 'runner');
  fs.appendFileSync(file, '{"id":"b","state":"do'); // a crash mid-append
  t.same(
    j.pending().map((e) => e.id),
    ['b'],
    'torn line ignored, b still pending',
  );
  t.equal(j.entries().find((e) => e.id === 'a')?.healedBy, 'runner');
  j.compact();
  t.same(
    new HealJournal(file).entries().map((e) => e.id),
    ['b'],
  );
  j.done('b', 'recover');
  t.same(j.pending(), []);
});

const topo = (o: Partial<Topology>): Topology => ({
  kind: 'lab',
  name: 't',
  hosts: [],
  apiUrl: 'https://x',
  apiservers: ['cp1', 'cp2', 'cp3'].map((h) => ({ host: h, ip: h, url: h })),
  etcd: ['cp1', 'cp2', 'cp3'].map((h) => ({ host: h, member: h, url: h })),
  lbs: ['lb1', 'lb2'],
  kubeconfigPath: '/x',
  ...o,
});

t.test('interlocks: quorum, every apiserver, the only LB; declared outages pass', async (t) => {
  t.same(
    interlockViolations({ impact: [{ kind: 'etcd-member', host: 'cp1' }] }, topo({})),
    [],
    '1 of 3 members is fine',
  );
  t.match(
    interlockViolations(
      {
        impact: [
          { kind: 'etcd-member', host: 'cp1' },
          { kind: 'etcd-member', host: 'cp2' },
        ],
      },
      topo({}),
    ).join(),
    /below quorum/,
  );
  // Five members (`lab up --etcd-members 5`): quorum 3, so two may go, three may not.
  const five = topo({
    etcd: ['cp1', 'cp2', 'cp3', 'cp4', 'cp5'].map((h) => ({ host: h, member: h, url: h })),
  });
  const down = (...hs: string[]) => ({ impact: hs.map((host) => ({ kind: 'etcd-member' as const, host })) });
  t.same(interlockViolations(down('cp1', 'cp2'), five), [], '2 of 5 members is fine');
  t.match(
    interlockViolations(down('cp1', 'cp2', 'cp3'), five).join(),
    /it would leave 2 of 5 etcd members, below quorum \(3\)/,
  );
  const single = topo({
    apiservers: [{ host: 'cp1', ip: 'a', url: 'u' }],
    etcd: [{ host: 'cp1', member: 'cp1', url: 'u' }],
  });
  t.match(
    interlockViolations({ impact: [{ kind: 'apiserver', host: 'cp1' }] }, single).join(),
    /every kube-apiserver/,
  );
  t.match(
    interlockViolations({ impact: [{ kind: 'lb', host: 'lb1' }] }, topo({ lbs: ['lb1'] })).join(),
    /only API load balancer/,
  );
  t.same(
    interlockViolations({ impact: [{ kind: 'lb', host: 'lb1' }] }, topo({})),
    [],
    'one of two LBs is fine',
  );
  // External etcd: a control plane offline takes no member; two etcd hosts offline take quorum.
  const external = topo({
    hosts: [
      ...['cp1', 'cp2'].map((name) => ({ name, roles: ['control-plane' as const], address: name })),
      ...['e1', 'e2', 'e3'].map((name) => ({ name, roles: ['etcd' as const], address: name })),
    ],
    etcd: ['e1', 'e2', 'e3'].map((h) => ({ host: h, member: h, url: h })),
  });
  const offline = (...hosts: string[]) => ({
    impact: hosts.map((host) => ({ kind: 'host-offline' as const, host })),
  });
  t.same(
    interlockViolations(offline('cp1'), external),
    [],
    'external etcd: a control plane offline keeps every member',
  );
  t.same(interlockViolations(offline('e1'), external), [], 'one etcd host of three');
  t.match(
    interlockViolations(offline('e1', 'e2'), external).join(),
    /it would leave 1 of 3 etcd members, below quorum \(2\)/,
    'two etcd hosts: below quorum',
  );
  const cpHost = topo({ hosts: [{ name: 'cp1', roles: ['control-plane', 'etcd'], address: 'a' }] });
  t.same(
    interlockViolations({ impact: [{ kind: 'host-offline', host: 'cp1' }] }, cpHost),
    [],
    'one control plane offline is fine',
  );
  t.same(
    interlockViolations(
      {
        declaresOutage: true,
        impact: ['cp1', 'cp2', 'cp3'].map((h) => ({ kind: 'etcd-member' as const, host: h })),
      },
      topo({}),
    ),
    [],
    'etcd-restore declares its outage',
  );
});

t.test("the journal is its owner's alone: it keeps heal commands verbatim", async (t) => {
  const dir = path.join(testTmp('journal-'), 'state');
  const file = path.join(dir, 'j.jsonl');
  const j = new HealJournal(file);
  const entry = {
    id: 'a',
    scenario: 'apiserver-kill' as const,
    target: { kind: 'lab' as const, stateDir: '/x' },
    fault: 'f',
    summary: 's',
    heal: [{ step: 'heal' as const, host: 'cp1', argv: ['sshpass', '-p', 'x', 'true'], expect: 'x' }],
  };
  j.begin(entry);
  t.equal(fs.statSync(dir).mode & 0o777, 0o700, 'directory 0700');
  t.equal(fs.statSync(file).mode & 0o777, 0o600, 'file 0600');
  fs.chmodSync(file, 0o644);
  j.begin({ ...entry, id: 'b' });
  t.equal(fs.statSync(file).mode & 0o777, 0o600, 'an existing file made private again');
  j.compact();
  t.equal(fs.statSync(file).mode & 0o777, 0o600, 'compacted file 0600');
});
