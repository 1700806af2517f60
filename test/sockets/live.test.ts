/**
 * @module test/sockets/live
 * The socket-table lens against the real kernel and the real tools: a child process (known pid)
 * holds sockets in LISTEN, ESTABLISHED, CLOSE_WAIT (Recv-Q 58 + 1 FIN), FIN_WAIT1 (orphaned,
 * unsent data + FIN), FIN_WAIT2, TIME_WAIT on 127.0.0.1 and ::1, plus a v4-mapped listener;
 * then `tcpscope sockets --format netstat` must print the very lines `netstat -tanp` prints, and
 * `--json` must agree with `ss -tanpH` on state, queues, addresses and owner.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src/sockets/types.js';
import {
  formatNetstat,
  formatNetstatFromProc,
  planScan,
  procFdCounter,
  readRawSocketTable,
  readSockets,
  scanOnThisThread,
} from '../../src/sockets/index.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli', 'main.js');
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

let peer: ChildProcess | undefined;
let peerPid = 0;
let ports = new Set<number>();

function ours(addr: string, port: number): boolean {
  return LOOPBACK.has(addr) && ports.has(port);
}

/** Lines of a netstat-format text that belong to the peer (either endpoint is one of its listeners). */
function peerLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => {
      const cols = line.trim().split(/\s+/);
      if (cols[0] !== 'tcp' && cols[0] !== 'tcp6') return false;
      return [cols[3], cols[4]].some((ep) => {
        const i = ep?.lastIndexOf(':') ?? -1;
        if (!ep || i < 0) return false;
        const addr = ep.slice(0, i);
        return ports.has(Number(ep.slice(i + 1))) && (LOOPBACK.has(addr) || addr === '127.0.0.1');
      });
    })
    .sort();
}

function run(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 });
  if (res.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: ${res.status ?? res.signal} ${res.stderr}`);
  return res.stdout;
}

beforeAll(async () => {
  const child = spawn(process.execPath, [join(here, 'peer-states.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  peer = child;
  const first = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('peer not ready within 30 s')), 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => {
      clearTimeout(t);
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`peer exited early (${code})`)));
  });
  const msg = JSON.parse(first) as { ready?: boolean; pid: number; ports: number[]; error?: string };
  if (!msg.ready) throw new Error(`peer failed: ${msg.error}`);
  peerPid = msg.pid;
  ports = new Set(msg.ports);
  // Wait until the table is stable (two netstat samples 300 ms apart agree), bounded.
  let prev = '';
  for (let i = 0; i < 20; i++) {
    const now = peerLines(run('netstat', ['-tanp'])).join('\n');
    if (now === prev) break;
    prev = now;
    await new Promise((r) => setTimeout(r, 300));
  }
}, 60_000);

afterAll(() => {
  if (peer?.pid !== undefined) {
    try {
      process.kill(peer.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

describe('live socket table', () => {
  it('holds every state the test needs, with the seed numbers', async () => {
    const { rows } = await readSockets({});
    const mine = rows.filter((r) => ours(r.local.addr, r.local.port) || ours(r.remote.addr, r.remote.port));
    const states = new Set(mine.map((r) => r.state));
    for (const s of ['LISTEN', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT'] as const) {
      expect(states, s).toContain(s);
    }
    for (const family of [4, 6] as const) {
      const cw = mine.filter((r) => r.state === 'CLOSE_WAIT' && r.family === family);
      expect(cw.map((r) => r.recvQ)).toEqual([59]); // 58 unread bytes + the FIN
      expect(cw[0]?.pid).toBe(peerPid);
      expect(cw[0]?.comm).toBe('tcpscope-peer');
      const fw1 = mine.filter((r) => r.state === 'FIN_WAIT1' && r.family === family);
      expect(fw1).toHaveLength(1);
      expect(fw1[0]?.pid).toBeUndefined(); // orphan
      expect(fw1[0]?.inode).toBe(0);
      expect(fw1[0]?.sendQ).toBeGreaterThan(1);
      const tw = mine.filter((r) => r.state === 'TIME_WAIT' && r.family === family);
      expect(tw.length).toBeGreaterThan(0);
      expect(tw.every((r) => r.timer.kind === 'timewait' && r.timer.expiresMs <= 60_000)).toBe(true);
    }
    expect(mine.some((r) => r.local.addr === '::ffff:127.0.0.1' && r.state === 'ESTABLISHED')).toBe(true);
  });

  it('tcpscope sockets --format netstat prints the lines netstat -tanp prints', () => {
    expect(existsSync(cli), 'build dist first (npm run build)').toBe(true);
    const expected = peerLines(run('netstat', ['-tanp']));
    const actual = peerLines(run(process.execPath, [cli, 'sockets', '-a', '--format', 'netstat']));
    expect(expected.length).toBeGreaterThanOrEqual(25);
    expect(actual).toEqual(expected);
    // Header lines, byte for byte.
    const head = run('netstat', ['-tanp']).split('\n').slice(0, 2);
    const ourHead = run(process.execPath, [cli, 'sockets', '-a', '--format', 'netstat', '--port', '1']).split(
      '\n',
    );
    expect(ourHead.slice(0, 2)).toEqual(head);
    // Default scope (no -a) and -l agree too.
    expect(peerLines(run(process.execPath, [cli, 'sockets', '--format', 'netstat']))).toEqual(
      peerLines(run('netstat', ['-tnp'])),
    );
    expect(peerLines(run(process.execPath, [cli, 'sockets', '-l', '--format', 'netstat']))).toEqual(
      peerLines(run('netstat', ['-tlnp'])),
    );
  });

  it("reads the peer's fds by number and finds what listing its fd directory finds", () => {
    const pids = Int32Array.from([peerPid]);
    const sorted = (t: ArrayLike<number>): string[] => {
      const out: string[] = [];
      for (let i = 0; i + 2 < t.length; i += 3) out.push(`${t[i]}/${t[i + 1]}/${t[i + 2]}`);
      return out.sort();
    };
    // procFdCounter is undefined before Linux 6.2: then both plans list the directory.
    const byNumber = scanOnThisThread('/proc', planScan(pids, procFdCounter('/proc')));
    const listed = scanOnThisThread('/proc', planScan(pids, undefined));
    expect(sorted(byNumber.triples)).toEqual(sorted(listed.triples));
    expect(byNumber.triples.length).toBeGreaterThanOrEqual(3 * 8);
    expect(Array.from(byNumber.counts)).toEqual(Array.from(listed.counts));
  });

  it('the row path and the stream path format the same text', async () => {
    const raw = await readRawSocketTable({});
    const { rows } = await readSockets({});
    const a = peerLines(decode(formatNetstatFromProc(raw, {}, { scope: 'all' }).bytes));
    const b = peerLines(formatNetstat(rows, { scope: 'all' }));
    expect(a).toEqual(b);
  });

  it('--json agrees with ss -tanpH on state, queues, addresses and owner', () => {
    const json = JSON.parse(run(process.execPath, [cli, 'sockets', '-a', '--json'])) as { rows: SocketRow[] };
    const mine = json.rows.filter(
      (r) => ours(r.local.addr, r.local.port) || ours(r.remote.addr, r.remote.port),
    );
    const ss = new Map<string, { state: string; recvQ: number; sendQ: number; owner?: string }>();
    for (const line of run('ss', ['-tanpH']).split('\n')) {
      const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line.trim());
      if (!m) continue;
      const row = { state: m[1] ?? '', recvQ: Number(m[2]), sendQ: Number(m[3]), owner: m[6] };
      // A listener's peer prints as *:*, 0.0.0.0:* or [::]:* depending on the socket: key it by local.
      ss.set(row.state === 'LISTEN' ? `${m[4]} LISTEN` : `${m[4]} ${m[5]}`, row);
    }
    const ssState: Record<string, string> = {
      ESTABLISHED: 'ESTAB',
      FIN_WAIT1: 'FIN-WAIT-1',
      FIN_WAIT2: 'FIN-WAIT-2',
      TIME_WAIT: 'TIME-WAIT',
      CLOSE_WAIT: 'CLOSE-WAIT',
      LISTEN: 'LISTEN',
      LAST_ACK: 'LAST-ACK',
      SYN_SENT: 'SYN-SENT',
      SYN_RECV: 'SYN-RECV',
      CLOSING: 'CLOSING',
    };
    const ep = (a: string, p: number, v6: boolean): string => (v6 ? `[${a}]:${p}` : `${a}:${p}`);
    let compared = 0;
    for (const r of mine) {
      const v6 = r.family === 6;
      const local = ep(r.local.addr, r.local.port, v6);
      const key =
        r.state === 'LISTEN' ? `${local} LISTEN` : `${local} ${ep(r.remote.addr, r.remote.port, v6)}`;
      const s = ss.get(key);
      expect(s, `ss row for ${key}`).toBeDefined();
      if (!s) continue;
      compared++;
      expect(s.state).toBe(ssState[r.state]);
      expect(s.recvQ).toBe(r.recvQ);
      // For a listener ss shows the backlog as Send-Q; /proc (and netstat) show 0.
      if (r.state !== 'LISTEN') expect(s.sendQ).toBe(r.sendQ);
      if (r.pid === undefined) expect(s.owner).toBe('');
      else expect(s.owner).toBe(`users:(("${r.comm}",pid=${r.pid},fd=${r.fd}))`);
    }
    expect(compared).toBeGreaterThanOrEqual(25);
  });

  it('--watch prints what appeared, then nothing while the table is stable, and stops after --count', () => {
    const port = [...ports][0] as number;
    const out = run(process.execPath, [
      cli,
      'sockets',
      '-a',
      '--port',
      String(port),
      '--watch',
      '100ms',
      '--count',
      '3',
      '--json',
    ]);
    const changes = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; row: SocketRow });
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.kind === 'appeared')).toBe(true);
    expect(changes.every((c) => c.row.local.port === port || c.row.remote.port === port)).toBe(true);
  });
});
