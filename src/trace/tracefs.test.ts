import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCpuStats, removeStaleInstances } from './tracefs.js';

// A fixture tree shaped like tracefs (plain directories: rmdir works the same way on them).
const root = mkdtempSync(join(tmpdir(), 'tcpscope-fake-tracefs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('instance housekeeping on a fixture root', () => {
  it('removes only tcpscope instances whose pid is gone, and disables their events first', () => {
    const dead = 2 ** 22 + 17; // above pid_max: never alive
    mkdirSync(join(root, 'instances', `tcpscope-${dead}`), { recursive: true });
    mkdirSync(join(root, 'instances', `tcpscope-${dead}-3`));
    mkdirSync(join(root, 'instances', `tcpscope-${process.pid}`));
    mkdirSync(join(root, 'instances', `tcpscope-1`)); // pid 1 is alive
    mkdirSync(join(root, 'instances', `other-${dead}`));
    const removed = removeStaleInstances(root, 'tcpscope').sort();
    expect(removed).toEqual([`tcpscope-${dead}`, `tcpscope-${dead}-3`]);
    expect(existsSync(join(root, 'instances', `tcpscope-${process.pid}`))).toBe(true);
    expect(existsSync(join(root, 'instances', 'tcpscope-1'))).toBe(true);
    expect(existsSync(join(root, 'instances', `other-${dead}`))).toBe(true);
  });
  it('keeps an instance it cannot empty, and never creates control files', () => {
    const dead = 2 ** 22 + 18;
    const dir = join(root, 'instances', `tcpscope-${dead}`);
    mkdirSync(join(dir, 'events'), { recursive: true });
    writeFileSync(join(dir, 'events', 'enable'), '1');
    expect(removeStaleInstances(root, 'tcpscope')).toEqual([]);
    expect(readFileSync(join(dir, 'events', 'enable'), 'utf8')).toBe('0'); // disabled anyway
    expect(existsSync(join(dir, 'tracing_on'))).toBe(false);
  });
  it('sums overrun and dropped events over CPUs', () => {
    const inst = join(root, 'instances', 'stats');
    for (const [cpu, text] of [
      ['cpu0', 'entries: 0\noverrun: 12\ncommit overrun: 0\nbytes: 0\ndropped events: 3\nread events: 5\n'],
      ['cpu1', 'entries: 0\noverrun: 30\ncommit overrun: 0\nbytes: 0\ndropped events: 0\nread events: 9\n'],
    ] as const) {
      mkdirSync(join(inst, 'per_cpu', cpu), { recursive: true });
      writeFileSync(join(inst, 'per_cpu', cpu, 'stats'), text);
    }
    expect(readCpuStats(inst)).toEqual({ overrun: 42, dropped: 3 });
    expect(readCpuStats(join(root, 'missing'))).toEqual({ overrun: 0, dropped: 0 });
  });
});
