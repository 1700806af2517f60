/**
 * @module capture/parser
 * The incremental capture-file parser shared by the buffer and stream readers. It looks at a window
 * `bytes[pos, end)` whose first byte is at absolute file offset `abs`, and answers with one step:
 * a record (cursor fields set, zero-copy), a skipped header/block, "need N bytes from pos", the
 * clean end, or a stop with a typed issue. It never allocates a buffer and never trusts a length
 * before checking it against a limit, so a stream reader can buffer exactly what it is asked for.
 * Pure: no I/O.
 */
import type { CaptureInfo, CaptureInterface, CaptureIssue } from './types.js';
import type { Layer, LengthSource } from '../wire/packet.js';
import { effectiveSnaplen, maxSnaplenForLinkType } from './limits.js';
import { stepPcapng, type PcapngState } from './pcapng.js';

import { STEP_END, STEP_NEED, STEP_RECORD, STEP_SKIP, STEP_STOP, type Step } from './steps.js';

const MODE_DETECT = 0;
const MODE_PCAP = 1;
const MODE_PCAPNG = 2;
const MODE_STOPPED = 3;

const PCAP_HEADER_BYTES = 24;
const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;
const MAGIC_KUZNETZOV = 0xa1b2cd34;
const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
const NS_PER_SEC = 1_000_000_000n;

/**
 * Incremental pcap/pcapng parser with cursor-style output (one object, reused).
 * Use {@link readCaptureBuffer} or {@link openCapture} unless you need the zero-allocation loop.
 * @example
 * const p = new CaptureParser();
 * let pos = 0;
 * for (;;) {
 *   const s = p.step(buf, pos, buf.length, pos, true);
 *   if (s === STEP_RECORD) use(buf.subarray(p.dataStart, p.dataStart + p.caplen));
 *   if (s === STEP_RECORD || s === STEP_SKIP) { pos += p.consumed; continue; }
 *   break; // STEP_END or STEP_STOP (p.stopIssue)
 * }
 */
export class CaptureParser {
  // --- cursor, valid after STEP_RECORD ---
  /** The record's time as one bigint, made on first use (pcap records carry sec + frac). */
  get tsNs(): bigint {
    return (this.tsBig ??= BigInt(this.tsSec) * NS_PER_SEC + BigInt(this.tsFracNs));
  }
  private tsBig: bigint | undefined = 0n;
  tsSec = 0;
  tsFracNs = 0;
  caplen = 0;
  origLen = 0;
  linkType = -1;
  interfaceIndex = 0;
  /** Index in `bytes` of the packet data's first byte. */
  dataStart = 0;
  /** Bytes consumed by the last STEP_RECORD / STEP_SKIP. */
  consumed = 0;
  /** After STEP_NEED: bytes needed from `pos` (always bounded by a checked limit). */
  needTotal = 0;
  /** Non-fatal issue attached to the last record, if any. */
  recordIssue: CaptureIssue | undefined;
  // --- file state ---
  info: CaptureInfo | undefined;
  stopIssue: CaptureIssue | undefined;
  readonly issues: CaptureIssue[] = [];

  /** @internal */ mode = MODE_DETECT;
  /** @internal */ le = true;
  /** @internal */ dv: DataView | undefined;
  /** @internal */ dvBytes: Uint8Array | undefined;
  // pcap state
  private nano = false;
  private hdrBytes = 16;
  private lengthsSwapped: 0 | 1 | 2 = 0; // 0 no, 1 yes, 2 when caplen > len
  private snaplen = 0;
  private maxCaplen = 0;
  /** @internal pcapng state, see pcapng.ts */
  ng: PcapngState | undefined;

  /**
   * Advance over `bytes[pos, end)`; `abs` is the file offset of `bytes[pos]`; `eof` says no more
   * input will follow `end`. Returns one of the STEP_* constants.
   */
  step(bytes: Uint8Array, pos: number, end: number, abs: number, eof: boolean): Step {
    this.recordIssue = undefined;
    if (this.dvBytes !== bytes) {
      this.dvBytes = bytes;
      this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    switch (this.mode) {
      case MODE_PCAP:
        return this.stepPcapRecord(bytes, pos, end, abs, eof);
      case MODE_PCAPNG:
        return stepPcapng(this, bytes, pos, end, abs, eof);
      case MODE_DETECT:
        return this.detect(bytes, pos, end, abs, eof);
      default:
        return STEP_STOP;
    }
  }

  /** @internal Record a fatal issue and stop. */
  stop(
    layer: Layer,
    code: CaptureIssue['code'],
    offset: number,
    needed: number,
    available: number,
    reason: string,
    lengthSource?: LengthSource,
  ): Step {
    const issue: CaptureIssue = lengthSource
      ? { code, layer, offset, needed, available, lengthSource, reason, fatal: true }
      : { code, layer, offset, needed, available, reason, fatal: true };
    this.stopIssue = issue;
    this.issues.push(issue);
    this.mode = MODE_STOPPED;
    return STEP_STOP;
  }

  /** @internal A non-fatal issue on the record being returned. */
  warn(issue: CaptureIssue): void {
    this.recordIssue = issue;
    this.issues.push(issue);
  }

  /** @internal Set the timestamp cursor from whole seconds and nanoseconds (bigint made lazily). */
  setTsParts(sec: number, fracNs: number): void {
    this.tsSec = sec;
    this.tsFracNs = fracNs;
    this.tsBig = undefined;
  }

  /** @internal Set the timestamp cursor from a nanosecond bigint. */
  setTsNs(tsNs: bigint): void {
    this.tsBig = tsNs;
    const sec = tsNs / NS_PER_SEC;
    this.tsSec = Number(sec);
    this.tsFracNs = Number(tsNs - sec * NS_PER_SEC);
  }

  private detect(bytes: Uint8Array, pos: number, end: number, abs: number, eof: boolean): Step {
    const have = end - pos;
    if (have < 4) {
      if (!eof) return this.need(4);
      return this.stop(
        'pcap',
        'truncated',
        abs,
        4,
        have,
        `truncated dump file; tried to read 4 file header bytes, only got ${have}`,
      );
    }
    const dv = this.dv!;
    const be = dv.getUint32(pos, false);
    if (be === PCAPNG_SHB_TYPE) {
      this.mode = MODE_PCAPNG;
      return stepPcapng(this, bytes, pos, end, abs, eof);
    }
    const le = dv.getUint32(pos, true);
    let magic: number;
    if (be === MAGIC_USEC || be === MAGIC_NSEC || be === MAGIC_KUZNETZOV) {
      this.le = false;
      magic = be;
    } else if (le === MAGIC_USEC || le === MAGIC_NSEC || le === MAGIC_KUZNETZOV) {
      this.le = true;
      magic = le;
    } else {
      return this.stop(
        'pcap',
        'bad-value',
        abs,
        4,
        4,
        `unknown file format (magic 0x${be.toString(16).padStart(8, '0')})`,
      );
    }
    if (have < PCAP_HEADER_BYTES) {
      if (!eof) return this.need(PCAP_HEADER_BYTES);
      return this.stop(
        'pcap',
        'truncated',
        abs,
        PCAP_HEADER_BYTES,
        have,
        `truncated dump file; tried to read ${PCAP_HEADER_BYTES} file header bytes, only got ${have}`,
      );
    }
    const l = this.le;
    const major = dv.getUint16(pos + 4, l);
    const minor = dv.getUint16(pos + 6, l);
    const fileSnaplen = dv.getUint32(pos + 16, l);
    const linkField = dv.getUint32(pos + 20, l);
    if (major < 2) return this.stop('pcap', 'unsupported', abs + 4, 2, major, 'archaic pcap savefile format');
    if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
      return this.stop(
        'pcap',
        'unsupported',
        abs + 4,
        2,
        major,
        `unsupported pcap savefile version ${major}.${minor}`,
      );
    }
    const linkType = linkField & 0x03ffffff;
    let snaplen = effectiveSnaplen(linkType, fileSnaplen | 0);
    this.nano = magic === MAGIC_NSEC;
    this.hdrBytes = magic === MAGIC_KUZNETZOV ? 24 : 16;
    if (magic === MAGIC_KUZNETZOV && linkType === 1) snaplen += 14;
    this.lengthsSwapped = major === 543 || minor < 3 ? 1 : minor === 3 ? 2 : 0;
    this.snaplen = snaplen;
    this.maxCaplen = maxSnaplenForLinkType(linkType);
    this.linkType = linkType;
    this.interfaceIndex = 0;
    const iface: CaptureInterface = {
      sectionIndex: 0,
      interfaceIndex: 0,
      linkType,
      snaplen,
      tsUnitsPerSec: this.nano ? NS_PER_SEC : 1_000_000n,
      tsOffsetSec: 0n,
    };
    this.info = {
      format: 'pcap',
      byteOrder: l ? 'little' : 'big',
      precision: this.nano ? 'nano' : 'micro',
      linkType,
      snaplen,
      fileSnaplen,
      versionMajor: major,
      versionMinor: minor,
      interfaces: [iface],
      sections: 1,
    };
    this.mode = MODE_PCAP;
    this.consumed = PCAP_HEADER_BYTES;
    return STEP_SKIP;
  }

  /** @internal */
  need(total: number): Step {
    this.needTotal = total;
    return STEP_NEED;
  }

  private stepPcapRecord(bytes: Uint8Array, pos: number, end: number, abs: number, eof: boolean): Step {
    const have = end - pos;
    const hdr = this.hdrBytes;
    if (have < hdr) {
      if (have === 0 && eof) return STEP_END;
      if (!eof) return this.need(hdr);
      return this.stop(
        'pcap',
        'truncated',
        abs,
        hdr,
        have,
        `truncated dump file; tried to read ${hdr} header bytes, only got ${have}`,
      );
    }
    const dv = this.dv!;
    const l = this.le;
    const sec = dv.getUint32(pos, l);
    const frac = dv.getUint32(pos + 4, l);
    let caplen = dv.getUint32(pos + 8, l);
    let origLen = dv.getUint32(pos + 12, l);
    if (this.lengthsSwapped === 1 || (this.lengthsSwapped === 2 && caplen > origLen)) {
      const t = caplen;
      caplen = origLen;
      origLen = t;
    }
    if (caplen > this.maxCaplen) {
      const reason =
        caplen > this.snaplen
          ? `invalid packet capture length ${caplen}, bigger than snaplen of ${this.snaplen}`
          : `invalid packet capture length ${caplen}, bigger than maximum of ${this.maxCaplen}`;
      return this.stop('pcap', 'bad-length', abs + 8, caplen, this.maxCaplen, reason, 'caplen');
    }
    const total = hdr + caplen;
    if (have < total) {
      if (!eof) return this.need(total);
      return this.stop(
        'pcap',
        'truncated',
        abs,
        total,
        have,
        `truncated dump file; tried to read ${caplen} captured bytes, only got ${have - hdr}`,
        'caplen',
      );
    }
    if (caplen > this.snaplen) {
      this.warn({
        code: 'bad-length',
        layer: 'pcap',
        offset: abs + 8,
        needed: caplen,
        available: this.snaplen,
        lengthSource: 'snaplen',
        reason: `packet capture length ${caplen} bigger than snaplen of ${this.snaplen}: truncated to the snaplen`,
        fatal: false,
      });
      this.caplen = this.snaplen;
    } else {
      this.caplen = caplen;
    }
    this.origLen = origLen;
    const fracNs = this.nano ? frac : frac * 1000;
    this.tsSec = sec;
    this.tsFracNs = fracNs;
    this.tsBig = undefined;
    this.dataStart = pos + hdr;
    this.consumed = total;
    return STEP_RECORD;
  }
}
