/**
 * @module sockets/read
 * The socket-table reader: reads `<procRoot>/net/tcp{,6}`, parses them with the pure parser, maps
 * inodes to owners by scanning `<procRoot>/<pid>/fd`, and names uids from `<rootDir>/etc/passwd`.
 * Everything the OS gives is injected (`procRoot`, `rootDir`, byte order) so tests run on fixtures.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { parsePasswd } from './passwd.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { listPids, planScan, procFdCounter, processInfo, scanOnThisThread } from './owners.js';
import { ownerScanFor } from './owners-parallel.js';
import { readTableText } from './proc-files.js';
import type {
  ProcTcpEntry,
  ProcTcpIssue,
  ReadSocketsOptions,
  ReadSocketsResult,
  SocketOwner,
  SocketRow,
} from './types.js';

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
