/**
 * Real certificates for tests, made with the openssl CLI as a kubeadm node's scripts would meet
 * them: a self-signed CA (`ca.crt`/`ca.key`, CN kubernetes, 10 years) and EC P-256 keys.
 */
import { execFileSync } from 'node:child_process';

/** openssl run in `cwd`; its stdout. */
export const openssl = (cwd: string, ...args: string[]): Buffer =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** A new EC P-256 key, unencrypted (`req` arguments). */
export const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** `ca.crt` and `ca.key` in `dir`. */
export function testCa(dir: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    '/CN=kubernetes',
  );
}
