/**
 * @module sockets/read
 * The socket-table reader: reads `<procRoot>/net/tcp{,6}`, parses them with the pure parser, maps
 * inodes to owners by scanning `<procRoot>/<pid>/fd`, and names uids from `<rootDir>/etc/passwd`.
 * Everything the OS gives is injected (`procRoot`, `rootDir`, byte order) so tests run on fixtures.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { parsePasswd } from './passwd.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { scanSocketOwners } from './owners.js';
import { PermissionError, InputError } from '../util/errors.js';
import type {
  ProcTcpEntry,
  ProcTcpIssue,
  ReadSocketsOptions,
  ReadSocketsResult,
  SocketRow,
} from './types.js';

const CHUNK = 1 << 22;

/**
 * Reads a /proc file in large chunks: seq_file fills each read() up to its size, so big reads
 * mean few restarts of the kernel's table walk.
 */
export function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n <= 0) break;
      chunks.push(n === CHUNK ? buf : buf.subarray(0, n));
    }
    return chunks.length === 1
      ? (chunks[0] as Buffer).toString('latin1')
      : Buffer.concat(chunks).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function readTable(procRoot: string, proto: 'tcp' | 'tcp6', byteOrder: 'LE' | 'BE') {
  const path = join(procRoot, 'net', proto);
  let text: string;
  try {
    text = readProcText(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A kernel without IPv6 has no tcp6 file: an empty table, not an error.
    if (code === 'ENOENT' && proto === 'tcp6')
      return { entries: [] as ProcTcpEntry[], issues: [] as ProcTcpIssue[] };
    if (code === 'EACCES' || code === 'EPERM')
      throw new PermissionError(`reading ${path}`, 'Run as a user that may read /proc/net.');
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseProcNetTcp(text, { proto, byteOrder });
}

function readUsers(rootDir: string): Map<number, string> {
  try {
    return parsePasswd(readFileSync(join(rootDir, 'etc', 'passwd'), 'utf8'));
  } catch {
    return new Map();
  }
}

/**
 * Reads the TCP socket table with owners, timers, uids and inodes.
 * @example
 * const { rows, stats } = await readSockets({ owners: true });
 * rows.filter((r) => r.state === 'CLOSE_WAIT').map((r) => `${r.pid}/${r.comm} ${r.recvQ}`);
 */
export function readSockets(options: ReadSocketsOptions = {}): Promise<ReadSocketsResult> {
  try {
    return Promise.resolve(readSocketsSync(options));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Synchronous twin of `readSockets` (the CLI's watch loop and benchmarks use it). */
export function readSocketsSync(options: ReadSocketsOptions = {}): ReadSocketsResult {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const byteOrder = options.endianness ?? endianness();
  const families = options.families ?? [4, 6];
  const entries: ProcTcpEntry[] = [];
  const issues: ProcTcpIssue[] = [];
  for (const fam of [4, 6] as const) {
    if (!families.includes(fam)) continue;
    const t = readTable(procRoot, fam === 4 ? 'tcp' : 'tcp6', byteOrder);
    for (const e of t.entries) entries.push(e);
    for (const i of t.issues) issues.push(i);
  }
  const users = options.users === false ? undefined : readUsers(options.rootDir ?? '/');
  let scan: ReturnType<typeof scanSocketOwners> | undefined;
  if (options.owners !== false) {
    const wanted = new Set<number>();
    for (const e of entries) if (e.inode !== 0) wanted.add(e.inode);
    scan = scanSocketOwners({ procRoot, wanted, cmdline: options.cmdline === true });
  }
  let owned = 0;
  const rows: SocketRow[] = entries.map((e) => {
    const user = users?.get(e.uid);
    const list = e.inode !== 0 ? scan?.owners.get(e.inode) : undefined;
    const first = list?.[0];
    if (!first) return user === undefined ? e : { ...e, user };
    owned++;
    const row: SocketRow = {
      ...e,
      ...(user !== undefined ? { user } : {}),
      pid: first.pid,
      fd: first.fd,
      comm: first.comm,
      program: first.program,
      ...(first.cmdline !== undefined ? { cmdline: first.cmdline } : {}),
      ...(list.length > 1 ? { owners: list } : {}),
    };
    return row;
  });
  return {
    rows,
    issues,
    stats: {
      processesScanned: scan?.processesScanned ?? 0,
      vanished: scan?.vanished ?? 0,
      denied: scan?.denied ?? 0,
      fdsRead: scan?.fdsRead ?? 0,
      socketsOwned: owned,
      orphans: scan ? rows.length - owned : 0,
      durationMs: performance.now() - started,
    },
  };
}
