/**
 * api_error_ratio (cert-expiry): the share of requests through the LB that failed while the fault
 * was in place, once the HA design had its time to react (from `graceMs` after the effect, the
 * scenario's: the LB's detection and what precedes it, so a failover's expected errors do not
 * count) until the heal, both availability probes together (new and kept-alive connections). A TCP LB does not end TLS: each client verifies the certificate of the apiserver
 * the LB picked, so one apiserver presenting an expired certificate fails about one new
 * connection in n for as long as the LB keeps it in rotation. The detail counts the failures per
 * connection kind and those that were certificate errors (the client's TLS verification:
 * Node's `CERT_HAS_EXPIRED`, Go's `x509: certificate has expired`), and says what keeps such an
 * apiserver in rotation: a health check that does not verify the certificate (the kubeadm HA
 * guide's `option ssl-hello-chk`, or `check-ssl verify none`), while `check-ssl verify required
 * ca-file <the cluster CA>` fails the check on an expired certificate (haproxy
 * doc/configuration.txt, `verify`: "the certificate provided by the server is verified using CAs
 * from 'ca-file'") and the LB drops the server.
 */
import { eventsOf, type TimelineEvent } from '../timeline/events.ts';
import { faultWindow, inWindow } from './degradation.ts';
import type { Observation } from './types.ts';

/** A client's TLS verification refusing the server's certificate (Node's codes, Go's and OpenSSL's texts). */
export const CERT_ERROR =
  /CERT_HAS_EXPIRED|certificate has expired|CERT_NOT_YET_VALID|x509:|UNABLE_TO_VERIFY|self[- ]signed certificate|ERR_TLS_CERT/i;

export function apiErrorRatio(events: readonly TimelineEvent[], faultMs: number, graceMs = 0): Observation {
  const w = faultWindow(events, faultMs);
  const during = inWindow(w);
  const all = eventsOf(events, 'api.request').filter((e) => e.target === 'lb' && during(e));
  const inGrace = (e: { atMs: number }) => e.atMs < faultMs + graceMs;
  const lb = all.filter((e) => !inGrace(e));
  const early = all.filter(inGrace);
  const earlyFailed = early.filter((e) => !e.ok).length;
  const graceText =
    graceMs > 0
      ? ` from ${(graceMs / 1000).toFixed(1)} s after the effect (before it, the LB's time to react: ${earlyFailed} of ${early.length} failed)`
      : '';
  if (lb.length === 0)
    return {
      value: null,
      detail: `no request through the LB during the fault${graceText}`,
    };
  const failed = lb.filter((e) => !e.ok);
  const cert = failed.filter((e) => e.error !== undefined && CERT_ERROR.test(e.error));
  const kinds = (['new', 'keepalive'] as const)
    .map((k) => {
      const of = lb.filter((e) => e.connection === k);
      return of.length === 0
        ? undefined
        : `${of.filter((e) => !e.ok).length}/${of.length} ${k === 'new' ? 'new' : 'kept-alive'}`;
    })
    .filter((x) => x !== undefined)
    .join(', ');
  const ratio = Math.round((failed.length / lb.length) * 1000) / 1000;
  const certText =
    cert.length === 0
      ? ''
      : `; ${cert.length} of them refused the apiserver's certificate (${cert[0]!.error}): the LB kept that apiserver in rotation, its health check does not verify the certificate (haproxy: the guide's ssl-hello-chk or check-ssl verify none; \`check-ssl verify required ca-file <cluster CA>\` fails the check on an expired certificate and the LB drops the server)`;
  return {
    value: ratio,
    detail: `${failed.length} of ${lb.length} requests through the LB failed during the fault${graceText} (${kinds})${certText}`,
  };
}
