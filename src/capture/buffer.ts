/**
 * @module capture/buffer
 * Read a whole pcap or pcapng file held in memory (format auto-detected). Records are zero-copy
 * views into the buffer. Pure: no I/O.
 */
import { CaptureParser } from './parser.js';
import { STEP_RECORD, STEP_SKIP } from './steps.js';
import type { CaptureInfo, CaptureIssue, CaptureRecord } from './types.js';

/** Everything read from an in-memory capture. */
export interface CaptureBufferResult {
  /** File header facts; undefined when not even the header could be read (see `stop`). */
  readonly info: CaptureInfo | undefined;
  /** Every record before the first fatal issue. */
  readonly records: CaptureRecord[];
  /** Every issue in file order: non-fatal ones (e.g. caplen > snaplen) and the fatal one last. */
  readonly issues: readonly CaptureIssue[];
  /** The fatal issue that ended the read, if the file did not end cleanly. */
  readonly stop: CaptureIssue | undefined;
}

/**
 * An iterator over the records of an in-memory capture; `info`, `issues` and `stop` fill in as
 * iteration goes (they are final once iteration has ended).
 */
export interface CaptureBufferReader extends Iterable<CaptureRecord> {
  readonly info: CaptureInfo | undefined;
  readonly issues: readonly CaptureIssue[];
  readonly stop: CaptureIssue | undefined;
  /** The next record, or undefined at the end (clean or fatal). */
  next(): CaptureRecord | undefined;
}

/** @internal Build a record object from the parser's cursor. */
export function recordFromParser(
  p: CaptureParser,
  bytes: Uint8Array,
  abs: number,
  pos: number,
): CaptureRecord {
  const start = p.dataStart;
  return {
    tsNs: p.tsNs,
    tsSec: p.tsSec,
    tsFracNs: p.tsFracNs,
    caplen: p.caplen,
    origLen: p.origLen,
    linkType: p.linkType,
    interfaceIndex: p.interfaceIndex,
    data: bytes.subarray(start, start + p.caplen),
    offset: abs + (start - pos),
  };
}

/**
 * Iterate over the records of a pcap/pcapng file in memory (auto-detected, both byte orders).
 * @example
 * const r = openCaptureBuffer(fs.readFileSync('x.pcap'));
 * for (const rec of r) console.log(rec.tsNs, rec.caplen);
 * if (r.stop) console.error(r.stop.reason, 'at offset', r.stop.offset);
 */
export function openCaptureBuffer(buf: Uint8Array): CaptureBufferReader {
  const p = new CaptureParser();
  let pos = 0;
  let done = false;
  const next = (): CaptureRecord | undefined => {
    while (!done) {
      const s = p.step(buf, pos, buf.length, pos, true);
      if (s === STEP_RECORD) {
        const rec = recordFromParser(p, buf, pos, pos);
        pos += p.consumed;
        return rec;
      }
      if (s === STEP_SKIP) {
        pos += p.consumed;
        continue;
      }
      done = true;
    }
    return undefined;
  };
  return {
    get info() {
      return p.info;
    },
    issues: p.issues,
    get stop() {
      return p.stopIssue;
    },
    next,
    *[Symbol.iterator]() {
      for (let r = next(); r !== undefined; r = next()) yield r;
    },
  };
}

/**
 * Read every record of a pcap/pcapng file in memory (format auto-detected). Never throws on bad
 * input: the read stops at the first fatal issue and keeps every record before it.
 * @example
 * const { info, records, stop } = readCaptureBuffer(bytes);
 * // info.linkType === 1, records[0].data is a view into bytes, stop === undefined
 */
export function readCaptureBuffer(buf: Uint8Array): CaptureBufferResult {
  const r = openCaptureBuffer(buf);
  const records: CaptureRecord[] = [];
  for (let rec = r.next(); rec !== undefined; rec = r.next()) records.push(rec);
  return { info: r.info, records, issues: r.issues, stop: r.stop };
}

/** Alias of {@link readCaptureBuffer} (reads pcap and pcapng alike). */
export const readPcapBuffer = readCaptureBuffer;
