/** The VIP's move back after the heal (vipFailback) and the finding deriveFindings makes of it. */
import t from 'tap';
import { deriveFindings } from '../../src/analysis/findings.ts';
import { vipFailback } from '../../src/analysis/vip.ts';
import { Timeline } from './synthetic.ts';

const VIP = '198.18.0.10';
/** lb1 holds the VIP; the fault at 10 s; holders at the given times; the heal at `healMs`. */
function run(holders: [number, string | null][], healMs = 20_000): Timeline {
  const tl = new Timeline().fault(10_000, { host: 'lb1' }, 'services');
  tl.add(9_000, { type: 'vip', vip: VIP, holder: 'lb1' }, 'vip');
  for (const [at, holder] of holders) tl.add(at, { type: 'vip', vip: VIP, holder }, 'vip');
  tl.add(healMs, { type: 'heal.invoke', fault: 'services' }, 'runner');
  return tl;
}

t.test('lb1 → lb2 at the fault, back to lb1 after the heal: a failback', async (t) => {
  const tl = run([
    [12_000, 'lb2'],
    [23_500, null],
    [23_600, 'lb1'],
  ]);
  t.same(vipFailback(tl.events), { vip: VIP, from: 'lb2', to: 'lb1', afterHealS: 3.6 });
  const f = deriveFindings(tl.events, [], {}).find((x) => x.id === 'vip-failback');
  t.equal(f?.severity, 'info');
  t.match(f?.message, /the VIP 198\.18\.0\.10 moved back from lb2 to lb1 3\.6 s after the heal/);
  t.match(f?.message, /client-go: 30 s without a frame, then a 15 s ping: up to 45 s/);
  t.match(f?.message, /nopreempt/);
});

t.test('no failback: no finding', async (t) => {
  const none = {
    'the VIP stays on lb2 after the heal (nopreempt)': run([[12_000, 'lb2']]),
    'the VIP never left lb1': run([[15_000, 'lb1']]),
    'back on lb1 before the heal (not the heal that moved it)': run([
      [12_000, 'lb2'],
      [15_000, 'lb1'],
    ]),
    'moved only after the heal': run([[21_000, 'lb2']]),
  };
  for (const [what, tl] of Object.entries(none)) {
    t.equal(vipFailback(tl.events), undefined, what);
    t.notOk(
      deriveFindings(tl.events, [], {}).some((f) => f.id === 'vip-failback'),
      `${what}: no finding`,
    );
  }
  const noHeal = new Timeline().fault(10_000, { host: 'lb1' }, 'services');
  noHeal
    .add(9_000, { type: 'vip', vip: VIP, holder: 'lb1' }, 'vip')
    .add(12_000, { type: 'vip', vip: VIP, holder: 'lb2' }, 'vip');
  t.equal(vipFailback(noHeal.events), undefined, 'no heal (the drill was killed): nothing to say');
});

t.test('three LBs: the one that gave it back is the last backup that held it', async (t) => {
  const tl = run([
    [12_000, 'lb2'],
    [16_000, 'lb3'],
    [22_000, 'lb1'],
  ]);
  t.match(vipFailback(tl.events), { from: 'lb3', to: 'lb1', afterHealS: 2 });
});
