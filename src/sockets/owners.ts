/**
 * @module sockets/owners
 * Socket inode → owning processes, by scanning `<procRoot>/<pid>/fd` and reading each link
 * (`socket:[12345]`), as `netstat -p` and `ss -p` do. Processes that vanish mid-scan and
 * directories or links we may not read (EACCES/EPERM as non-root) are counted, never fatal.
 * The scan is synchronous on purpose: one readlink per fd is the whole cost, and the libuv thread
 * pool's per-call overhead is larger than the syscall itself.
 */
import { openSync, readdirSync, readlinkSync, readSync, closeSync } from 'node:fs';
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

function errCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err ? String(err.code) : undefined;
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
 * when it starts with `/` (the whole argv[0] string, spaces and all, as net-tools does).
 * @example netstatProgramName(Buffer.from('/usr/bin/node\0x.js\0')) === 'node'
 */
export function netstatProgramName(cmdline: Uint8Array): string {
  const bytes = cmdline.subarray(0, 511);
  let end = bytes.indexOf(0);
  if (end === -1) end = bytes.length;
  let s = Buffer.from(bytes.subarray(0, end)).toString('latin1');
  if (s.startsWith('/')) s = s.slice(s.lastIndexOf('/') + 1);
  return s;
}

function processInfo(dir: string, withCmdline: boolean): { comm: string; program: string; cmdline?: string } {
  const comm = readSmall(`${dir}/comm`)?.toString('utf8').replace(/\n$/, '') ?? '';
  const raw = readSmall(`${dir}/cmdline`) ?? Buffer.alloc(0);
  const info: { comm: string; program: string; cmdline?: string } = {
    comm,
    program: netstatProgramName(raw),
  };
  if (withCmdline) info.cmdline = raw.toString('utf8').replace(/\0+$/, '').split('\0').join(' ');
  return info;
}

function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (Number.isInteger(pid)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Scans every process's fd directory and maps socket inodes to their owners.
 * @example const { owners } = scanSocketOwners({ procRoot: '/proc' }); owners.get(4242)?.[0]?.pid
 */
export function scanSocketOwners(opts: ScanOwnersOptions): OwnerScan {
  const owners = new Map<number, SocketOwner[]>();
  let processesScanned = 0;
  let vanished = 0;
  let denied = 0;
  let fdsRead = 0;
  const pids = opts.pids ?? listPids(opts.procRoot);
  for (const pid of pids) {
    const dir = `${opts.procRoot}/${pid}`;
    const fdDir = `${dir}/fd/`;
    let names: string[];
    try {
      names = readdirSync(fdDir);
    } catch (err) {
      const code = errCode(err);
      if (code === 'EACCES' || code === 'EPERM') denied++;
      else vanished++;
      continue;
    }
    processesScanned++;
    let info: { comm: string; program: string; cmdline?: string } | undefined;
    for (const name of names) {
      let link: string;
      try {
        link = readlinkSync(fdDir + name);
      } catch (err) {
        const code = errCode(err);
        if (code === 'EACCES' || code === 'EPERM') denied++;
        // ENOENT: the fd was closed (or the process exited) since readdir; nothing to count twice.
        continue;
      }
      fdsRead++;
      // "socket:[12345]"
      if (link.charCodeAt(0) !== 115 || !link.startsWith('socket:[')) continue;
      const inode = Number(link.slice(8, -1));
      if (!Number.isInteger(inode)) continue;
      if (opts.wanted && !opts.wanted.has(inode)) continue;
      info ??= processInfo(dir, opts.cmdline === true);
      const owner: SocketOwner = { pid, fd: Number(name), ...info };
      const list = owners.get(inode);
      if (list) list.push(owner);
      else owners.set(inode, [owner]);
    }
  }
  return { owners, processesScanned, vanished, denied, fdsRead };
}
