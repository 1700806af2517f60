/**
 * @module cli/output
 * Batched, backpressure-aware text output for commands that print many lines: lines are joined
 * into large chunks and written when a chunk fills, waiting for 'drain' when the stream asks.
 */
import type { Writable } from 'node:stream';

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
