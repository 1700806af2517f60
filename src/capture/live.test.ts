/**
 * @module capture/live.test
 * Live capture with the real tcpdump on loopback (real traffic to a port this test opened), the -w
 * file read back by the real tcpdump, and every failure path: bad filter, missing tcpdump, no
 * permission (tcpdump run as nobody), tcpdump dying mid-record, a consumer that stops early.
 */
import { execFileSync, spawn as nodeSpawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PermissionError, ToolMissingError } from '../util/errors.js';
import { CaptureError, liveCapture, parseTcpdumpCounts, tcpdumpArgs } from './live.js';
import { SAMPLE_PACKETS } from './samples.js';
import type { CaptureRecord } from './types.js';
import { writePcap } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-live-'));
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function talk(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end('hello tcpscope'));
    c.on('data', () => {});
    c.on('close', () => resolve());
    c.on('error', reject);
  });
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function drain(it: AsyncIterable<CaptureRecord>): Promise<{ recs: CaptureRecord[]; err?: unknown }> {
  const recs: CaptureRecord[] = [];
  try {
    for await (const r of it) recs.push(r);
    return { recs };
  } catch (err) {
    return { recs, err };
  }
}

describe('helpers', () => {
  test('argv is an array; filter words after --', () => {
    expect(tcpdumpArgs({ iface: 'lo', count: 3, snaplen: 96, filter: ['tcp', 'port', '1'] })).toEqual([
      '-U',
      '--immediate-mode',
      '-w',
      '-',
      '-i',
      'lo',
      '-s',
      '96',
      '-c',
      '3',
      '--',
      'tcp',
      'port',
      '1',
    ]);
    expect(
      parseTcpdumpCounts(
        'tcpdump: listening\n7 packets captured\n9 packets received by filter\n1 packet dropped by kernel\n',
      ),
    ).toEqual({
      captured: 7,
      receivedByFilter: 9,
      droppedByKernel: 1,
    });
  });
});

describe('real tcpdump on lo', () => {
  test('captures our traffic, -w file is read back by tcpdump, counts reported', async () => {
    const file = join(dir, 'live.pcap');
    const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', String(port)], writePath: file });
    const drained = drain(cap);
    await cap.ready;
    await talk();
    // wait (bounded) until the FINs have been seen
    for (let i = 0; i < 50 && cap.issues.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const txt = execFileSync('tcpdump', ['-n', '-r', file], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      if ((txt.match(/Flags \[F/g) ?? []).length >= 2) break;
    }
    const summary = await cap.stop();
    const { recs, err } = await drained;
    expect(err).toBeUndefined();
    expect(alive(cap.pid)).toBe(false);
    expect(recs.length).toBeGreaterThanOrEqual(6); // handshake, data, echo, FINs
    expect(summary.counts.captured).toBe(recs.length);
    expect(cap.info?.linkType).toBe(1);
    const lines = execFileSync('tcpdump', ['-n', '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\n');
    expect(lines).toHaveLength(recs.length);
    expect(lines[0]).toContain(`127.0.0.1.${port}`);
  });

  test('-c N ends by itself', async () => {
    const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', String(port)], count: 2 });
    const drained = drain(cap);
    await cap.ready;
    await talk();
    const { recs, err } = await drained;
    expect(err).toBeUndefined();
    expect(recs).toHaveLength(2);
    expect((await cap.done).exitCode).toBe(0);
  });

  test('a consumer that stops early leaves no tcpdump behind', async () => {
    const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', String(port)] });
    await cap.ready;
    const pid = cap.pid;
    expect(alive(pid)).toBe(true);
    const t = talk();
    for await (const _r of cap) break;
    await t;
    expect(alive(pid)).toBe(false);
  });

  test('tcpdump killed from outside: CaptureError naming the signal, packets before it kept', async () => {
    const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', String(port)] });
    const recs: CaptureRecord[] = [];
    let err: unknown;
    const consumer = (async () => {
      try {
        for await (const r of cap) recs.push(r);
      } catch (e) {
        err = e;
      }
    })();
    await cap.ready;
    await talk();
    for (let i = 0; i < 100 && recs.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    process.kill(cap.pid!, 'SIGKILL');
    await consumer;
    expect(recs.length).toBeGreaterThanOrEqual(3);
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as Error).message).toMatch(/tcpdump was killed by SIGKILL after \d+ packets/);
  });

  test('stop() without ever iterating still ends tcpdump', async () => {
    const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', String(port)] });
    await cap.ready;
    await talk();
    const s = await cap.stop();
    expect(s.requested).toBe(true);
    expect(alive(cap.pid)).toBe(false);
  });

  test("a bad filter: CaptureError with tcpdump's message", async () => {
    const { recs, err } = await drain(liveCapture({ iface: 'lo', filter: ['tcp', 'port'] }));
    expect(recs).toHaveLength(0);
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as Error).message).toContain("can't parse filter expression");
  });

  test('no permission: tcpdump run as nobody gives a PermissionError', async () => {
    const spawn = (cmd: string, args: readonly string[], o: object) =>
      nodeSpawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', cmd, ...args], o);
    const { err } = await drain(liveCapture({ iface: 'lo', spawn }));
    expect(err).toBeInstanceOf(PermissionError);
  });
});

describe('failures without a capture device', () => {
  test('tcpdump missing: ToolMissingError with an install hint', async () => {
    const { err } = await drain(liveCapture({ tcpdumpPath: join(dir, 'no-such-tcpdump') }));
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as Error).message).toMatch(/apt-get install tcpdump/);
  });

  test('tcpdump dying mid-record: packets before kept, -w file valid, clear message', async () => {
    const src = join(dir, 'src.pcap');
    const pcap = writePcap(SAMPLE_PACKETS, { linkType: 1 });
    writeFileSync(src, pcap);
    const cutAt = 24 + 16 + 60 + 10; // inside the second record
    const spawn = (_cmd: string, _args: readonly string[], o: object) =>
      nodeSpawn('sh', ['-c', 'head -c "$1" "$0"; echo "tcpdump: boom" >&2; exit 3', src, String(cutAt)], o);
    const out = join(dir, 'partial.pcap');
    const cap = liveCapture({ spawn, writePath: out });
    const { recs, err } = await drain(cap);
    expect(recs).toHaveLength(1);
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as Error).message).toMatch(/exited with status 3 after 1 packet .*mid-record.*tcpdump: boom/);
    const back = execFileSync('tcpdump', ['-r', out, '--count'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    expect(back).toMatch(/^1 packet/);
  });
});
