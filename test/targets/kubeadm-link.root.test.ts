/**
 * The link-down scripts run for real in a private network namespace (`unshare -n`: no traffic,
 * nothing of the machine's or the lab's network touched) on one end of a veth pair carrying IPv4 and
 * IPv6 addresses, a connected route, a default route for each family, a gateway route and a route
 * in another table: the host's own timer takes the link down after 1 s and restores the link and
 * every route after the fault's duration; link-up restores the same and is idempotent.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { linkDownScript, linkStateScript, linkUpScript } from '../../src/targets/kubeadm-link.ts';
import { requireRoot } from '../helpers/root.ts';

requireRoot('test/targets/kubeadm-link.root.test.ts', ['unshare', 'ip']);

const SETUP = [
  'ip link add d0 type veth peer name d0p',
  'ip link set d0p up',
  'ip link set d0 up',
  'ip addr add 192.0.2.10/24 dev d0',
  'ip -6 addr add 2001:db8::10/64 dev d0 nodad',
  'ip route add default via 192.0.2.1 dev d0',
  'ip route add 198.51.100.0/24 via 192.0.2.254 dev d0',
  'ip route add 203.0.113.0/24 via 192.0.2.1 dev d0 table 100',
  'ip -6 route add default via 2001:db8::1 dev d0',
  'ip -6 route add 2001:db8:1::/48 via 2001:db8::fe dev d0',
];
/** Routes and global addresses of d0, as a comparable text. */
const SHOW =
  "echo \"$(ip -o link show dev d0 | grep -o '<[^>]*>')\"; ip -4 route show table all dev d0 | grep -v '^local \\|^broadcast ' | sort; ip -6 route show table all dev d0 | grep -v '^local \\|^anycast \\|^multicast ' | sort; ip -o -6 addr show dev d0 scope global | awk '{print $4}'";

t.test(
  'link-down: the host downs the link after 1 s and restores it with every route after the duration',
  async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-link-'));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    const file = (name: string, body: string) => {
      fs.writeFileSync(path.join(root, name), body.replaceAll('/run/hadrill/link', `${root}/state`));
      return `sh ${root}/${name}`;
    };
    const script = [
      ...SETUP,
      `echo '== before'; ${SHOW}`,
      `echo '== down'; ${file('down.sh', linkDownScript('d0', 2))}; echo "rc=$?"`,
      `echo '== at once'; ${SHOW}`,
      'sleep 1.6',
      `echo '== after 1.6 s'; ${SHOW}`,
      'sleep 2.4',
      `echo '== after 4 s'; ${SHOW}`,
      // The heal path: down again (no timer), then link-up restores the same routes, twice.
      `${file('down0.sh', linkDownScript('d0', 0))}`,
      `echo '== down, no timer'; ${SHOW}`,
      `echo '== up'; ${file('up.sh', linkUpScript('d0'))} >/dev/null; echo "rc=$?"; ${SHOW}`,
      `echo '== up again'; ${file('up2.sh', linkUpScript('d0'))} >/dev/null; echo "rc=$?"; ${SHOW}`,
      `echo '== state'; ${file('state.sh', linkStateScript('d0'))}`,
    ].join('\n');
    const r = spawnSync('unshare', ['-n', '-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
    const part = (name: string) => r.stdout.split(`== ${name}\n`)[1]?.split('\n== ')[0]?.trim() ?? '';
    const before = part('before');
    t.match(before, /^<[A-Z_,]*,UP,LOWER_UP>\n/, r.stderr);
    for (const route of [
      /^default via 192\.0\.2\.1 /m,
      /^198\.51\.100\.0\/24 via 192\.0\.2\.254 /m,
      /^203\.0\.113\.0\/24 via 192\.0\.2\.1 table 100 /m,
      /^default via 2001:db8::1 /m,
      /^2001:db8:1::\/48 via 2001:db8::fe /m,
      /^2001:db8::10\/64$/m,
    ])
      t.match(before, route, 'set up');
    t.match(part('down'), /goes down in 1 s; the host brings it and its routes back after 2 s\nrc=0/);
    t.equal(part('at once'), before, 'the session still has its link when the script returns');
    const down = part('after 1.6 s');
    t.notMatch(down, /[<,]UP[,>]/, 'down');
    t.notMatch(down, /via/, 'routes gone with the link');
    t.notMatch(down, /2001:db8::10/, 'the kernel dropped the IPv6 address');
    t.equal(part('after 4 s'), before, 'link, IPv4 and IPv6 routes (every table) and addresses restored');
    t.notMatch(part('down, no timer'), /via/);
    t.equal(part('up'), `rc=0\n${before}`, 'link-up restores the same');
    t.equal(part('up again'), `rc=0\n${before}`, 'idempotent');
    t.match(part('state'), /d0@d0p: <[A-Z_,]*,UP,LOWER_UP>/);
  },
);

t.test('link-up cancels a pending timer', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadrill-link-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const down = path.join(root, 'down.sh');
  const up = path.join(root, 'up.sh');
  fs.writeFileSync(down, linkDownScript('d0', 30).replaceAll('/run/hadrill/link', `${root}/state`));
  fs.writeFileSync(up, linkUpScript('d0').replaceAll('/run/hadrill/link', `${root}/state`));
  const script = [
    ...SETUP,
    `sh ${down} >/dev/null`,
    `sh ${up} >/dev/null`,
    'sleep 1.5',
    'ip -o link show dev d0',
  ].join('\n');
  const r = spawnSync('unshare', ['-n', '-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
  t.match(r.stdout, /<[A-Z_,]*,UP,LOWER_UP>/, 'the cancelled timer never took the link down');
});

t.test('interface names are checked before they reach a shell', async (t) => {
  t.throws(() => linkDownScript('eth0$(reboot)', 5), /not an interface name/);
  t.throws(() => linkUpScript('eth0;x'), /not an interface name/);
});
