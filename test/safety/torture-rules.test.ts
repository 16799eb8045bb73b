import t from 'tap';
import { classify, type Evidence, expectedRecoverLine, missingStrata, violations } from './torture-rules.ts';

const base: Evidence = { killed: true, journal: [], inPlace: [], reports: [], scenario: 'apiserver-kill' };
const ev = (e: Partial<Evidence>): Evidence => ({ ...base, ...e });
const STOPPED = ['kube-apiserver on cp1 stopped'];
const REPORT = { scenario: 'apiserver-kill', heal: 'done' };

t.test('classification from the evidence', (t) => {
  t.equal(classify(ev({})), 'before-inject');
  t.equal(classify(ev({ journal: ['pending'], inPlace: STOPPED })), 'fault-in-place');
  t.equal(classify(ev({ journal: ['pending'] })), 'injecting');
  t.equal(classify(ev({ journal: ['done'] })), 'after-heal');
  t.equal(classify(ev({ killed: false, journal: ['done'], reports: [REPORT] })), 'finished');
  t.end();
});

t.test('consistent evidence breaks no rule', (t) => {
  for (const e of [
    ev({}),
    ev({ journal: ['pending'], inPlace: STOPPED }),
    ev({ journal: ['pending'] }),
    ev({ journal: ['done'] }),
    ev({ journal: ['done'], reports: [REPORT] }),
    ev({ killed: false, journal: ['done'], reports: [REPORT] }),
    // preflight refused (the lab was not steady): nothing journaled, nothing injected
    ev({ killed: false, reports: [{ scenario: 'apiserver-kill', heal: 'not-run' }] }),
  ])
    t.same(violations(e), [], classify(e));
  t.end();
});

t.test('each broken rule is named', (t) => {
  const cases: [Partial<Evidence>, RegExp][] = [
    [
      { inPlace: STOPPED },
      /fault is in place without a pending journal entry: kube-apiserver on cp1 stopped/,
    ],
    [{ journal: ['done'], inPlace: STOPPED }, /marked healed while the fault was still in place/],
    [{ journal: ['done', 'pending'], inPlace: STOPPED }, /one drill journaled 2 faults/],
    [{ journal: ['pending'], reports: [REPORT] }, /report was written before the journal entry was healed/],
    [{ journal: ['done'], reports: [{ scenario: 'apiserver-kill', heal: 'error' }] }, /heal status error/],
    [{ journal: ['done'], reports: [{ scenario: 'lb-stop', heal: 'done' }] }, /report of lb-stop appeared/],
    // 'not-run' is only right when nothing was injected
    [
      { journal: ['done'], reports: [{ scenario: 'apiserver-kill', heal: 'not-run' }] },
      /heal status not-run/,
    ],
    [{ inPlace: STOPPED, reports: [{ scenario: 'apiserver-kill', heal: 'not-run' }] }, /heal status not-run/],
    [{ killed: false, journal: ['done'] }, /exited by itself with 0 reports/],
    [{ killed: false, journal: ['pending'] }, /exited by itself leaving a pending journal entry/],
  ];
  for (const [e, re] of cases) t.match(violations(ev(e)).join('\n'), re);
  t.end();
});

t.test('recover line and strata coverage', (t) => {
  t.equal(expectedRecoverLine(1), '1 of 1 pending heal(s) replayed');
  t.equal(expectedRecoverLine(0), 'nothing to recover: the heal journal has no pending fault');
  t.same(missingStrata(['before-inject', 'injecting', 'after-heal', 'finished']), ['fault-in-place']);
  t.same(missingStrata(['after-heal', 'fault-in-place', 'before-inject']), []);
  t.same(missingStrata([]), ['before-inject', 'fault-in-place', 'after-heal']);
  t.end();
});
