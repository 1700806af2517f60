/**
 * @module sockets/proc-net-tcp-fast
 * Fast path of the /proc/net/tcp{,6} parser: reads the kernel's fixed-width layout
 * (`%08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu`) straight from the text by
 * character codes (or from the bytes as read, `scanLineBytes`), without splitting the line. It
 * returns undefined as soon as anything differs from that layout; the caller then runs the
 * validating parser, which names the bad field. Pure.
 */
import type { TcpState } from '../events.js';
import type { ByteOrder } from './addr.js';
import { decodeProcAddr4, decodeProcAddr6 } from './addr.js';
import type { ProcTcpEntry, TimerKind } from './types.js';

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Value of `n` hex digits at `i` (n ≤ 8), or -1. */
function hexAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = hexDigit(s.charCodeAt(i + k));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Decoded-address cache: many sockets share an address. Bounded. */
export class AddressCache {
  private readonly map = new Map<string, string>();
  constructor(
    private readonly order: ByteOrder,
    private readonly limit = 65_536,
  ) {}
  get(hex: string, v6: boolean): string | undefined {
    let a = this.map.get(hex);
    if (a !== undefined) return a;
    a = v6 ? decodeProcAddr6(hex, this.order) : decodeProcAddr4(hex, this.order);
    if (a !== undefined && this.map.size < this.limit) this.map.set(hex, a);
    return a;
  }
}

/** Indexes into the `fields` array `scanLineFields` fills. */
export const F_LPORT = 0;
export const F_RPORT = 1;
export const F_ST = 2;
export const F_TX = 3;
export const F_RX = 4;
export const F_TR = 5;
export const F_WHEN = 6;
export const F_RETR = 7;
export const F_UID = 8;
export const F_PROBES = 9;
export const F_INODE = 10;
/** Text offsets of the local and remote address hex digits. */
export const F_LADDR = 11;
export const F_RADDR = 12;

/**
 * Reads the numeric fields of the line `text[start, end)` into `fields` (see the F_ constants)
 * without allocating. Returns false when the line differs from the kernel's layout.
 */
export function scanLineFields(
  text: string,
  start: number,
  end: number,
  al: number,
  fields: Float64Array,
): boolean {
  let p = text.indexOf(':', start);
  if (p === -1 || p >= end || text.charCodeAt(p + 1) !== 32) return false;
  p += 2;
  // local ADDR:PORT remote ADDR:PORT st tx:rx tr:when retr
  if (p + 2 * (al + 6) + 42 > end) return false;
  if (text.charCodeAt(p + al) !== 58 || text.charCodeAt(p + al + 5) !== 32) return false;
  const lport = hexAt(text, p + al + 1, 4);
  const q = p + al + 6;
  if (text.charCodeAt(q + al) !== 58 || text.charCodeAt(q + al + 5) !== 32) return false;
  const rport = hexAt(text, q + al + 1, 4);
  let r = q + al + 6;
  const st = hexAt(text, r, 2);
  if (text.charCodeAt(r + 2) !== 32 || text.charCodeAt(r + 11) !== 58 || text.charCodeAt(r + 20) !== 32)
    return false;
  const tx = hexAt(text, r + 3, 8);
  const rx = hexAt(text, r + 12, 8);
  r += 21;
  if (text.charCodeAt(r + 2) !== 58 || text.charCodeAt(r + 11) !== 32 || text.charCodeAt(r + 20) !== 32)
    return false;
  const tr = hexAt(text, r, 2);
  const when = hexAt(text, r + 3, 8);
  const retr = hexAt(text, r + 12, 8);
  if (lport < 0 || rport < 0 || st < 0 || tx < 0 || rx < 0 || tr < 0 || when < 0 || retr < 0) return false;
  r += 20;
  // uid (%5u), timeout (%8d), inode (%lu): space-padded decimals.
  for (let k = 0; k < 3; k++) {
    while (r < end && text.charCodeAt(r) === 32) r++;
    let v = 0;
    let digits = 0;
    for (; r < end; r++) {
      const c = text.charCodeAt(r);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      digits++;
    }
    if (digits === 0 || digits > 15 || (r < end && text.charCodeAt(r) !== 32)) return false;
    fields[F_UID + k] = v;
  }
  fields[F_LPORT] = lport;
  fields[F_RPORT] = rport;
  fields[F_ST] = st;
  fields[F_TX] = tx;
  fields[F_RX] = rx;
  fields[F_TR] = tr;
  fields[F_WHEN] = when;
  fields[F_RETR] = retr;
  fields[F_LADDR] = p;
  fields[F_RADDR] = q;
  return true;
}

/** Hex digit values by byte (-1: not a hex digit). */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

/** Indexes of the address words (8 hex digits each; IPv4 uses the first) in `scanLineBytes`' fields. */
export const F_LWORDS = 13;
export const F_RWORDS = 17;
/** Size of the `fields` array `scanLineBytes` fills. */
export const LINE_FIELDS = 21;

/**
 * The fixed part of a line after `sl: ` for addresses of `al` hex digits: per byte, the separator
 * it must be (':' or ' ') or 0 for a hex digit, and for a digit that ends a value, the field the
 * value goes to (+1; addresses end a value every 8 digits).
 */
function fixedLayout(al: number): { seps: Uint8Array; ends: Uint8Array } {
  const seps: number[] = [];
  const ends: number[] = [];
  const hex = (digits: number, field: number): void => {
    for (let i = 1; i <= digits; i++) {
      seps.push(0);
      ends.push(i === digits ? field + 1 : 0);
    }
  };
  const addr = (words: number): void => {
    for (let w = 0; w < al / 8; w++) hex(8, words + w);
  };
  // local ADDR:PORT remote ADDR:PORT st tx:rx tr:when retr, each followed by its separator.
  const parts: [() => void, number][] = [
    [() => addr(F_LWORDS), 58],
    [() => hex(4, F_LPORT), 32],
    [() => addr(F_RWORDS), 58],
    [() => hex(4, F_RPORT), 32],
    [() => hex(2, F_ST), 32],
    [() => hex(8, F_TX), 58],
    [() => hex(8, F_RX), 32],
    [() => hex(2, F_TR), 58],
    [() => hex(8, F_WHEN), 32],
    [() => hex(8, F_RETR), 32],
  ];
  for (const [digits, sep] of parts) {
    digits();
    seps.push(sep);
    ends.push(0);
  }
  return { seps: Uint8Array.from(seps), ends: Uint8Array.from(ends) };
}

const LAYOUT4 = fixedLayout(8);
const LAYOUT6 = fixedLayout(32);

/**
 * `scanLineFields` on bytes: reads the line `b[start, end)` of the file as read (ASCII) into
 * `fields` (LINE_FIELDS long), with F_LADDR/F_RADDR as byte offsets and the addresses' hex words
 * at F_LWORDS/F_RWORDS. Returns false when the line differs from the kernel's layout (addresses
 * included). The fixed part is checked and read by one loop over a layout table: a small function
 * that V8 compiles quickly (per-field code took longer to compile than to run).
 */
export function scanLineBytes(
  b: Uint8Array,
  start: number,
  end: number,
  al: number,
  fields: Float64Array,
): boolean {
  let p = start;
  while (p < end && b[p] !== 58) p++;
  if (p >= end || b[p + 1] !== 32) return false;
  p += 2;
  const { seps, ends } = al === 8 ? LAYOUT4 : LAYOUT6;
  const n = seps.length;
  if (p + n > end) return false;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = b[p + k] as number;
    const sep = seps[k] as number;
    if (sep !== 0) {
      if (c !== sep) return false;
      continue;
    }
    const d = HEX[c] as number;
    if (d < 0) return false;
    v = v * 16 + d;
    const e = ends[k] as number;
    if (e !== 0) {
      fields[e - 1] = v;
      v = 0;
    }
  }
  // uid (%5u), timeout (%8d), inode (%lu): space-padded decimals after the separator.
  let r = p + n - 1;
  for (let k = 0; k < 3; k++) {
    while (r < end && b[r] === 32) r++;
    let x = 0;
    let digits = 0;
    for (; r < end; r++) {
      const c = b[r] as number;
      if (c < 48 || c > 57) break;
      x = x * 10 + (c - 48);
      digits++;
    }
    if (digits === 0 || digits > 15 || (r < end && b[r] !== 32)) return false;
    fields[F_UID + k] = x;
  }
  fields[F_LADDR] = p;
  fields[F_RADDR] = p + al + 6;
  return true;
}

const scratch = new Float64Array(13);

/**
 * Parses the line `text[start, end)` on the fast path, or returns undefined.
 * @example parseLineFast(text, 0, text.length, 'tcp', states, timers, cache)
 */
export function parseLineFast(
  text: string,
  start: number,
  end: number,
  proto: 'tcp' | 'tcp6',
  states: readonly (TcpState | undefined)[],
  timerKinds: readonly TimerKind[],
  cache: AddressCache,
): ProcTcpEntry | undefined {
  const al = proto === 'tcp' ? 8 : 32;
  const f = scratch;
  if (!scanLineFields(text, start, end, al, f)) return undefined;
  const state = states[f[F_ST] as number];
  if (state === undefined) return undefined;
  const p = f[F_LADDR] as number;
  const q = f[F_RADDR] as number;
  const local = cache.get(text.slice(p, p + al), al === 32);
  const remote = cache.get(text.slice(q, q + al), al === 32);
  if (local === undefined || remote === undefined) return undefined;
  const tr = f[F_TR] as number;
  const when = f[F_WHEN] as number;
  return {
    proto,
    family: proto === 'tcp' ? 4 : 6,
    local: { addr: local, port: f[F_LPORT] as number },
    remote: { addr: remote, port: f[F_RPORT] as number },
    state,
    sendQ: f[F_TX] as number,
    recvQ: f[F_RX] as number,
    inode: f[F_INODE] as number,
    uid: f[F_UID] as number,
    timer: {
      kind: timerKinds[tr] ?? 'unknown',
      code: tr,
      expiresTicks: when,
      expiresMs: when * 10,
      retransmits: f[F_RETR] as number,
      probes: f[F_PROBES] as number,
    },
    user: undefined,
    pid: undefined,
    fd: undefined,
    comm: undefined,
    program: undefined,
    cmdline: undefined,
    owners: undefined,
  };
}
