import t from 'tap';
import { alertLanes } from '../../src/reporters/alert-lane.ts';
import { Timeline } from '../analysis/synthetic.ts';

t.test('one lane per alert label set: pending and firing spans, its notifications as marks', (t) => {
  const tl = new Timeline()
    .alert(1_000, 'APIServerDown', 'pending', { instance: 'cp2' })
    .alert(3_000, 'APIServerDown', 'firing', { instance: 'cp2' })
    .notify(4_000, 'APIServerDown', 'firing', { instance: 'cp2', cluster: 'lab' })
    .alert(6_000, 'APIServerDown', 'inactive', { instance: 'cp2' })
    .notify(7_000, 'APIServerDown', 'resolved', { instance: 'cp2' })
    .alert(2_000, 'APIServerDown', 'firing', { instance: 'cp1' })
    .notify(2_500, 'Watchdog', 'firing');
  t.same(alertLanes(tl.events, 10_000), [
    {
      name: 'alert APIServerDown{instance="cp2"}',
      spans: [
        { from: 1_000, to: 3_000, state: 'pending' },
        { from: 3_000, to: 6_000, state: 'firing' },
      ],
      marks: [
        { at: 4_000, status: 'firing', receiver: 'ha-drill' },
        { at: 7_000, status: 'resolved', receiver: 'ha-drill' },
      ],
    },
    {
      name: 'alert APIServerDown{instance="cp1"}',
      spans: [{ from: 2_000, to: 10_000, state: 'firing' }],
      marks: [],
    },
  ]);
  t.same(alertLanes(new Timeline().fault(1000).events, 5000), [], 'no alert, no lane');
  t.end();
});
