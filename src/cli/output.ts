/**
 * @module cli/output
 * Batched, backpressure-aware text output for commands that print many lines: lines are joined
 * into large chunks and written when a chunk fills, waiting for 'drain' when the stream asks.
 */
import type { Writable } from 'node:stream';
import { ByteSink } from '../format/sink.js';

export class BatchedWriter {
  private buf = '';
  constructor(
    private readonly out: Writable,
    private readonly chunkChars = 1 << 16,
  ) {}

  /** Queue `text`; resolves at once unless the chunk was flushed and the stream is full. */
  write(text: string): Promise<void> | undefined {
    this.buf += text;
    if (this.buf.length < this.chunkChars) return undefined;
    return this.flush();
  }

  /** Write what is queued; resolves when the stream can take more. */
  flush(): Promise<void> | undefined {
    if (!this.buf) return undefined;
    const chunk = this.buf;
    this.buf = '';
    if (this.out.write(chunk)) return undefined;
    return new Promise((resolve) => this.out.once('drain', resolve));
  }
}

/**
 * Byte output for the formatter's {@link ByteSink}: the sink fills a buffer in place; when it
 * holds `flushAt` bytes, the buffer goes to the stream as is (no copy) and a fresh one replaces it
 * (the stream may still hold the old one), waiting for 'drain' when the stream asks.
 */
export class ByteOutput {
  readonly sink: ByteSink;
  constructor(
    private readonly out: Writable,
    private readonly chunkBytes = 1 << 18,
    readonly flushAt = chunkBytes - (1 << 14),
  ) {
    this.sink = new ByteSink(0);
    this.sink.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Write what the sink holds; resolves when the stream can take more. */
  flush(): Promise<void> | undefined {
    const s = this.sink;
    if (s.len === 0) return undefined;
    const chunk = Buffer.from(s.buf.buffer, s.buf.byteOffset, s.len);
    s.buf = Buffer.allocUnsafe(this.chunkBytes);
    s.len = 0;
    if (this.out.write(chunk)) return undefined;
    return new Promise((resolve) => this.out.once('drain', resolve));
  }
}
