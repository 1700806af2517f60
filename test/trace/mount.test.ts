/**
 * tracefs not mounted (as on a fresh CI machine): traceTcp mounts it where asked, traces, and
 * unmounts what it mounted on stop. Uses a private temp mount point so the machine's
 * /sys/kernel/tracing is never touched. Without mount rights or with mount disabled: a typed
 * PermissionError naming the fix.
 */
import { mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { traceTcp } from '../../src/trace/index.js';
import { PermissionError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-tracefs-'));
const mounted = (): boolean =>
  readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === dir);

afterAll(() => {
  rmdirSync(dir);
});

describe('tracefs mounting', () => {
  it('refuses clearly when tracefs is absent and mounting is off', () => {
    expect(() => traceTcp({ tracefsRoot: dir, mount: false })).toThrow(PermissionError);
    expect(() => traceTcp({ tracefsRoot: dir, mount: false })).toThrow(/mount -t tracefs nodev/);
    expect(mounted()).toBe(false);
  });
  it('mounts tracefs when needed, traces in it, and unmounts it on stop', async () => {
    const trace = traceTcp({ tracefsRoot: dir, mount: true, ports: [9] });
    try {
      expect(mounted()).toBe(true);
      expect(trace.instancePath.startsWith(`${dir}/instances/tcpscope-`)).toBe(true);
      expect(trace.clock.traceClock).toBe('mono');
    } finally {
      await trace.stop();
    }
    expect(mounted()).toBe(false);
  });
});
