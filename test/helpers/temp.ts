/**
 * Test helper: temp directories that go away with the test process. `testTmp('junit-')` makes a
 * fresh directory under one root of this process (`$TMPDIR/hadrill-test-<pid>-…`), and the root
 * is removed when the process exits, whatever the test did: tests need no teardown of their own,
 * and a suite run leaves nothing in /tmp.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let root: string | undefined;

function processRoot(): string {
  if (!root) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hadrill-test-${process.pid}-`));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    root = dir;
  }
  return root;
}

/** A fresh directory (mode 0700) named `<prefix>XXXXXX`, removed when the process exits. */
export const testTmp = (prefix: string): string => fs.mkdtempSync(path.join(processRoot(), prefix));
