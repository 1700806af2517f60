/**
 * @module format/sink
 * The byte sink the line formatter writes into (its own module, so output code can use it
 * without loading the formatter).
 */
/**
 * Where `TcpdumpFormatter.formatInto` appends packet lines: `buf[0, len)` holds the text so
 * far. The formatter may replace `buf` by a bigger one; the owner drains it (e.g. writes
 * `buf.subarray(0, len)` out and sets `len = 0`, or hands `buf` away and puts a fresh one in).
 * @example
 * const sink = new ByteSink(1 << 16);
 * fmt.formatInto(rec, sink);
 * process.stdout.write(sink.buf.subarray(0, sink.len));
 */
export class ByteSink {
  buf: Uint8Array;
  len = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }
}
