/**
 * @module capture/stream
 * Read a pcap/pcapng capture from a stream (a file path, `-` for stdin, a Readable such as a
 * child's stdout, or any async iterable of byte chunks) as an async iterator of records.
 *
 * Memory: records are parsed in place inside each incoming chunk (zero-copy). Only a record that
 * straddles two chunks is copied, into a buffer sized exactly to that record (the parser says how
 * many bytes it needs, after checking the length against a limit), so memory is bounded by the
 * chunk size plus the largest record, never by the file. Buffers are never overwritten, so every
 * record's `data` view stays valid after iteration moves on. Backpressure is the consumer's pace:
 * the next chunk is pulled only when the previous one's records have been taken.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InputError } from '../util/errors.js';
import { CaptureParser } from './parser.js';
import { recordFromParser } from './buffer.js';
import { STEP_NEED, STEP_RECORD, STEP_SKIP } from './steps.js';
import type { CaptureInfo, CaptureIssue, CaptureRecord } from './types.js';

/** A capture source: a file path, `-` (stdin), a Readable, or an async iterable of chunks. */
export type CaptureInput = string | Readable | AsyncIterable<Uint8Array | string>;

export interface OpenCaptureOptions {
  /** Stream used for `-` (default process.stdin). */
  readonly stdin?: Readable;
  /** Chunk size for files (default 256 KiB). */
  readonly chunkBytes?: number;
  /**
   * Called with the bytes of every fully parsed unit (file header, record, block) in file order:
   * writing them out yields a valid capture even if the input ends mid-record.
   */
  readonly tee?: (bytes: Uint8Array) => void;
}

/** A capture being read from a stream. `info`/`issues`/`stop` fill in while iterating. */
export interface CaptureStream extends AsyncIterable<CaptureRecord> {
  readonly info: CaptureInfo | undefined;
  readonly issues: readonly CaptureIssue[];
  readonly stop: CaptureIssue | undefined;
  /** Records grouped per input chunk (fewer promises per packet: the fast path for big files). */
  batches(): AsyncIterable<CaptureRecord[]>;
  /**
   * The zero-allocation loop: `visit` sees the parser's cursor for each record (time, lengths,
   * link type; data at `bytes[p.dataStart, p.dataStart + p.caplen)`, valid during the call) and
   * returns false to stop. `chunkDone` runs after each input chunk (progress, flushing).
   */
  scan(
    visit: (p: CaptureParser, bytes: Uint8Array) => boolean,
    chunkDone?: (fileOffset: number) => void | Promise<void>,
  ): Promise<void>;
}

function toSource(
  input: CaptureInput,
  opts: OpenCaptureOptions,
): { src: AsyncIterable<unknown>; name: string } {
  if (input === '-') return { src: opts.stdin ?? process.stdin, name: 'standard input' };
  if (typeof input === 'string') {
    return { src: createReadStream(input, { highWaterMark: opts.chunkBytes ?? 1 << 18 }), name: input };
  }
  return { src: input, name: 'stream' };
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  throw new InputError(`capture stream produced a non-byte chunk (${typeof chunk})`);
}

/**
 * Open a capture (pcap or pcapng, auto-detected) for streaming reads.
 * Throws {@link InputError} from the iteration when the source cannot be read (missing file…);
 * bad capture content never throws: the read stops with `stop` set, records before it are kept.
 * @example
 * const cap = openCapture('trace.pcapng');
 * for await (const rec of cap) handle(rec);
 * if (cap.stop) console.error(`${cap.stop.reason} at offset ${cap.stop.offset}`);
 */
export function openCapture(input: CaptureInput, opts: OpenCaptureOptions = {}): CaptureStream {
  const p = new CaptureParser();
  let started = false;
  const tee = opts.tee;

  /**
   * The reading loop shared by `batches` and `scan`: `onRecord(bytes, abs, pos)` is called for
   * each record (false stops the read); yields once per input chunk with the file offset reached.
   */
  async function* drive(
    onRecord: (bytes: Uint8Array, abs: number, pos: number) => boolean,
  ): AsyncGenerator<number> {
    if (started) throw new Error('openCapture: a capture stream can be iterated only once');
    started = true;
    const { src, name } = toSource(input, opts);
    let carry: Uint8Array | undefined; // straddling unit, sized to what the parser needs
    let carryLen = 0;
    let carryAbs = 0;
    let chunkAbs = 0; // file offset of the current chunk's first byte
    let stopped = false;
    try {
      for await (const raw of src) {
        const chunk = toBytes(raw);
        let pos = 0;
        // 1. Complete a unit that straddles the previous chunk(s).
        while (carry !== undefined && pos < chunk.length) {
          const take = Math.min(carry.length - carryLen, chunk.length - pos);
          carry.set(chunk.subarray(pos, pos + take), carryLen);
          carryLen += take;
          pos += take;
          if (carryLen < carry.length) break;
          const s = p.step(carry, 0, carryLen, carryAbs, false);
          if (s === STEP_NEED) {
            const bigger = new Uint8Array(p.needTotal);
            bigger.set(carry.subarray(0, carryLen));
            carry = bigger;
            continue;
          }
          if (s === STEP_RECORD && !onRecord(carry, carryAbs, 0)) {
            if (tee) tee(carry.subarray(0, p.consumed));
            return;
          }
          if (s !== STEP_RECORD && s !== STEP_SKIP) {
            stopped = true;
            break;
          }
          if (tee) tee(carry.subarray(0, p.consumed));
          // The parser always asks for exactly one unit, so the carry is used up here.
          carry = undefined;
          carryAbs += carryLen;
          carryLen = 0;
        }
        // 2. Parse in place inside the chunk.
        if (!stopped && carry === undefined) {
          const teeStart = pos;
          for (;;) {
            const s = p.step(chunk, pos, chunk.length, chunkAbs + pos, false);
            if (s === STEP_RECORD) {
              if (!onRecord(chunk, chunkAbs + pos, pos)) {
                if (tee) tee(chunk.subarray(teeStart, pos + p.consumed));
                return;
              }
              pos += p.consumed;
            } else if (s === STEP_SKIP) {
              pos += p.consumed;
            } else if (s === STEP_NEED) {
              carry = new Uint8Array(p.needTotal);
              carryLen = chunk.length - pos;
              carry.set(chunk.subarray(pos));
              carryAbs = chunkAbs + pos;
              break;
            } else {
              stopped = true;
              break;
            }
          }
          if (tee && pos > teeStart) tee(chunk.subarray(teeStart, pos));
        }
        chunkAbs += chunk.length;
        yield chunkAbs;
        if (stopped) return;
      }
      // 3. End of input: a pending partial unit becomes a truncation issue.
      if (carry !== undefined) p.step(carry, 0, carryLen, carryAbs, true);
      else p.step(new Uint8Array(0), 0, 0, chunkAbs, true);
    } catch (err) {
      if (err instanceof InputError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new InputError(`cannot read ${name}: ${msg}`, { cause: err });
    } finally {
      const d = src as { destroy?: () => void };
      if (typeof d.destroy === 'function' && src !== process.stdin) d.destroy();
    }
  }

  async function* batches(): AsyncGenerator<CaptureRecord[]> {
    let out: CaptureRecord[] = [];
    for await (const _ of drive((bytes, abs, pos) => {
      out.push(recordFromParser(p, bytes, abs, pos));
      return true;
    })) {
      if (out.length > 0) {
        const batch = out;
        out = [];
        yield batch;
      }
    }
    if (out.length > 0) yield out;
  }

  async function scan(
    visit: (p: CaptureParser, bytes: Uint8Array) => boolean,
    chunkDone?: (fileOffset: number) => void | Promise<void>,
  ): Promise<void> {
    for await (const offset of drive((bytes) => visit(p, bytes))) await chunkDone?.(offset);
  }

  return {
    get info() {
      return p.info;
    },
    issues: p.issues,
    get stop() {
      return p.stopIssue;
    },
    batches,
    scan,
    async *[Symbol.asyncIterator]() {
      for await (const b of batches()) yield* b;
    },
  };
}
