/**
 * @module test/sockets/cli
 * `tcpscope sockets` end to end (built CLI) on the fixture tree: table with per-state counts,
 * JSON, filters, explain in both languages, netstat format on both paths, watch bounds, errors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src/sockets/types.js';
import { makeFixtureTree } from './fixture-tree.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');
const tree = makeFixtureTree(false);
afterAll(() => rmSync(tree.rootDir, { recursive: true, force: true }));

function tcpscope(...args: string[]): { out: string; err: string; status: number | null } {
  const r = spawnSync(process.execPath, [cli, 'sockets', '--proc-root', tree.procRoot, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe('tcpscope sockets (fixture)', () => {
  it('is built', () => {
    expect(existsSync(cli), 'run npm run build first').toBe(true);
  });

  it('prints a table with owners and a count per state', () => {
    const { out, status } = tcpscope('-a', '--no-color');
    expect(status).toBe(0);
    expect(out).toContain('300/client');
    expect(out).toMatch(/18 sockets: LISTEN 4 {2}ESTABLISHED 5 {2}CLOSE_WAIT 1 {2}FIN_WAIT1 1/);
  });

  it('filters by state (ss spelling), port and pid, and emits JSON', () => {
    const json = JSON.parse(tcpscope('--state', 'close-wait', '--json').out) as { rows: SocketRow[] };
    expect(json.rows.map((r) => [r.state, r.recvQ, r.pid])).toEqual([['CLOSE_WAIT', 59, 300]]);
    const port = JSON.parse(tcpscope('--port', '8006', '-a', '--json').out) as { rows: SocketRow[] };
    expect(port.rows.every((r) => r.local.port === 8006 || r.remote.port === 8006)).toBe(true);
    expect(port.rows).toHaveLength(5);
    const pid = JSON.parse(tcpscope('--pid', '201', '-a', '--json').out) as { rows: SocketRow[] };
    expect(pid.rows.map((r) => r.inode)).toEqual([1003]);
    const six = JSON.parse(tcpscope('-6', '-l', '--json').out) as { rows: SocketRow[] };
    expect(six.rows.map((r) => r.local.port)).toEqual([8080, 22]);
  });

  it('explains rows in English and Chinese', () => {
    expect(tcpscope('--state', 'CLOSE_WAIT', '--explain', '--no-color').out).toContain(
      "Recv-Q 59 = 58 unread bytes + 1 for the peer's FIN",
    );
    expect(
      tcpscope('--state', 'CLOSE_WAIT', '--explain', '--lang', 'zh', '--format', 'netstat').out,
    ).toContain('      ^ Recv-Q 59 = 58 个未读字节');
  });

  it('prints netstat format identically on the stream path and the row path (--pid forces rows)', () => {
    const stream = tcpscope('-a', '--format', 'netstat').out.split('\n');
    const rows = tcpscope('-a', '--format', 'netstat', '--pid', '100,200,201,300,400,600,700').out.split(
      '\n',
    );
    const owned = stream.filter((l) => / \d+\//.test(l));
    expect(rows.slice(2).filter(Boolean)).toEqual(owned);
    expect(stream[0]).toBe('Active Internet connections (servers and established)');
  });

  it('watches with a bound and prints appeared lines once', () => {
    const t0 = Date.now();
    const { out, status } = tcpscope('-a', '--port', '8006', '--watch', '100ms', '--count', '3');
    expect(status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => / \+ tcp /.test(l))).toBe(true);
    const netstat = tcpscope(
      '-a',
      '--port',
      '8006',
      '--watch',
      '50ms',
      '--count',
      '2',
      '--format',
      'netstat',
    ).out;
    expect(netstat.match(/^Active Internet connections/gm)).toHaveLength(2);
    const byDuration = tcpscope('--watch', '100ms', '--duration', '350ms', '--json');
    expect(byDuration.status).toBe(0);
  });

  it('stops watching on SIGINT and SIGTERM with status 0', async () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const child = spawn(
        process.execPath,
        [cli, 'sockets', '--proc-root', tree.procRoot, '--watch', '100ms'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => setTimeout(r, 700));
      const t0 = Date.now();
      child.kill(sig);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code, sig).toBe(0);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(out).toContain(' + tcp ');
    }
  });

  it('rejects bad options with exit status 2 and a message naming them', () => {
    const bad = tcpscope('--state', 'closewait');
    expect(bad.status).toBe(2);
    expect(bad.err).toContain('unknown TCP state "closewait"');
    expect(tcpscope('--watch', 'soon').err).toContain('--watch: "soon" is not a duration');
    expect(tcpscope('--format', 'xml').status).toBe(2);
    expect(tcpscope('--port', '70000').err).toContain('--port');
  });
});
