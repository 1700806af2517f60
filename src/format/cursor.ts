/**
 * @module format/cursor
 * The printing state shared by the tcpdump-compatible printers: the frame, the end of the bytes
 * that may be read (tcpdump's "snapend": the captured length, cut to the IP datagram's end), the
 * protocol name used in truncation markers (`[|tcp]`), and the output built so far. A read
 * past the end throws one of two preallocated sentinels, mirroring tcpdump's two truncation paths
 * (a failed GET, or a failed LENCHECK inside the TCP option walk). They are preallocated Errors,
 * so throwing one costs no stack capture.
 *
 * Printers write through the cursor's append methods (`s`, `n`, `x`, `ip4`…). A {@link PrintCursor}
 * builds a JS string in `out`; a {@link ByteCursor} writes ASCII bytes straight into a reusable
 * buffer (no string per packet, numbers written as digits), which is what `tcpscope read` uses.
 */
import { ipv4String, ipv6String } from '../wire/addr.js';

/** Thrown when a read goes past the usable bytes. */
export class Truncated extends Error {
  constructor(readonly viaLenCheck: boolean) {
    super(viaLenCheck ? 'truncated (length check)' : 'truncated');
  }
}

export const TRUNC_GET = new Truncated(false);
export const TRUNC_LEN = new Truncated(true);

/** Thrown when a TCP option is malformed (tcpdump's `[bad opt]`). */
export class BadOption extends Error {
  constructor() {
    super('bad TCP option');
  }
}
export const BAD_OPTION = new BadOption();

/**
 * Reading state plus a string output.
 * @example
 * const c = new PrintCursor(); c.reset(frame, frame.length); c.s('IP '); c.n(6); c.out // 'IP 6'
 */
export class PrintCursor {
  b: Uint8Array = new Uint8Array(0);
  /** Bytes at or past `end` are not available. */
  end = 0;
  /** Protocol named in truncation markers. */
  proto = '';
  /** Text printed so far for this packet (a {@link ByteCursor} keeps it in bytes instead). */
  out = '';
  /** Separator state of the TCP option walk (tcpdump's `ch`). */
  optCh = '';

  reset(b: Uint8Array, end: number): void {
    this.b = b;
    this.end = end;
    this.proto = '';
    this.out = '';
    this.optCh = '';
  }

  /** Append text. */
  s(text: string): void {
    this.out += text;
  }

  /** Append a number in decimal (as `String(v)`). */
  n(v: number): void {
    this.out += v;
  }

  /** Append a number in lower-case hex (as `v.toString(16)`), zero-padded to `width`. */
  x(v: number, width = 0): void {
    this.out += v.toString(16).padStart(width, '0');
  }

  /** Append the dotted quad of the 4 frame bytes at `o` (caller checked they are readable). */
  ip4(o: number): void {
    this.out += ipv4String(this.b, o);
  }

  /** Append the text form of the 16 frame bytes at `o` (caller checked they are readable). */
  ip6(o: number): void {
    this.out += ipv6String(this.b, o);
  }

  /** Remove a trailing `> ` (the UDP summary backs over the arrow printed before it). */
  dropTrailingArrow(): void {
    this.out = this.out.replace(/> $/, '');
  }

  /** Throw TRUNC_GET unless `[o, o + n)` is readable. */
  need(o: number, n: number): void {
    if (o < 0 || o + n > this.end) throw TRUNC_GET;
  }

  /** True when `[o, o + n)` is readable. */
  has(o: number, n: number): boolean {
    return o >= 0 && o + n <= this.end;
  }

  u8(o: number): number {
    if (o < 0 || o >= this.end) throw TRUNC_GET;
    return this.b[o] as number;
  }

  u16(o: number): number {
    if (o < 0 || o + 2 > this.end) throw TRUNC_GET;
    return ((this.b[o] as number) << 8) | (this.b[o + 1] as number);
  }

  u32(o: number): number {
    if (o < 0 || o + 4 > this.end) throw TRUNC_GET;
    const b = this.b;
    return (
      (((b[o] as number) << 24) |
        ((b[o + 1] as number) << 16) |
        ((b[o + 2] as number) << 8) |
        (b[o + 3] as number)) >>>
      0
    );
  }

  u64(o: number): bigint {
    return (BigInt(this.u32(o)) << 32n) | BigInt(this.u32(o + 4));
  }
}

const HEX_DIGITS = '0123456789abcdef';
/** Decimal text of 0..255, 4 bytes each: length, then up to 3 digits. */
const OCTETS = new Uint8Array(256 * 4);
for (let v = 0; v < 256; v++) {
  const d = String(v);
  OCTETS[v * 4] = d.length;
  for (let i = 0; i < d.length; i++) OCTETS[v * 4 + 1 + i] = d.charCodeAt(i);
}
/** Dotted-quad text of the IPv4 address `b[o, o + 4)` at `ob[p]` (up to 15 bytes); returns the end. */
export function putIpv4(ob: Uint8Array, p: number, b: Uint8Array, o: number): number {
  for (let i = 0; i < 4; i++) {
    if (i) ob[p++] = 46;
    const k = (b[o + i] as number) * 4;
    const len = OCTETS[k] as number;
    ob[p++] = OCTETS[k + 1] as number;
    if (len > 1) ob[p++] = OCTETS[k + 2] as number;
    if (len > 2) ob[p++] = OCTETS[k + 3] as number;
  }
  return p;
}
/** '00' … '99' as byte pairs. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let v = 0; v < 100; v++) {
  DIGIT_PAIRS[v * 2] = 48 + Math.floor(v / 10);
  DIGIT_PAIRS[v * 2 + 1] = 48 + (v % 10);
}

/** Number of decimal digits of `v` (0 ≤ v < 2^32). */
function decimalLength(v: number): number {
  return v < 100000
    ? v < 100
      ? v < 10
        ? 1
        : 2
      : v < 1000
        ? 3
        : v < 10000
          ? 4
          : 5
    : v < 10000000
      ? v < 1000000
        ? 6
        : 7
      : v < 100000000
        ? 8
        : v < 1000000000
          ? 9
          : 10;
}

/** Write the `len` lowest decimal digits of `v` (0 ≤ v < 2^32) into `ob`, ending before `p`. */
function digitsBefore(ob: Uint8Array, v: number, p: number, len: number): void {
  if (v > 0x7fffffff) {
    const q = Math.floor(v / 100);
    const r = (v - q * 100) * 2;
    ob[--p] = DIGIT_PAIRS[r + 1] as number;
    ob[--p] = DIGIT_PAIRS[r] as number;
    v = q;
    len -= 2;
  }
  while (len >= 2) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) * 2;
    ob[--p] = DIGIT_PAIRS[r + 1] as number;
    ob[--p] = DIGIT_PAIRS[r] as number;
    v = q;
    len -= 2;
  }
  if (len) ob[--p] = 48 + (v % 10);
}

/** Decimal digits of `v` (0 ≤ v < 2^32) written at `p` (room checked by the caller); returns the end. */
export function putU32(ob: Uint8Array, p: number, v: number): number {
  const end = p + decimalLength(v);
  digitsBefore(ob, v, end, end - p);
  return end;
}
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const IP6_CACHE_SIZE = 16;

/**
 * A cursor that appends UTF-8 bytes (ASCII in practice) to `ob` at `op`. The text of the packet
 * being printed starts at `o0`; {@link ByteCursor.text} decodes it. `ob` grows when needed, so
 * whoever lends it a buffer must take `ob` back afterwards.
 * @example
 * const c = new ByteCursor(); c.reset(frame, frame.length); c.s('win '); c.n(512); c.text() // 'win 512'
 */
export class ByteCursor extends PrintCursor {
  ob: Uint8Array;
  op = 0;
  o0 = 0;
  private readonly ip6Keys = new Uint8Array(IP6_CACHE_SIZE * 16);
  private readonly ip6Text: Uint8Array[] = [];
  private ip6Next = 0;

  constructor(capacity = 4096) {
    super();
    this.ob = new Uint8Array(capacity);
  }

  /** Start a packet: its text begins at the current write position. */
  override reset(b: Uint8Array, end: number): void {
    super.reset(b, end);
    this.o0 = this.op;
  }

  /** The current packet's text. */
  text(): string {
    return utf8Decoder.decode(this.ob.subarray(this.o0, this.op));
  }

  /** Make room for `n` more bytes. */
  room(n: number): void {
    if (this.op + n > this.ob.length) {
      const bigger = new Uint8Array(Math.max(this.ob.length * 2, this.op + n + 1024));
      bigger.set(this.ob.subarray(0, this.op));
      this.ob = bigger;
    }
  }

  /** Append one ASCII byte. */
  byte(ch: number): void {
    if (this.op >= this.ob.length) this.room(1);
    this.ob[this.op++] = ch;
  }

  /** Append raw bytes. */
  bytes(src: Uint8Array): void {
    this.room(src.length);
    this.ob.set(src, this.op);
    this.op += src.length;
  }

  override s(text: string): void {
    const n = text.length;
    this.room(n);
    const ob = this.ob;
    let p = this.op;
    for (let i = 0; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch >= 0x80) {
        this.op = p;
        this.wide(text.slice(i));
        return;
      }
      ob[p++] = ch;
    }
    this.op = p;
  }

  private wide(text: string): void {
    this.room(text.length * 3);
    this.op += utf8.encodeInto(text, this.ob.subarray(this.op)).written;
  }

  override n(v: number): void {
    if (v >>> 0 !== v) {
      this.s(String(v));
      return;
    }
    if (this.op + 10 > this.ob.length) this.room(10);
    this.op = putU32(this.ob, this.op, v);
  }

  /** Append `v` (a whole number, 0 ≤ v < 2^32) in decimal, zero-padded to `width` digits. */
  padded(v: number, width: number): void {
    if (v >>> 0 === v && width <= 10 && v < POW10[width]!) {
      if (this.op + width > this.ob.length) this.room(width);
      const p = this.op + width;
      this.op = p;
      digitsBefore(this.ob, v, p, width);
      return;
    }
    this.room(width + 10);
    const start = this.op;
    this.n(v);
    const len = this.op - start;
    if (len >= width) return;
    const ob = this.ob;
    ob.copyWithin(start + width - len, start, this.op);
    ob.fill(48, start, start + width - len);
    this.op = start + width;
  }

  override x(v: number, width = 0): void {
    if (v >>> 0 !== v) {
      super.x(v, width);
      return;
    }
    let len = 1;
    while (len < 8 && v >>> (len * 4) !== 0) len++;
    if (len < width) len = width;
    this.room(len);
    const ob = this.ob;
    let p = this.op + len;
    this.op = p;
    for (let i = 0; i < len; i++) {
      ob[--p] = HEX_DIGITS.charCodeAt(v & 15);
      v >>>= 4;
    }
  }

  override ip4(o: number): void {
    this.room(16);
    this.op = putIpv4(this.ob, this.op, this.b, o);
  }

  /** IPv6 text from a small cache keyed by the 16 address bytes (captures hold few addresses). */
  override ip6(o: number): void {
    const b = this.b;
    const keys = this.ip6Keys;
    const count = this.ip6Text.length;
    for (let e = 0; e < count; e++) {
      const k = e * 16;
      let i = 0;
      while (i < 16 && keys[k + i] === b[o + i]) i++;
      if (i === 16) {
        this.bytes(this.ip6Text[e] as Uint8Array);
        return;
      }
    }
    const text = utf8.encode(ipv6String(b, o));
    const slot = count < IP6_CACHE_SIZE ? count : this.ip6Next++ % IP6_CACHE_SIZE;
    keys.set(b.subarray(o, o + 16), slot * 16);
    this.ip6Text[slot] = text;
    this.bytes(text);
  }

  override dropTrailingArrow(): void {
    const ob = this.ob;
    if (this.op - this.o0 >= 2 && ob[this.op - 2] === 62 && ob[this.op - 1] === 32) this.op -= 2;
  }
}
