// Shared by the bench scripts: children killed by pid on every exit path, small helpers.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set();
const cleanups = [];

/** Kills every tracked child by pid and runs the registered clean-ups (idempotent). */
export function killAll() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  children.clear();
  runCleanups();
}

/** Runs the registered clean-ups now (each once). */
export function runCleanups() {
  for (const f of cleanups.splice(0)) f();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });

/** Tracks a child process until it exits (killAll kills it otherwise). */
export function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Runs `f` at exit (after the children are killed), e.g. to restore a setting. */
export function onCleanup(f) {
  cleanups.push(f);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
