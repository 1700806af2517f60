/**
 * @module format/cursor
 * The printing state shared by the tcpdump-compatible printers: the frame, the end of the bytes
 * that may be read (tcpdump's "snapend": the captured length, cut to the IP datagram's end), the
 * protocol name used in truncation markers (`[|tcp]`), and the output text built so far. A read
 * past the end throws one of two preallocated sentinels, mirroring tcpdump's two truncation paths
 * (a failed GET, or a failed LENCHECK inside the TCP option walk). They are preallocated Errors,
 * so throwing one costs no stack capture.
 */

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

export class PrintCursor {
  b: Uint8Array = new Uint8Array(0);
  /** Bytes at or past `end` are not available. */
  end = 0;
  /** Protocol named in truncation markers. */
  proto = '';
  /** Text printed so far for this packet. */
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
