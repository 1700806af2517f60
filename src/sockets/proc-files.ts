/**
 * @module sockets/proc-files
 * Whole /proc files as bytes or text: seq_file hands out about a page per read(), so one growing
 * buffer is reused for all of them. /proc/net/tcp{,6} with the errors a reader reports, and the
 * kernel counters that say when tcp6 is empty. Shared by the row reader (read) and the netstat
 * fast path (read-raw), which loads nothing else of the row reader.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { PermissionError, InputError } from '../util/errors.js';

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
