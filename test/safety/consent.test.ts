/**
 * Consent for destructive drills (src/safety/consent.ts): needed on non-lab targets only for the
 * scenarios that declare more than a failover; given by --yes or by typing the target's name on a
 * terminal; without a terminal, refused with exit 2 and what to pass.
 */
import t from 'tap';
import { SCENARIO_CATALOGUE } from '../../scenarios/index.ts';
import { consentDecision, requireConsent } from '../../src/safety/consent.ts';
import { UserError } from '../../src/util/errors.ts';

const restore = { name: 'etcd-restore', effect: 'destroys every member' };
const base = { targetKind: 'ssh', targetName: 'inventory prod.yaml', hosts: ['cp1', 'cp2'], yes: false };

t.test('which scenarios are destructive: the ones that take more than a failover', async (t) => {
  const destructive = [...SCENARIO_CATALOGUE.values()].filter((s) => s.destructive).map((s) => s.name);
  t.same(destructive.sort(), ['etcd-restore', 'kubelet-stop']);
  for (const s of SCENARIO_CATALOGUE.values())
    if (s.destructive) t.ok(s.destructive.length > 40, `${s.name} says what happens: ${s.destructive}`);
});

t.test(
  'decision: lab or nothing destructive needs none; --yes gives it; else ask for the name',
  async (t) => {
    t.same(consentDecision({ ...base, targetKind: 'lab', destructive: [restore] }), { kind: 'not-needed' });
    t.same(consentDecision({ ...base, destructive: [] }), { kind: 'not-needed' });
    t.same(consentDecision({ ...base, destructive: [restore], yes: true }), { kind: 'given', how: '--yes' });
    const d = consentDecision({ ...base, destructive: [restore] });
    t.match(d, { kind: 'ask', answer: 'inventory prod.yaml' });
    t.match(
      d.kind === 'ask' ? d.text : '',
      /destructive on ssh target inventory prod\.yaml \(hosts cp1, cp2\):\n {2}- etcd-restore: destroys every member/,
    );
  },
);

t.test('no terminal and no --yes: exit 2 before anything, saying to pass --yes', async (t) => {
  let asked = false;
  const e = await requireConsent(
    { ...base, destructive: [restore] },
    {
      interactive: false,
      ask: async () => {
        asked = true;
        return 'x';
      },
      say: () => {},
    },
  ).catch((x: unknown) => x);
  t.type(e, UserError);
  t.equal((e as UserError).exitCode, 2);
  t.match((e as Error).message, /nothing was touched: pass --yes/);
  t.notOk(asked, 'nobody was asked');
});

t.test('a terminal: typing the target name runs it, anything else stops it', async (t) => {
  const said: string[] = [];
  const io = (answer: string) => ({
    interactive: true,
    ask: async () => answer,
    say: (s: string) => said.push(s),
  });
  t.same(await requireConsent({ ...base, destructive: [restore] }, io('inventory prod.yaml')), {
    kind: 'given',
    how: 'prompt',
  });
  t.match(said[0], /etcd-restore: destroys every member/, 'the effect was shown first');
  const e = await requireConsent({ ...base, destructive: [restore] }, io('yes')).catch((x: unknown) => x);
  t.type(e, UserError);
  t.match((e as Error).message, /not confirmed \('yes' is not 'inventory prod\.yaml'\): nothing was touched/);
});
