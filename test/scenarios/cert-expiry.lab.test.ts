/**
 * cert-expiry on the real lab (fast preset), both variants, each with its detection held:
 *  - apiserver (cp1): the restarted apiserver presents the expired certificate (proof: its port's
 *    new serial, notAfter in the past); the lab's LB checks /readyz with `check-ssl verify none`,
 *    so it keeps cp1 in rotation and about one new connection in three is refused with
 *    CERT_HAS_EXPIRED (api_error_ratio > 0, its SLO fails, the detail says why and what fixes
 *    it); Prometheus' verified scrape of cp1 fails: APIServerDown for cp1 fires and resolves;
 *    no write lost; the heal renews (openssl: no kubeadm on the lab) and cp1 presents a valid
 *    certificate again;
 *  - etcd-peer (cp2): its peers refuse it, it has no leader (etcdNoLeader, EtcdClusterUnavailable
 *    inside their windows), its apiserver turns unready and the LB drops it: no failed request,
 *    no outage, no write lost; renewed and back;
 *  - kubelet-client (cp3, then the worker w2, whose certificate cp1 signs): the kubelet restarted
 *    onto its expired client certificate fails to start, again and again (proof: the API answers
 *    401 to the certificate, the kubelet's healthz never answers), the node turns NotReady inside
 *    kubelet-stop's window while what runs there keeps running (cp3's static pods keep the API
 *    whole: no failed request through the LB, no write lost); TargetDown for the kubelet job
 *    fires; renewed, the kubelet is back and the node Ready.
 * After each: steady state, and the certificate on disk is valid with no backup left.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { certExpiry } from '../../scenarios/cert-expiry.ts';
import { hostPath } from '../../src/lab/host.ts';
import { KUBELET_CLIENT_CURRENT } from '../../src/lab/kubeadm/index.ts';
import { eventsOf } from '../../src/timeline/events.ts';
import { labForTest } from '../helpers/lab.ts';
import { drill } from './drill.ts';

const cfg = await labForTest(t, 'fast');

const onDisk = (host: string, file: string) => hostPath(cfg.stateDir, host, `/etc/kubernetes/pki/${file}`);

t.test('apiserver (cp1): expired serving certificate, the LB keeps it, clients refuse it', async (t) => {
  const d = await drill(t, cfg, certExpiry, { host: 'cp1' });
  const r = d.outcome.result;
  t.equal(r.fault.status, 'proven', 'cp1 presents the expired certificate');
  const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
  t.ok(
    proof?.kind === 'cert-expired' &&
      Date.parse(proof.notAfter) < Date.now() &&
      proof.serial !== proof.previousSerial,
    `a new, expired certificate: ${JSON.stringify(proof)}`,
  );
  const ratio = d.m.api_error_ratio;
  // Round robin over three servers: one new connection in three, the kept-alive ones mostly on
  // healthy servers (a refused one reconnects elsewhere).
  t.ok(
    ratio?.value !== null && ratio!.value! > 0.05 && ratio!.value! < 0.5,
    `api_error_ratio = ${ratio?.value}`,
  );
  t.equal(ratio?.verdict, 'fail', 'HA did not hide it: the SLO (0) fails');
  t.match(ratio?.detail, /refused the apiserver's certificate \(CERT_HAS_EXPIRED/);
  t.match(ratio?.detail, /check-ssl verify required ca-file/);
  t.equal(d.m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  const down = (r.alerts ?? []).find((a) => a.alert === 'APIServerDown' && a.role === 'expected');
  t.equal(down?.verdict, 'pass', `APIServerDown for cp1: ${down?.message}`);
  t.ok(d.outcome.healed && d.outcome.verify?.ok, 'steady state after the renewal');
  t.match(
    r.timeline.find((e) => e.type === 'heal.done'),
    { detail: /renewed by openssl; kube-apiserver restarted/ },
  );
  const c = new X509Certificate(fs.readFileSync(onDisk('cp1', 'apiserver.crt')));
  t.ok(Date.parse(c.validTo) > Date.now() + 300 * 86_400_000, `renewed on disk until ${c.validTo}`);
  t.notOk(fs.existsSync(onDisk('cp1', 'apiserver.crt.before-expiry')), 'no backup left');
});

t.test('etcd-peer (cp2): the member is cut off by its peers; the API stays up', async (t) => {
  const d = await drill(t, cfg, certExpiry, { variant: 'etcd-peer', host: 'cp2' });
  const r = d.outcome.result;
  t.equal(r.fault.status, 'proven', "cp2's peer port presents the expired certificate");
  t.equal(d.m.api_error_ratio?.value, 0, 'no request through the LB failed');
  t.equal(d.m.api_outage_s?.verdict, 'pass');
  t.ok(
    (d.m.apiserver_unready_s?.value ?? -1) >= 0,
    `cp2's apiserver unready after ${d.m.apiserver_unready_s?.value} s`,
  );
  t.equal(d.m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
  for (const a of (r.alerts ?? []).filter((x) => x.role === 'expected'))
    t.equal(a.verdict, 'pass', `${a.alert}: ${a.message}`);
  t.ok(
    (r.alerts ?? []).some((a) => a.alert === 'etcdNoLeader' && a.role === 'expected'),
    'etcdNoLeader expected',
  );
  t.ok(d.outcome.healed && d.outcome.verify?.ok, 'steady state after the renewal');
  const c = new X509Certificate(fs.readFileSync(onDisk('cp2', 'etcd/peer.crt')));
  t.ok(Date.parse(c.validTo) > Date.now() + 300 * 86_400_000, `renewed on disk until ${c.validTo}`);
  t.notOk(fs.existsSync(onDisk('cp2', 'etcd/peer.crt.before-expiry')), 'no backup left');
});

for (const host of ['cp3', 'w2'] as const)
  t.test(
    `kubelet-client (${host}): the kubelet fails to start, the node goes NotReady, the API is whole`,
    async (t) => {
      const d = await drill(t, cfg, certExpiry, { variant: 'kubelet-client', host });
      const r = d.outcome.result;
      t.equal(r.fault.status, 'proven', `${host}'s kubelet refused to start: ${JSON.stringify(r.fault)}`);
      const proof = eventsOf(r.timeline, 'fault.proof')[0]?.proof;
      t.match(proof, { kind: 'cert-expired', cert: 'kubelet-client', component: 'kubelet', effect: /401/ });
      const nl = cfg.timings.nodeLifecycle;
      const renewS = cfg.timings.kubelet.nodeLeaseDurationS / 4;
      // kubelet-stop's bounds (test/targets/ssh-kubelet-stop.lab.test.ts): the last renewal up to one
      // renew interval before the restart, marked at a monitor pass after the grace.
      const nr = d.m.node_notready_s?.value ?? Number.NaN;
      t.ok(
        nr >= nl.nodeMonitorGracePeriodS - renewS - 0.5 &&
          nr <= nl.nodeMonitorGracePeriodS + 2 * nl.nodeMonitorPeriodS + 0.5,
        `node_notready_s = ${nr}`,
      );
      t.equal(d.m.node_notready_s?.verdict, 'pass', d.m.node_notready_s?.detail ?? '');
      t.equal(d.m.api_error_ratio?.value, 0, 'no request through the LB failed');
      t.equal(d.m.api_outage_s?.verdict, 'pass');
      t.equal(d.m.rpo_lost_writes?.value, 0, 'no acknowledged write lost');
      const log = fs.readFileSync(path.join(cfg.stateDir, host, 'kubelet.log'), 'utf8');
      t.match(
        log,
        /failed to run Kubelet: part of the existing bootstrap client certificate in \/etc\/kubernetes\/kubelet\.conf is expired: .*unable to load bootstrap kubeconfig: stat \/etc\/kubernetes\/bootstrap-kubelet\.conf: no such file or directory/,
      );
      for (const a of (r.alerts ?? []).filter((x) => x.role === 'expected'))
        t.equal(a.verdict, 'pass', `${a.alert}: ${a.message}`);
      t.ok(d.outcome.healed && d.outcome.verify?.ok, `steady state after the renewal: ${host} Ready`);
      t.match(
        r.timeline.find((e) => e.type === 'heal.done'),
        // Restarted, unless its restart loop had already started it on the renewal.
        { detail: /renewed by openssl; kubelet (restarted, )?healthy/ },
      );
      const current = hostPath(cfg.stateDir, host, KUBELET_CLIENT_CURRENT);
      const c = new X509Certificate(fs.readFileSync(hostPath(cfg.stateDir, host, fs.readlinkSync(current))));
      t.ok(Date.parse(c.validTo) > Date.now() + 300 * 86_400_000, `renewed on disk until ${c.validTo}`);
      t.notOk(fs.existsSync(`${current}.before-expiry`), 'no backup left');
    },
  );
