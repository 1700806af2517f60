/**
 * @module sockets/owners
 * Socket inode → owning processes, by reading the links of `<procRoot>/<pid>/fd` (`socket:[12345]`),
 * as `netstat -p` and `ss -p` do. Processes that vanish mid-scan and directories or links we may not
 * read (EACCES/EPERM as non-root) are counted, never fatal.
 *
 * On procfs of Linux 6.2 and later the size of `<pid>/fd` is the process's number of open fds, so
 * the scan reads links by fd number (0, 1, 2, …) without listing the directory: listing a directory
 * of 10,000 fds makes the kernel build an entry for each, which costs about a quarter of the reads.
 * Numbers missing in that range (closed fds, "holes") are skipped within a budget; when fds are
 * still unaccounted for, the scan probes a little past the range and finally lists the directory and
 * reads the fds it has not covered. Ranges of fd numbers make tasks that two threads can share
 * without doing anything twice (see owners-parallel). The scan is synchronous on purpose: one
 * readlink per fd is the whole cost, and the libuv thread pool's per-call overhead is larger than
 * the syscall itself.
 */
import { closeSync, openSync, readdirSync, readlinkSync, readSync, statfsSync, statSync } from 'node:fs';
import { InputError } from '../util/errors.js';
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
  /** inode → owners, ordered by pid, then fd. */
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

/** netstat's program name of the process at `dir` (`<procRoot>/<pid>`); '' if it is gone. */
export function programOf(dir: string): string {
  return netstatProgramName(readSmall(`${dir}/cmdline`) ?? Buffer.alloc(0));
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

/** fd numbers per task: a process with 10,000 sockets becomes ten tasks two threads can share. */
export const FDS_PER_TASK = 1024;
/** Missing fd numbers one task (or the probe past a range) tolerates before it gives up. */
export const MISSES_PER_TASK = 64;

/*
 * A scan plan is one Int32Array (on a SharedArrayBuffer when two threads share it):
 *   header   [tickets taken, tasks taken from the front, from the back, T, P, miss budget,
 *             processes without fds]
 *   T tasks  [pid, first fd, end fd (exclusive; -1: list the directory), process index]
 *   P procs  [fd count, fds found, tasks left, flags, first task, tasks]
 *   T ints   how far each task got (its fds below this number were read or found missing)
 * The counters are updated with Atomics; the last task of a process to finish completes it.
 */
const HEADER = 7;
const TASK_INTS = 4;
const PROC_INTS = 6;

/** How many fds each process has open, or -1 when unknown (then its directory is listed). */
export type FdCounter = (pid: number) => number;

/** procfs's magic number (statfs f_type). */
const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * The fd counter of a procfs at `procRoot` whose `<pid>/fd` sizes are fd counts (Linux 6.2 and
 * later), or undefined (another kernel, or a fixture tree): then every directory is listed.
 */
export function procFdCounter(procRoot: string): FdCounter | undefined {
  try {
    if (statfsSync(procRoot).type !== PROC_SUPER_MAGIC) return undefined;
    // Before 6.2 the size is 0; this process has fds open, so 0 here means "not counted".
    if (statSync(`${procRoot}/self/fd`).size <= 0) return undefined;
  } catch {
    return undefined;
  }
  return (pid) => {
    const st = statSync(`${procRoot}/${pid}/fd`, { throwIfNoEntry: false });
    return st ? st.size : -1;
  };
}

/**
 * The scan plan of `pids`: with an fd counter, ranges of at most `fdsPerTask` fd numbers per task
 * (processes without fds need no task); without one, one task per process that lists its directory.
 * @example scanFds(fs, '/proc', planScan(listPids('/proc'), procFdCounter('/proc')), false, new Int32Array(4))
 */
export function planScan(
  pids: Int32Array,
  fdCount: FdCounter | undefined,
  fdsPerTask = FDS_PER_TASK,
  missBudget = MISSES_PER_TASK,
  shared = false,
): Int32Array {
  const tasks: number[] = [];
  const procs: number[] = [];
  let empty = 0;
  for (const pid of pids) {
    const count = fdCount ? fdCount(pid) : -1;
    if (count === 0) {
      empty++;
      continue;
    }
    const p = procs.length / PROC_INTS;
    const first = tasks.length / TASK_INTS;
    let parts = 1;
    if (count < 0) tasks.push(pid, 0, -1, p);
    else {
      parts = Math.ceil(count / fdsPerTask);
      for (let k = 0; k < parts; k++)
        tasks.push(pid, k * fdsPerTask, Math.min(count, (k + 1) * fdsPerTask), p);
    }
    procs.push(Math.max(count, 0), 0, parts, 0, first, parts);
  }
  const T = tasks.length / TASK_INTS;
  const P = procs.length / PROC_INTS;
  const ints = HEADER + tasks.length + procs.length + T;
  const plan = new Int32Array(shared ? new SharedArrayBuffer(ints * 4) : new ArrayBuffer(ints * 4));
  plan.set([0, 0, 0, T, P, missBudget, empty]);
  plan.set(tasks, HEADER);
  plan.set(procs, HEADER + tasks.length);
  return plan;
}

/** Processes the plan counted as scanned without a task (no fds open). */
export function planEmptyProcesses(plan: Int32Array): number {
  return plan[6] as number;
}

/**
 * The fd-scan loop: claims tasks of `plan` (from the front, or from the back so that two threads
 * work on different processes until they meet) and returns `inode, pid, fd` for every socket fd it
 * read. `counts` receives [processesScanned, vanished, denied, fdsRead]. Duplicate triples are
 * possible only when a directory changes during the scan. Self-contained: it refers only to its
 * parameters and globals, because its source text is also evaluated inside a worker.
 */
export function scanFds(
  fs: ScanFs,
  procRoot: string,
  plan: Int32Array,
  fromBack: boolean,
  counts: Int32Array,
): Float64Array {
  const T = plan[3] as number;
  const P = plan[4] as number;
  const budget = plan[5] as number;
  const TASKS = 7;
  const PROCS = TASKS + 4 * T;
  const REACHED = PROCS + 6 * P;
  const ABORTED = 1;
  const DENIED = 2;
  // Room for a socket per fd the plan counts (growing is a branch the optimized loop never took).
  let planned = 1024;
  for (let p = 0; p < P; p++) planned += plan[PROCS + 6 * p] as number;
  let out = new Float64Array(3 * planned);
  let outLen = 0;
  const bump = (i: number): void => {
    counts[i] = (counts[i] as number) + 1;
  };
  const isDenied = (err: unknown): boolean => {
    const code = (err as { code?: string }).code;
    return code === 'EACCES' || code === 'EPERM';
  };
  /** Reads one link: 1 read, 0 missing, -1 denied. */
  const readFd = (dir: string, pid: number, fd: number): number => {
    let link: string;
    try {
      link = fs.readlinkSync(dir + fd);
    } catch (err) {
      return isDenied(err) ? -1 : 0;
    }
    bump(3);
    // "socket:[12345]"
    if (link.charCodeAt(0) !== 115 || link.charCodeAt(6) !== 58 || !link.startsWith('socket:[')) return 1;
    let inode = 0;
    const last = link.length - 1;
    if (last < 9 || last > 24 || link.charCodeAt(last) !== 93) return 1;
    for (let i = 8; i < last; i++) {
      const c = link.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return 1;
      inode = inode * 10 + c;
    }
    if (outLen + 3 > out.length) {
      const bigger = new Float64Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[outLen++] = inode;
    out[outLen++] = pid;
    out[outLen++] = fd;
    return 1;
  };
  /** Lists `dir` and reads the fds not `covered` yet; `found`: fds of it read before. */
  const readListed = (dir: string, pid: number, covered: (fd: number) => boolean, found: number): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      // ENOENT: the process exited since /proc was listed (or since its first fds were read).
      bump(isDenied(err) ? 2 : found === 0 ? 1 : 0);
      return;
    }
    bump(0);
    for (let k = 0; k < names.length; k++) {
      const fd = Number(names[k]);
      if (!Number.isInteger(fd) || covered(fd)) continue;
      // ENOENT: the fd was closed since the listing; not an error.
      if (readFd(dir, pid, fd) < 0) bump(2);
    }
  };
  // A closed fd is a thrown ENOENT: take that path once now (procfs has no pid 0; whatever it
  // finds is dropped), so the loop is optimized with it and does not deoptimize at the first hole.
  const fdsRead = counts[3] as number;
  readFd(procRoot + '/0/fd/', 0, 0);
  outLen = 0;
  counts[3] = fdsRead;
  for (;;) {
    if (Atomics.add(plan, 0, 1) >= T) return out.subarray(0, outLen);
    const t = fromBack ? T - 1 - Atomics.add(plan, 2, 1) : Atomics.add(plan, 1, 1);
    const at = TASKS + 4 * t;
    const pid = plan[at] as number;
    const from = plan[at + 1] as number;
    const to = plan[at + 2] as number;
    const p = plan[at + 3] as number;
    const dir = procRoot + '/' + pid + '/fd/';
    if (to < 0) {
      readListed(dir, pid, () => false, 0);
      continue;
    }
    // Read fds from..to-1 by number.
    let fd = from;
    let found = 0;
    let misses = 0;
    let flags = 0;
    for (; fd < to; fd++) {
      const r = readFd(dir, pid, fd);
      if (r > 0) found++;
      else if (r < 0) {
        flags = DENIED;
        break;
      } else if (++misses > budget) {
        flags = ABORTED;
        fd++;
        break;
      }
    }
    Atomics.store(plan, REACHED + t, fd);
    const pr = PROCS + 6 * p;
    if (flags !== 0) Atomics.or(plan, pr + 3, flags);
    Atomics.add(plan, pr + 1, found);
    if (Atomics.sub(plan, pr + 2, 1) !== 1) continue;
    // This was the process's last task to finish: are all its fds accounted for?
    const count = plan[pr] as number;
    const all = Atomics.load(plan, pr + 3);
    let total = Atomics.load(plan, pr + 1);
    if (all & DENIED) {
      bump(total > 0 ? 0 : 2);
      continue;
    }
    // Fds found below `count` < count: the rest have higher numbers. Probe a little past the range.
    // A miss costs about as much as listing 8 fds, so small processes are listed at once.
    let past = count;
    if (!(all & ABORTED) && total > 0 && total < count) {
      for (misses = 0; total < count && misses < Math.min(budget, count >> 3); past++) {
        const r = readFd(dir, pid, past);
        if (r > 0) total++;
        else if (r < 0) break;
        else misses++;
      }
    }
    if (!(all & ABORTED) && total >= count) {
      bump(0);
      continue;
    }
    // Still short (many holes, or the process is gone): list the directory for the rest.
    const first = plan[pr + 4] as number;
    const tasks = plan[pr + 5] as number;
    const covered = (n: number): boolean => {
      if (n >= count) return n < past;
      for (let k = first; k < first + tasks; k++) {
        const a = TASKS + 4 * k;
        if (n >= (plan[a + 1] as number) && n < (plan[a + 2] as number))
          return n < Atomics.load(plan, REACHED + k);
      }
      return false;
    };
    readListed(dir, pid, covered, total);
  }
}

/** Pids of `procRoot`, ascending (the order netstat meets them in); InputError if it cannot be listed. */
export function listPids(procRoot: string): Int32Array {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch (err) {
    throw new InputError(`cannot list processes in ${procRoot}: ${(err as Error).message}`, { cause: err });
  }
  const pids: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (Number.isInteger(pid)) pids.push(pid);
  }
  return Int32Array.from(pids).sort();
}

/** Triples and counters of a finished scan. */
export interface ScanResult {
  /** `inode, pid, fd` per socket fd. */
  readonly triples: ArrayLike<number>;
  /** [processesScanned, vanished, denied, fdsRead]. */
  readonly counts: Int32Array;
}

/**
 * Scans every task of `plan` on this thread.
 * @example scanOnThisThread('/proc', planScan(listPids('/proc'), procFdCounter('/proc'))).triples
 */
export function scanOnThisThread(
  procRoot: string,
  plan: Int32Array,
  fs: ScanFs = { readdirSync, readlinkSync },
): ScanResult {
  const counts = new Int32Array(4);
  const triples = withoutStacks(() => scanFds(fs, procRoot, plan, false, counts));
  counts[0] = (counts[0] as number) + planEmptyProcesses(plan);
  return { triples, counts };
}

/**
 * Runs `f` with stack traces off: a missing fd is a thrown ENOENT, and capturing its stack costs
 * more than the readlink. `f` is synchronous, so no other code sees the setting.
 */
export function withoutStacks<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Groups scan triples by inode (owners ordered by pid, then fd, so the first is the one netstat
 * shows), reading comm/program (and cmdline) once per owning process. Duplicate triples (a
 * directory that changed during the scan) are dropped.
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
 * Scans every process's fds (on this thread) and maps socket inodes to their owners.
 * @example const { owners } = scanSocketOwners({ procRoot: '/proc' }); owners.get(4242)?.[0]?.pid
 */
export function scanSocketOwners(opts: ScanOwnersOptions): OwnerScan {
  const pids = opts.pids ? Int32Array.from(opts.pids) : listPids(opts.procRoot);
  const { triples, counts } = scanOnThisThread(opts.procRoot, planScan(pids, procFdCounter(opts.procRoot)));
  return {
    owners: buildOwners(opts.procRoot, triples, opts.wanted, opts.cmdline === true),
    processesScanned: counts[0] as number,
    vanished: counts[1] as number,
    denied: counts[2] as number,
    fdsRead: counts[3] as number,
  };
}
