/**
 * Test helper of the `*.root.test.ts` files: tests that run real scripts as root in private
 * namespaces (`unshare -n -p -m`: their own network stack and iptables, PID space and mounts), so
 * nothing of the machine's or the lab's is touched. Calling requireRoot is what makes a file of that
 * kind (test/test-kinds.test.ts checks it): without root or one of the binaries the file fails at
 * once with what to do, it is never skipped. `npm test` runs these files in its timed lane
 * (scripts/test.mjs); `npm run test:unit` does not (no root there).
 */
import { REQUIRED } from '../../src/lab/packages.ts';
import { findBinary } from '../../src/util/paths.ts';

/** Binary → Debian package: the lab's (src/lab/packages.ts), and what the namespaces need. */
const PACKAGES: Readonly<Record<string, string>> = { ...REQUIRED, unshare: 'util-linux', pgrep: 'procps' };

/** Throws unless this process is root and every one of `binaries` is on PATH. */
export function requireRoot(file: string, binaries: readonly string[]): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      `${file} is a *.root.test.ts file: it runs scripts in private namespaces with unshare, which needs root. Run it as root (npm test runs it in its timed lane); npm run test:unit leaves it out.`,
    );
  const missing = binaries.filter((b) => !findBinary(b));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((b) => PACKAGES[b] ?? b))].sort();
    throw new Error(
      `${file} needs ${missing.join(', ')} on PATH: apt-get install -y ${pkgs.join(' ')} (npm test installs the lab's packages before its timed lane)`,
    );
  }
}
