/**
 * @module sockets/byte-out
 * A growing byte buffer for ASCII output: the netstat stream formatter writes 100,000 lines
 * into it without allocating a string per line. Pure (Uint8Array only).
 */

const SPACE = 32;

export class ByteOut {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends an ASCII/latin1 string (one byte per UTF-16 unit, low 8 bits). */
  str(s: string): void {
    this.ensure(s.length);
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < s.length; i++) b[at++] = s.charCodeAt(i) & 255;
    this.len = at;
  }

  /** Appends `s` padded with spaces to `width` (like %-Ns). */
  strPadEnd(s: string, width: number): void {
    this.str(s);
    if (s.length < width) this.spaces(width - s.length);
  }

  spaces(n: number): void {
    this.ensure(n);
    this.buf.fill(SPACE, this.len, this.len + n);
    this.len += n;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.len++] = c;
  }

  /** Appends a non-negative integer right-aligned in `width` (like %Nld). */
  numPadStart(v: number, width: number): void {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    if (digits < width) this.spaces(width - digits);
    this.num(v, digits);
  }

  /** Appends a non-negative integer. */
  num(v: number, digits?: number): void {
    let n = digits ?? 0;
    if (n === 0) {
      n = 1;
      for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
    }
    this.ensure(n);
    let at = this.len + n - 1;
    let x = v;
    do {
      this.buf[at--] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
    this.len += n;
  }

  /** Overwrites bytes at `offset` (which must already be written) with `s`. */
  writeAt(offset: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.buf[offset + i] = s.charCodeAt(i) & 255;
  }

  /**
   * Makes room for `n` more bytes and returns the buffer to write them into, from `length` on;
   * `commit` then sets the new length. For loops that write a whole line with local indexes.
   */
  room(n: number): Uint8Array {
    this.ensure(n);
    return this.buf;
  }

  /** Sets the length after writing into the buffer `room` returned (at most `length + n`). */
  commit(length: number): void {
    this.len = length;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
