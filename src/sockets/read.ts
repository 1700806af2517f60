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
import { listPids, scanSocketOwners, type OwnerScan } from './owners.js';
import { startParallelOwnerScan } from './owners-parallel.js';
import { PermissionError, InputError } from '../util/errors.js';
import type {
  ProcTcpEntry,
  ProcTcpIssue,
  ReadSocketsOptions,
  ReadSocketsResult,
  SocketRow,
} from './types.js';

/** Reused read buffer; grows by doubling, so a big table costs a few copies, not one per read. */
let shared = Buffer.allocUnsafe(1 << 20);

/**
 * Reads a /proc file whole. seq_file returns about one page per read(), so the loop appends into
 * one growing buffer instead of allocating per call.
 */
export function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let len = 0;
    for (;;) {
      if (shared.length - len < 65_536) {
        const bigger = Buffer.allocUnsafe(shared.length * 2);
        shared.copy(bigger, 0, 0, len);
        shared = bigger;
      }
      const n = readSync(fd, shared, len, shared.length - len, null);
      if (n <= 0) break;
      len += n;
    }
    return shared.toString('latin1', 0, len);
  } finally {
    closeSync(fd);
  }
}

/** Text of `<procRoot>/net/<proto>`; undefined for a missing tcp6 (a kernel without IPv6). */
export function readTableText(procRoot: string, proto: 'tcp' | 'tcp6'): string | undefined {
  const path = join(procRoot, 'net', proto);
  try {
    return readProcText(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' && proto === 'tcp6') return undefined;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new PermissionError(`reading ${path}`, 'Run as a user that may read /proc/net.');
    }
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function readTable(procRoot: string, proto: 'tcp' | 'tcp6', byteOrder: 'LE' | 'BE') {
  const text = readTableText(procRoot, proto);
  if (text === undefined) return { entries: [] as ProcTcpEntry[], issues: [] as ProcTcpIssue[] };
  return parseProcNetTcp(text, { proto, byteOrder });
}

function readUsers(rootDir: string): Map<number, string> {
  try {
    return parsePasswd(readFileSync(join(rootDir, 'etc', 'passwd'), 'utf8'));
  } catch {
    return new Map();
  }
}

interface Tables {
  entries: ProcTcpEntry[];
  issues: ProcTcpIssue[];
}

function readTables(procRoot: string, options: ReadSocketsOptions): Tables {
  const byteOrder = options.endianness ?? endianness();
  const families = options.families ?? [4, 6];
  const entries: ProcTcpEntry[] = [];
  const issues: ProcTcpIssue[] = [];
  for (const fam of [4, 6] as const) {
    if (!families.includes(fam)) continue;
    const t = readTable(procRoot, fam === 4 ? 'tcp' : 'tcp6', byteOrder);
    for (let i = 0; i < t.entries.length; i++) entries.push(t.entries[i] as ProcTcpEntry);
    for (const i of t.issues) issues.push(i);
  }
  return { entries, issues };
}

function wantedInodes(entries: readonly ProcTcpEntry[]): Set<number> {
  const wanted = new Set<number>();
  for (const e of entries) if (e.inode !== 0) wanted.add(e.inode);
  return wanted;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function join_(
  tables: Tables,
  scan: OwnerScan | undefined,
  options: ReadSocketsOptions,
  started: number,
): ReadSocketsResult {
  const users = options.users === false ? undefined : readUsers(options.rootDir ?? '/');
  let owned = 0;
  // Entries are fresh objects from the parser: fill in owner columns in place (no copies).
  const rows = tables.entries as Mutable<SocketRow>[];
  for (const row of rows) {
    const user = users?.get(row.uid);
    if (user !== undefined) row.user = user;
    const list = row.inode !== 0 ? scan?.owners.get(row.inode) : undefined;
    const first = list?.[0];
    if (!list || !first) continue;
    owned++;
    row.pid = first.pid;
    row.fd = first.fd;
    row.comm = first.comm;
    row.program = first.program;
    if (first.cmdline !== undefined) row.cmdline = first.cmdline;
    if (list.length > 1) row.owners = list;
  }
  return {
    rows,
    issues: tables.issues,
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

/** Total sockets in use (`sockets: used N` of net/sockstat), or 0 when unknown. */
export function socketsInUse(procRoot: string): number {
  try {
    const m = /sockets: used (\d+)/.exec(readFileSync(join(procRoot, 'net', 'sockstat'), 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Below this many sockets in use, a worker thread costs more than it saves. */
export const PARALLEL_MIN_SOCKETS = 3000;

/**
 * Reads the TCP socket table with owners, timers, uids and inodes. With many sockets the fd scan
 * runs on a worker thread alongside the table parse (`parallel: 'auto'`).
 * @example
 * const { rows, stats } = await readSockets({ owners: true });
 * rows.filter((r) => r.state === 'CLOSE_WAIT').map((r) => `${r.pid}/${r.comm} ${r.recvQ}`);
 */
export async function readSockets(options: ReadSocketsOptions = {}): Promise<ReadSocketsResult> {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const mode = options.parallel ?? 'auto';
  const parallel =
    options.owners !== false &&
    (mode === true || (mode === 'auto' && socketsInUse(procRoot) >= PARALLEL_MIN_SOCKETS));
  if (!parallel) return readSocketsSync(options);
  const scan = startParallelOwnerScan(procRoot, listPids(procRoot));
  let tables: Tables;
  try {
    tables = readTables(procRoot, options);
  } catch (err) {
    await scan.finish(new Set(), false).catch(() => undefined);
    throw err;
  }
  const owners = await scan.finish(wantedInodes(tables.entries), options.cmdline === true);
  return join_(tables, owners, options, started);
}

/** Synchronous, single-threaded twin of `readSockets`. */
export function readSocketsSync(options: ReadSocketsOptions = {}): ReadSocketsResult {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const tables = readTables(procRoot, options);
  const scan =
    options.owners === false
      ? undefined
      : scanSocketOwners({
          procRoot,
          wanted: wantedInodes(tables.entries),
          cmdline: options.cmdline === true,
        });
  return join_(tables, scan, options, started);
}
