/**
 * @module test/sockets/read
 * The reader on a fixture procfs tree: owners from fd symlinks (first by pid, all listed),
 * orphans, vanished processes, user names, both scan strategies, and the two netstat paths.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatNetstat,
  formatNetstatFromProc,
  readNetstatOutput,
  readProcBytes,
  readRawSocketTable,
  readSockets,
  planScan,
  readSocketsSync,
  scanFds,
  scanSocketOwners,
  tcp6MayList,
  toSocketSnapshotEvent,
  type ScanFs,
} from '../../src/sockets/index.js';
import { makeFixtureTree, TCP4_LINES, TCP6_LINES, BAD_TCP4 } from './fixture-tree.js';
import { kernelLine, TCP_HEADER } from './kernel-line.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const tree = makeFixtureTree(true);
afterAll(() => rmSync(tree.rootDir, { recursive: true, force: true }));
const opts = { procRoot: tree.procRoot, rootDir: tree.rootDir, endianness: 'LE' as const };

describe('readSockets on a fixture tree', () => {
  it('joins rows with owners, users and counts', async () => {
    const { rows, issues, stats } = await readSockets({ ...opts, parallel: false });
    expect(rows).toHaveLength(TCP4_LINES.length + TCP6_LINES.length);
    expect(issues.map((i) => i.field)).toEqual(BAD_TCP4.map((b) => b.field));
    const byInode = new Map(rows.map((r) => [r.inode, r]));
    expect(byInode.get(1001)).toMatchObject({ pid: 100, fd: 3, comm: 'sshd', program: 'sshd', user: 'root' });
    // Shared after fork: netstat shows the lowest pid; every owner is listed.
    const shared = byInode.get(1003);
    expect(shared).toMatchObject({ pid: 200, fd: 6, program: 'nginx: master process /usr/sbin/nginx' });
    expect(shared?.owners?.map((o) => `${o.pid}/${o.fd}`)).toEqual(['200/6', '201/6']);
    expect(byInode.get(1004)).toMatchObject({
      pid: 300,
      comm: 'client',
      program: 'node',
      user: 'alice',
      recvQ: 59,
    });
    expect(byInode.get(2001)).toMatchObject({ pid: 400, program: 'python3-with-a-very-long-name' });
    expect(byInode.get(2003)?.pid).toBeUndefined(); // held by nobody we can see
    const orphans = rows.filter((r) => r.inode === 0);
    expect(orphans.length).toBeGreaterThan(0);
    expect(orphans.every((r) => r.pid === undefined)).toBe(true);
    expect(stats).toMatchObject({ vanished: 1, denied: 0, processesScanned: 7 });
    expect(stats.fdsRead).toBe(17);
  });

  it('gives the same rows with the fd scan on a worker thread', async () => {
    const one = readSocketsSync(opts);
    const two = await readSockets({ ...opts, parallel: true });
    expect(two.rows).toEqual(one.rows);
    expect(two.stats.processesScanned).toBe(one.stats.processesScanned);
    expect(two.stats.vanished).toBe(one.stats.vanished);
  });

  it('honours owners:false, cmdline:true and families', async () => {
    const bare = await readSockets({ ...opts, owners: false });
    expect(bare.rows.every((r) => r.pid === undefined)).toBe(true);
    const six = await readSockets({ ...opts, families: [6], cmdline: true });
    expect(six.rows.every((r) => r.family === 6)).toBe(true);
    expect(six.rows.find((r) => r.inode === 2001)?.cmdline).toBe(
      '/usr/bin/python3-with-a-very-long-name app.py',
    );
  });

  it('formats the same netstat text from rows and straight from /proc text', async () => {
    const { rows } = await readSockets(opts);
    const raw = await readRawSocketTable(opts);
    for (const scope of ['all', 'connected', 'listening'] as const) {
      const fromRows = formatNetstat(rows, { scope, timers: true });
      const fromText = formatNetstatFromProc(raw, {}, { scope, timers: true });
      expect(decode(fromText.bytes)).toBe(fromRows);
      expect(fromText.issues).toHaveLength(BAD_TCP4.length);
    }
    const text = formatNetstat(rows, { scope: 'all' });
    expect(text).toContain(
      'tcp6       0      0 127.0.0.1:9000          127.0.0.1:50000         ESTABLISHED 400/python3-with-a-',
    );
    expect(text).toContain(
      'tcp6       0      0 2001:db8:1234:5678::443 2001:db8::2:50001       ESTABLISHED -',
    );
    expect(text).toContain(
      'tcp        0      1 127.0.0.1:8007          127.0.0.1:40001         FIN_WAIT1   -',
    );
    const filtered = formatNetstatFromProc(
      raw,
      { ports: [8006], states: ['CLOSE_WAIT'] },
      { scope: 'connected' },
    );
    expect(filtered.rows).toBe(1);
  });

  it('counts vanished processes and denied fds without failing (injected fs)', () => {
    const deny = (code: string): Error => Object.assign(new Error(code), { code });
    const fs: ScanFs = {
      readdirSync(path: string) {
        if (path.includes('/1/')) throw deny('EACCES');
        if (path.includes('/2/')) throw deny('ENOENT');
        return ['3', '4', '5'];
      },
      readlinkSync(path: string) {
        if (path.endsWith('/4')) throw deny('EPERM');
        if (path.endsWith('/5')) throw deny('ENOENT');
        return 'socket:[77]';
      },
    };
    const counts = new Int32Array(4);
    const out = scanFds(fs, '/p', planScan(Int32Array.from([1, 2, 3]), undefined), false, counts);
    expect(Array.from(counts)).toEqual([1, 1, 2, 1]); // scanned, vanished, denied (dir + fd), fds read
    expect(Array.from(out)).toEqual([77, 3, 3]);
  });

  it('scans only the given pids, and matches a scan done with the real fs', () => {
    const scan = scanSocketOwners({ procRoot: tree.procRoot, pids: [300] });
    expect([...scan.owners.keys()].sort()).toEqual([1004, 1007, 1008]);
    const names = readdirSync(join(tree.procRoot, '300', 'fd'));
    expect(names.map((n) => readlinkSync(join(tree.procRoot, '300', 'fd', n)))).toContain('socket:[1004]');
  });

  it('skips /proc/net/tcp6 only when the kernel counts no IPv6 socket and no TIME_WAIT', () => {
    const root = mkdtempSync(join(tmpdir(), 'tcpscope-tcp6-'));
    try {
      const net = join(root, 'net');
      mkdirSync(net);
      writeFileSync(join(net, 'tcp'), readFileSync(join(tree.procRoot, 'net', 'tcp')));
      // A tcp6 that cannot be read: reading it is an error, skipping it is not.
      mkdirSync(join(net, 'tcp6'));
      const read = () => readSocketsSync({ procRoot: root, owners: false, users: false, endianness: 'LE' });
      expect(tcp6MayList(root)).toBe(true); // no counters: read it
      expect(read).toThrow(/tcp6/);
      writeFileSync(join(net, 'sockstat'), 'sockets: used 9\nTCP: inuse 7 orphan 0 tw 0 alloc 7 mem 1\n');
      writeFileSync(join(net, 'sockstat6'), 'TCP6: inuse 0\nUDP6: inuse 0\n');
      expect(tcp6MayList(root)).toBe(false);
      expect(read().rows.every((r) => r.proto === 'tcp')).toBe(true);
      writeFileSync(join(net, 'sockstat6'), 'TCP6: inuse 1\nUDP6: inuse 0\n');
      expect(tcp6MayList(root)).toBe(true);
      writeFileSync(join(net, 'sockstat6'), 'TCP6: inuse 0\nUDP6: inuse 0\n');
      writeFileSync(join(net, 'sockstat'), 'sockets: used 9\nTCP: inuse 7 orphan 0 tw 10 alloc 7 mem 1\n');
      expect(tcp6MayList(root)).toBe(true); // a TIME_WAIT socket may be IPv6
      expect(read).toThrow(/tcp6/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('formats a big table in two parts (the first while the rest is read) as the row path does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tcpscope-big-'));
    try {
      mkdirSync(join(root, 'net'));
      const lines = Array.from({ length: 3000 }, (_, i) => {
        const line = TCP4_LINES[i % TCP4_LINES.length] as (typeof TCP4_LINES)[number];
        return kernelLine({ ...line, sl: i, localPort: 1024 + i, inode: line.inode === 0 ? 0 : 5000 + i });
      });
      const text = [TCP_HEADER, ...lines].join('\n') + '\n';
      expect(text.length).toBeGreaterThan(240 << 10); // past the first part
      writeFileSync(join(root, 'net', 'tcp'), text);
      const heads: number[] = [];
      const whole = readProcBytes(join(root, 'net', 'tcp'), {
        after: 1000,
        head: (b) => heads.push(b.length),
      });
      expect(whole.toString('latin1')).toBe(text);
      expect(heads).toHaveLength(1);
      const o = { procRoot: root, owners: false, endianness: 'LE' as const, families: [4] as const };
      const out = await readNetstatOutput(o, {}, { scope: 'all', programs: false });
      const { rows } = await readSockets({ ...o, users: false });
      expect(decode(out.bytes)).toBe(formatNetstat(rows, { scope: 'all', programs: false }));
      expect(out.rows).toBe(3000);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('turns rows into a socket-snapshot timeline event', async () => {
    const { rows } = await readSockets(opts);
    const cw = rows.filter((r) => r.state === 'CLOSE_WAIT');
    const ev = toSocketSnapshotEvent(cw, 5n, 'poll');
    expect(ev).toMatchObject({ kind: 'socket-snapshot', lens: 'socket-table', tsNs: 5n, reason: 'poll' });
    expect(ev.flow).toBe('127.0.0.1.8006-127.0.0.1.40000');
    expect(ev.rows[0]).toEqual({
      proto: 'tcp',
      local: { addr: '127.0.0.1', port: 40000 },
      remote: { addr: '127.0.0.1', port: 8006 },
      state: 'CLOSE_WAIT',
      recvQ: 59,
      sendQ: 0,
      pid: 300,
      comm: 'client',
    });
  });
});
