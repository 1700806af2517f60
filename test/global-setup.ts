/**
 * Vitest global setup: build dist/ once before any test file runs, so tests that drive the real
 * CLI (`node dist/cli/main.js …`) run the code under test, not a stale build.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
