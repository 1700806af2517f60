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
import { listPids, planScan, procFdCounter, processInfo, scanOnThisThread } from './owners.js';
import { ownerScanFor } from './owners-parallel.js';
import { PermissionError, InputError } from '../util/errors.js';
import type {
  ProcTcpEntry,
  ProcTcpIssue,
  ReadSocketsOptions,
  ReadSocketsResult,
  SocketOwner,
  SocketRow,
} from './types.js';

/** Reused read buffer; grows by doubling, so a big table costs a few copies, not one per read. */
let shared = Buffer.allocUnsafe(1 << 20);

/** What a reader may do with the first part of a big file while the rest is still to be read. */
export interface HeadCallback {
  /** Bytes read before `head` is called (once; never for a smaller file). */
  readonly after: number;
  /** Gets the bytes read so far (a view, valid during the call). */
  head(bytes: Buffer): void;
}

/**
 * Reads a /proc file whole into the shared buffer and returns a view of it, valid until the next
 * read. seq_file returns about one page per read(), so the loop appends into one growing buffer
 * instead of allocating per call. `early` sees the first bytes while the rest is unread: the
 * netstat formatter starts on them, so its optimized code is compiled while the kernel formats
 * the rest.
 */
export function readProcBytes(path: string, early?: HeadCallback): Buffer {
  const fd = openSync(path, 'r');
  try {
    let len = 0;
    let waiting = early;
    for (;;) {
      if (shared.length - len < 65_536) {
        const bigger = Buffer.allocUnsafe(shared.length * 2);
        shared.copy(bigger, 0, 0, len);
        shared = bigger;
      }
      const n = readSync(fd, shared, len, shared.length - len, null);
      if (n <= 0) break;
      len += n;
      if (waiting && len >= waiting.after) {
        waiting.head(shared.subarray(0, len));
        waiting = undefined;
      }
    }
    return shared.subarray(0, len);
  } finally {
    closeSync(fd);
  }
}

/** Reads a /proc file whole, as text. */
export function readProcText(path: string): string {
  return readProcBytes(path).toString('latin1');
}

/**
 * Whether /proc/net/tcp6 can list anything, by the kernel's own counters: with no IPv6 TCP socket
 * hashed (`TCP6: inuse 0` in net/sockstat6: listeners and connections of every state count) and
 * no TIME_WAIT socket of either family (`tw 0` in net/sockstat), it is empty (a SYN_RECV entry
 * needs an IPv6 listener). Reading an empty tcp6 still walks the whole socket hash table: 8 ms
 * beside 20,000 IPv4 connections. True when a counter cannot be read.
 */
export function tcp6MayList(procRoot: string): boolean {
  try {
    const v6 = readFileSync(join(procRoot, 'net', 'sockstat6'), 'latin1');
    const v4 = readFileSync(join(procRoot, 'net', 'sockstat'), 'latin1');
    return !/^TCP6: inuse 0$/m.test(v6) || !/^TCP: .*\btw 0\b/m.test(v4);
  } catch {
    return true;
  }
}

/**
 * Bytes of `<procRoot>/net/<proto>` (a view valid until the next read; `early`: see
 * `readProcBytes`); undefined for a missing tcp6 (a kernel without IPv6) and for one the kernel's
 * counters say is empty (`tcp6MayList`).
 */
export function readTableBytes(
  procRoot: string,
  proto: 'tcp' | 'tcp6',
  early?: HeadCallback,
): Buffer | undefined {
  if (proto === 'tcp6' && !tcp6MayList(procRoot)) return undefined;
  const path = join(procRoot, 'net', proto);
  try {
    return readProcBytes(path, early);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' && proto === 'tcp6') return undefined;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new PermissionError(`reading ${path}`, 'Run as a user that may read /proc/net.');
    }
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Text of `<procRoot>/net/<proto>`; undefined for a missing tcp6 (a kernel without IPv6). */
export function readTableText(procRoot: string, proto: 'tcp' | 'tcp6'): string | undefined {
  return readTableBytes(procRoot, proto)?.toString('latin1');
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

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Raw scan output: `inode, pid, fd` triples and [scanned, vanished, denied, fdsRead]. */
interface Triples {
  triples: ArrayLike<number>;
  counts: Int32Array;
}

/**
 * Fills owner and user columns into the parsed rows in place. Owner objects are only built for
 * sockets held by several processes; the common case copies three numbers and two strings.
 */
function join_(
  procRoot: string,
  tables: Tables,
  scan: Triples | undefined,
  options: ReadSocketsOptions,
  started: number,
): ReadSocketsResult {
  const users = options.users === false ? undefined : readUsers(options.rootDir ?? '/');
  const withCmdline = options.cmdline === true;
  const t = scan?.triples ?? [];
  // inode → index of its first triple (lowest pid, then lowest fd), and every index when shared.
  const first = new Map<number, number>();
  let shared: Map<number, number[]> | undefined;
  for (let i = 0; i + 2 < t.length; i += 3) {
    const inode = t[i] as number;
    const j = first.get(inode);
    if (j === undefined) {
      first.set(inode, i);
      continue;
    }
    if ((t[j + 1] as number) === (t[i + 1] as number) && (t[j + 2] as number) === (t[i + 2] as number))
      continue;
    shared ??= new Map();
    const list = shared.get(inode) ?? [j];
    list.push(i);
    shared.set(inode, list);
    const lo = (a: number, b: number): boolean =>
      (t[a + 1] as number) < (t[b + 1] as number) ||
      ((t[a + 1] as number) === (t[b + 1] as number) && (t[a + 2] as number) < (t[b + 2] as number));
    if (lo(i, j)) first.set(inode, i);
  }
  const infos = new Map<number, { comm: string; program: string; cmdline?: string }>();
  const infoOf = (pid: number): { comm: string; program: string; cmdline?: string } => {
    let info = infos.get(pid);
    if (!info) {
      info = processInfo(`${procRoot}/${pid}`, withCmdline);
      infos.set(pid, info);
    }
    return info;
  };
  let owned = 0;
  // Entries are fresh objects from the parser, with every owner field present: fill in place.
  const rows = tables.entries as Mutable<SocketRow>[];
  for (const row of rows) {
    if (users) {
      const user = users.get(row.uid);
      if (user !== undefined) row.user = user;
    }
    if (row.inode === 0) continue;
    const i = first.get(row.inode);
    if (i === undefined) continue;
    owned++;
    const pid = t[i + 1] as number;
    const info = infoOf(pid);
    row.pid = pid;
    row.fd = t[i + 2];
    row.comm = info.comm;
    row.program = info.program;
    if (info.cmdline !== undefined) row.cmdline = info.cmdline;
    const all = shared?.get(row.inode);
    if (all) {
      const owners = all
        .map((k): SocketOwner => {
          const p = t[k + 1] as number;
          const inf = infoOf(p);
          const o = { pid: p, fd: t[k + 2] as number, comm: inf.comm, program: inf.program };
          return inf.cmdline === undefined ? o : { ...o, cmdline: inf.cmdline };
        })
        .sort((a, b) => a.pid - b.pid || a.fd - b.fd)
        .filter((o, k, list) => k === 0 || o.pid !== list[k - 1]?.pid || o.fd !== list[k - 1]?.fd);
      if (owners.length > 1) row.owners = owners;
    }
  }
  const c = scan?.counts;
  return {
    rows,
    issues: tables.issues,
    stats: {
      processesScanned: c?.[0] ?? 0,
      vanished: c?.[1] ?? 0,
      denied: c?.[2] ?? 0,
      fdsRead: c?.[3] ?? 0,
      socketsOwned: owned,
      orphans: scan ? rows.length - owned : 0,
      durationMs: performance.now() - started,
    },
  };
}

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
  const scan = options.owners === false ? undefined : ownerScanFor(procRoot, options.parallel ?? 'auto');
  if (!scan) return readSocketsSync(options);
  let tables: Tables;
  try {
    tables = readTables(procRoot, options);
  } catch (err) {
    await scan.finishTriples().catch(() => undefined);
    throw err;
  }
  return join_(procRoot, tables, await scan.finishTriples(), options, started);
}

/** Synchronous, single-threaded twin of `readSockets`. */
export function readSocketsSync(options: ReadSocketsOptions = {}): ReadSocketsResult {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const tables = readTables(procRoot, options);
  if (options.owners === false) return join_(procRoot, tables, undefined, options, started);
  const scan = scanOnThisThread(procRoot, planScan(listPids(procRoot), procFdCounter(procRoot)));
  return join_(procRoot, tables, scan, options, started);
}
