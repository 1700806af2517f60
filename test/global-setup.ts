/**
 * Vitest global setup: build dist/ once before any test file runs, so tests that drive the real
 * CLI (`node dist/cli/main.js …`) run the code under test, not a stale build. tsc still emits
 * when some file has type errors (several engineers share this tree, and `npm test` type-checks
 * separately), so a type error is reported here as a warning rather than aborting every test.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.warn(`tsc reported errors while building dist/ (emitted anyway):\n${r.stdout}${r.stderr}`);
  }
}
