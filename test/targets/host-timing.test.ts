/** The host-timing line: what a stop command measured on its host, printed and read back. */
import t from 'tap';
import { hostTimingLine, hostTimingOf, withoutHostTiming } from '../../src/targets/host-timing.ts';

t.test('host timing: printed and read back; the rest of the output kept apart', async (t) => {
  const line = hostTimingLine({ leadMs: 412.7, tailMs: 37.2 });
  t.equal(line, 'hadrill-effect lead-ms=412 tail-ms=37', 'whole ms, rounded down (lower bounds)');
  t.same(hostTimingOf(`lb1/haproxy: stopped\n${line}\n`), { leadMs: 412, tailMs: 37 });
  t.same(hostTimingOf('hadrill-effect tail-ms=5'), { tailMs: 5 });
  t.same(hostTimingOf('4242\n'), {}, 'no line: nothing known');
  t.same(hostTimingOf('hadrill-effect lead-ms=-3 tail-ms=x'), {}, 'nonsense is ignored');
  t.equal(withoutHostTiming(`4242\n${line}`), '4242');
});
