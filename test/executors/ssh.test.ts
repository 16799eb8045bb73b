/**
 * Pure parts of the ssh executor: known_hosts parsing and verification (plain, hashed, [host]:port,
 * @revoked, negation), the refusal messages, and argv quoting, checked by a real POSIX shell.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { hostKeyRefusal, remoteCommand, shellQuote } from '../../src/executors/ssh.ts';
import {
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/executors/ssh-known-hosts.ts';

/** An ssh-ed25519 public key blob (string "ssh-ed25519" + 32-byte key), as a server sends it. */
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const a = ed25519Blob();
const b = ed25519Blob();
const b64 = (x: Buffer) => x.toString('base64');
const hashed = (name: string) => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

t.test('known_hosts verdicts', async (t) => {
  t.equal(keyTypeOfBlob(a), 'ssh-ed25519');
  t.equal(knownHostName('10.0.0.1', 22), '10.0.0.1');
  t.equal(knownHostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
  const entries = parseKnownHosts(
    [
      '# comment',
      `10.0.0.1,cp1 ssh-ed25519 ${b64(a)}`,
      `[10.0.0.2]:2222 ssh-ed25519 ${b64(a)}`,
      `${hashed('10.0.0.3')} ssh-ed25519 ${b64(b)}`,
      `@revoked 10.0.0.4 ssh-ed25519 ${b64(b)}`,
      `10.0.0.4 ssh-ed25519 ${b64(a)}`,
      `10.0.1.* ssh-ed25519 ${b64(a)}`,
      `!10.0.1.9,10.0.1.9 ssh-ed25519 ${b64(b)}`,
      'garbage',
    ].join('\n'),
  );
  t.equal(entries.length, 7);
  t.equal(verifyHostKey(entries, '10.0.0.1', 22, a).status, 'known');
  t.equal(verifyHostKey(entries, '10.0.0.1', 22, b).status, 'changed');
  t.equal(verifyHostKey(entries, '10.0.0.1', 2222, a).status, 'unknown', 'another port is another host');
  t.equal(verifyHostKey(entries, '10.0.0.2', 2222, a).status, 'known');
  t.equal(verifyHostKey(entries, '10.0.0.2', 22, a).status, 'unknown');
  t.equal(verifyHostKey(entries, '10.0.0.3', 22, b).status, 'known', 'hashed entry');
  t.equal(verifyHostKey(entries, '10.0.0.3', 22, a).status, 'changed');
  t.equal(verifyHostKey(entries, '10.0.0.4', 22, b).status, 'revoked');
  t.equal(verifyHostKey(entries, '10.0.0.4', 22, a).status, 'known');
  t.equal(verifyHostKey(entries, '10.0.1.7', 22, a).status, 'known', 'wildcard');
  t.equal(
    verifyHostKey(entries, '10.0.1.9', 22, a).status,
    'known',
    'negated pattern excluded the other entry',
  );
  t.equal(verifyHostKey(entries, '192.168.1.1', 22, a).status, 'unknown');
  t.same(knownKeyTypes(entries, '10.0.0.1', 22), ['ssh-ed25519']);

  const h = {
    name: 'cp1',
    address: '10.0.0.1',
    port: 22,
    user: 'root',
    sudo: false,
    knownHostsPath: '/k/known_hosts',
  };
  const changed = verifyHostKey(entries, '10.0.0.1', 22, b);
  t.match(hostKeyRefusal(h, changed, 'SHA256:x'), /HOST KEY CHANGED.*line 2/);
  t.match(
    hostKeyRefusal(h, verifyHostKey([], '10.0.0.1', 22, a), 'SHA256:x'),
    /not in \/k\/known_hosts.*ssh-keyscan -p 22 10\.0\.0\.1.*--insecure-ignore-host-keys/,
  );
});

t.test('argv is quoted for the remote shell (checked with a real sh)', async (t) => {
  const argv = ['printf', '%s|', "it's", 'a b', '*', '$HOME', '`id`', '"q"', '', 'a\nb', '; rm -rf /'];
  const out = execFileSync('sh', ['-c', remoteCommand(argv, false)], { encoding: 'utf8' });
  t.equal(out, `${argv.slice(2).join('|')}|`);
  t.equal(shellQuote('plain-word_1.2:/x'), 'plain-word_1.2:/x');
  t.equal(remoteCommand(['systemctl', 'stop', 'kubelet'], true), 'sudo -n -- systemctl stop kubelet');
  t.throws(() => remoteCommand([], false));
});
