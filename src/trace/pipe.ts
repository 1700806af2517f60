/**
 * @module trace/pipe
 * Reads a non-blocking `trace_pipe` fd. Reading is decoupled from parsing: everything the pipe has
 * is copied out at once (cheap), so the kernel ring buffer does not overflow while a burst is
 * parsed; the backlog lives here, bounded by `maxPendingChars` (beyond it the kernel buffer
 * absorbs, and counts, any loss). Lines are handed to a callback in slices of a time budget.
 */
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Backlog reader over a non-blocking trace_pipe fd. */
export class TracePipeReader {
  private readonly buf = Buffer.allocUnsafe(1 << 16);
  private readonly decoder = new StringDecoder('utf8');
  private chunks: string[] = [];
  private head = 0;
  private pendingChars = 0;
  private rest = '';

  /**
   * @example
   * const reader = new TracePipeReader(openTracePipe(instance), (line) => lines.push(line));
   * while (reader.drain(20)) {} // parse everything available now
   */
  constructor(
    private readonly fd: number,
    private readonly onLine: (line: string) => void,
    private readonly maxPendingChars = 256 * 1024 * 1024,
  ) {}

  /** True while read-but-unparsed text is waiting. */
  get backlog(): boolean {
    return this.head < this.chunks.length;
  }

  /** Copies out everything the pipe has now (until EAGAIN or the backlog bound). */
  readAvailable(): void {
    while (this.pendingChars < this.maxPendingChars) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (err) {
        if ((err as { code?: string }).code === 'EAGAIN') return;
        throw err;
      }
      if (n <= 0) return;
      const text = this.decoder.write(this.buf.subarray(0, n));
      this.chunks.push(text);
      this.pendingChars += text.length;
    }
  }

  private consume(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line !== '') this.onLine(line);
    }
    this.rest = text.slice(start);
  }

  /** Parses the backlog for up to budgetMs, re-reading the pipe every few ms; true when more is left. */
  drain(budgetMs: number): boolean {
    const start = performance.now();
    let nextRead = start + 5;
    this.readAvailable();
    while (this.head < this.chunks.length) {
      const text = this.chunks[this.head] as string;
      this.chunks[this.head++] = '';
      this.pendingChars -= text.length;
      this.consume(this.rest + text);
      const now = performance.now();
      if (now >= nextRead) {
        this.readAvailable();
        nextRead = now + 5;
      }
      if (now - start > budgetMs) break;
    }
    if (this.head >= this.chunks.length) {
      this.chunks = [];
      this.head = 0;
      return false;
    }
    if (this.head > 4096) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }
}
