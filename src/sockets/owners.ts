/**
 * @module sockets/owners
 * Socket inode → owning processes, by scanning `<procRoot>/<pid>/fd` and reading each link
 * (`socket:[12345]`), as `netstat -p` and `ss -p` do. Processes that vanish mid-scan and
 * directories or links we may not read (EACCES/EPERM as non-root) are counted, never fatal.
 * The scan is synchronous on purpose: one readlink per fd is the whole cost, and the libuv thread
 * pool's per-call overhead is larger than the syscall itself.
 */
import { openSync, readdirSync, readlinkSync, readSync, closeSync, statSync } from 'node:fs';
import type { SocketOwner } from './types.js';

export interface ScanOwnersOptions {
  readonly procRoot: string;
  /** Only record these inodes (others are skipped cheaply). Default: every socket. */
  readonly wanted?: ReadonlySet<number>;
  /** Read each owner's full command line. */
  readonly cmdline?: boolean;
  /** Only scan these pids (e.g. for `--pid`). Default: every numeric entry of procRoot. */
  readonly pids?: readonly number[];
}

export interface OwnerScan {
  /** inode → owners in scan order (ascending pid, then the fd directory's order). */
  readonly owners: Map<number, SocketOwner[]>;
  readonly processesScanned: number;
  readonly vanished: number;
  readonly denied: number;
  readonly fdsRead: number;
}

const readBuf = Buffer.allocUnsafe(4096);

/** Reads up to 4 KiB of a small /proc file; undefined if it is gone or unreadable. */
function readSmall(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, readBuf, 0, readBuf.length, 0);
    return Buffer.from(readBuf.subarray(0, n));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * netstat's program name: argv[0] from the first 511 bytes of cmdline, cut after its last `/`
 * when it starts with `/` (the whole argv[0] string, spaces and all, as net-tools does); bytes
 * outside printable ASCII become `.`.
 * @example netstatProgramName(Buffer.from('/usr/bin/node\0x.js\0')) === 'node'
 */
export function netstatProgramName(cmdline: Uint8Array): string {
  const bytes = cmdline.subarray(0, 511);
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === 0) break;
    // net-tools 2.10 replaces anything outside printable 7-bit ASCII with '.'.
    s += c < 0x20 || c > 0x7e ? '.' : String.fromCharCode(c);
  }
  if (s.startsWith('/')) s = s.slice(s.lastIndexOf('/') + 1);
  return s;
}

export function processInfo(
  dir: string,
  withCmdline: boolean,
): { comm: string; program: string; cmdline?: string } {
  const comm = readSmall(`${dir}/comm`)?.toString('utf8').replace(/\n$/, '') ?? '';
  const raw = readSmall(`${dir}/cmdline`) ?? Buffer.alloc(0);
  const info: { comm: string; program: string; cmdline?: string } = {
    comm,
    program: netstatProgramName(raw),
  };
  if (withCmdline) info.cmdline = raw.toString('utf8').replace(/\0+$/, '').split('\0').join(' ');
  return info;
}

/** The fs calls the scan loop needs (injected so the loop's source can also run in a worker). */
export interface ScanFs {
  readdirSync(path: string): string[];
  readlinkSync(path: string): string;
}

/**
 * The fd-scan loop. `tasks` holds `[pid, part, parts]` triples: part k of a process covers the
 * k-th slice of its fd directory, so one process with 16,000 sockets can be shared by two threads.
 * Tasks are claimed from `next[0]` atomically; every socket fd appends `inode, pid, fd` to `out`.
 * `counts` receives [processesScanned, vanished, denied, fdsRead]. Self-contained: it refers only
 * to its parameters and globals, because its source text is also evaluated inside a worker.
 */
export function scanPidsLoop(
  fs: ScanFs,
  procRoot: string,
  tasks: Int32Array,
  next: Int32Array,
  out: number[],
  counts: Int32Array,
): void {
  let cachedPid = -1;
  let cachedNames: string[] = [];
  for (;;) {
    const t = Atomics.add(next, 0, 1) * 3;
    if (t >= tasks.length) return;
    const pid = tasks[t] as number;
    const part = tasks[t + 1] as number;
    const parts = tasks[t + 2] as number;
    const fdDir = procRoot + '/' + pid + '/fd/';
    let names: string[];
    if (pid === cachedPid) names = cachedNames;
    else {
      try {
        names = fs.readdirSync(fdDir);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (part === 0) Atomics.add(counts, code === 'EACCES' || code === 'EPERM' ? 2 : 1, 1);
        continue;
      }
      cachedPid = pid;
      cachedNames = names;
    }
    if (part === 0) Atomics.add(counts, 0, 1);
    const from = Math.floor((names.length * part) / parts);
    const to = Math.floor((names.length * (part + 1)) / parts);
    for (let k = from; k < to; k++) {
      const name = names[k] as string;
      let link: string;
      try {
        link = fs.readlinkSync(fdDir + name);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EACCES' || code === 'EPERM') Atomics.add(counts, 2, 1);
        // ENOENT: the fd was closed (or the process exited) since readdir; not an error.
        continue;
      }
      Atomics.add(counts, 3, 1);
      // "socket:[12345]"
      if (link.charCodeAt(0) !== 115 || link.charCodeAt(6) !== 58 || !link.startsWith('socket:[')) continue;
      const inode = Number(link.slice(8, -1));
      if (Number.isInteger(inode)) out.push(inode, pid, Number(name));
    }
  }
}

/** Fds per task: big processes are cut into slices of about this many fds. */
const FDS_PER_PART = 2048;

/**
 * The task list for `scanPidsLoop`: one task per process, several for a process with many fds
 * (the size of `/proc/<pid>/fd` is its fd count on Linux 6.2 and later; 0 before, so one task).
 */
export function planScanTasks(procRoot: string, pids: Int32Array, split: boolean): Int32Array {
  const tasks: number[] = [];
  for (const pid of pids) {
    let parts = 1;
    if (split) {
      const st = statSync(`${procRoot}/${pid}/fd`, { throwIfNoEntry: false });
      if (st && st.size > FDS_PER_PART) parts = Math.ceil(st.size / FDS_PER_PART);
    }
    for (let k = 0; k < parts; k++) tasks.push(pid, k, parts);
  }
  return Int32Array.from(tasks);
}

/** Pids of `procRoot`, ascending (the order netstat meets them in). */
export function listPids(procRoot: string): Int32Array {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (Number.isInteger(pid)) pids.push(pid);
  }
  return Int32Array.from(pids).sort();
}

/**
 * Groups scan triples by inode (owners ordered by pid, then fd, so the first is the one netstat
 * shows), reading comm/program (and cmdline) once per owning process. Duplicate triples (two
 * threads slicing a directory that changed in between) are dropped.
 */
export function buildOwners(
  procRoot: string,
  triples: ArrayLike<number>,
  wanted: ReadonlySet<number> | undefined,
  withCmdline: boolean,
): Map<number, SocketOwner[]> {
  const owners = new Map<number, SocketOwner[]>();
  const infos = new Map<number, { comm: string; program: string; cmdline?: string }>();
  for (let i = 0; i + 2 < triples.length; i += 3) {
    const inode = triples[i] as number;
    if (wanted && !wanted.has(inode)) continue;
    const pid = triples[i + 1] as number;
    const fd = triples[i + 2] as number;
    let info = infos.get(pid);
    if (!info) {
      info = processInfo(`${procRoot}/${pid}`, withCmdline);
      infos.set(pid, info);
    }
    const list = owners.get(inode);
    const owner: SocketOwner =
      info.cmdline === undefined
        ? { pid, fd, comm: info.comm, program: info.program }
        : { pid, fd, comm: info.comm, program: info.program, cmdline: info.cmdline };
    if (!list) owners.set(inode, [owner]);
    else if (!list.some((o) => o.pid === pid && o.fd === fd)) {
      list.push(owner);
      list.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
    }
  }
  return owners;
}

/**
 * Scans every process's fd directory (on this thread) and maps socket inodes to their owners.
 * @example const { owners } = scanSocketOwners({ procRoot: '/proc' }); owners.get(4242)?.[0]?.pid
 */
export function scanSocketOwners(opts: ScanOwnersOptions): OwnerScan {
  const pids = opts.pids ? Int32Array.from(opts.pids) : listPids(opts.procRoot);
  const out: number[] = [];
  const counts = new Int32Array(4);
  const tasks = planScanTasks(opts.procRoot, pids, false);
  scanPidsLoop({ readdirSync, readlinkSync }, opts.procRoot, tasks, new Int32Array(1), out, counts);
  return {
    owners: buildOwners(opts.procRoot, out, opts.wanted, opts.cmdline === true),
    processesScanned: counts[0] as number,
    vanished: counts[1] as number,
    denied: counts[2] as number,
    fdsRead: counts[3] as number,
  };
}
