/**
 * The relative imports of a source file, read as text: static `import … from`, `export … from`,
 * side-effect `import '…'` and dynamic `import('…')`, resolved to project-relative paths. A
 * type-only import counts too. Used by the structure tests (test/layers.test.ts,
 * test/test-kinds.test.ts).
 */
import path from 'node:path';

const SPEC =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm;

/** The relative imports of one file, resolved to project-relative paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec?.startsWith('.')) continue;
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
  }
  return out;
}
