/**
 * @module format/line
 * The tcpdump-compatible packet printer (`tcpdump -n`, 4.99.3): timestamp, the SLL2
 * interface/direction prefix, and the network-layer line. One instance per capture: it keeps
 * tcpdump's relative-sequence table and the delta-timestamp state.
 */
import { decodeLink, ETHERTYPE, LINKTYPE, newLinkInfo } from '../wire/link.js';
import { ByteCursor, Truncated } from './cursor.js';
import type { ByteSink } from './sink.js';
import { printTcpFast } from './fast.js';
import { printIpv4, printIpv6 } from './ip.js';
import { SeqTable, type TcpPrintOptions } from './tcp.js';
import { TimestampFormatter, type TimestampMode, type TzOffsetFn } from './timestamp.js';

export { ByteSink } from './sink.js';

export interface TcpdumpFormatOptions {
  /** tcpdump's `-t` count (0 default … 5). */
  timestampMode?: TimestampMode;
  /** `--time-stamp-precision nano`. */
  nano?: boolean;
  /** `-S`: absolute sequence numbers. */
  absoluteSeq?: boolean;
  /** `-v` count. */
  verbose?: number;
  /** Local time zone offset; defaults to the process's zone (tcpdump uses localtime). */
  tzOffset?: TzOffsetFn;
  /** Interface name for an SLL2 interface index (tcpdump asks the reading machine). */
  interfaceName?: (index: number) => string | undefined;
}

/** The minimum a printer needs from a capture record. */
export interface PrintableRecord {
  readonly tsSec: number;
  readonly tsFracNs: number;
  readonly data: Uint8Array;
  readonly origLen: number;
  readonly linkType: number;
}

const SLL_TYPES: Record<number, string> = { 0: 'In', 1: 'B', 2: 'M', 3: 'P', 4: 'Out' };

function padEnd(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/**
 * Prints packets exactly as `tcpdump -n -r` does for TCP; other packets get a short summary.
 * @example
 * const fmt = new TcpdumpFormatter({ tzOffset: () => 0 });
 * for (const rec of readCaptureBuffer(buf).records) console.log(fmt.format(rec));
 */
export class TcpdumpFormatter {
  private readonly cursor = new ByteCursor();
  /** The cursor's own buffer, used by format() and body(). */
  private own: Uint8Array = this.cursor.ob;
  private readonly link = newLinkInfo();
  private readonly table = new SeqTable();
  private readonly ts: TimestampFormatter;
  private readonly tcpOpts: TcpPrintOptions;
  private readonly ifName: (index: number) => string | undefined;
  /** No `-v`: the common packets take the fast path (format/fast). */
  private readonly plain: boolean;
  /** Whether the last formatted packet was a TCP segment (first fragment). */
  lastWasTcp = false;

  constructor(opts: TcpdumpFormatOptions = {}) {
    this.ts = new TimestampFormatter(opts.timestampMode ?? 0, opts.nano ?? false, opts.tzOffset);
    this.tcpOpts = { absoluteSeq: opts.absoluteSeq ?? false, verbose: opts.verbose ?? 0 };
    this.ifName = opts.interfaceName ?? (() => undefined);
    this.plain = this.tcpOpts.verbose === 0;
  }

  /** The packet's text without a trailing newline (may span lines under `-v`). */
  format(rec: PrintableRecord): string {
    return this.toText(rec, true);
  }

  /** The packet's text without its timestamp. */
  body(rec: PrintableRecord): string {
    return this.toText(rec, false);
  }

  /**
   * Append the packet's text and a newline to `sink` as UTF-8 bytes: the same text as
   * {@link TcpdumpFormatter.format}, without building a string (the fast path of `tcpscope read`).
   * @example
   * for (const rec of records) fmt.formatInto(rec, sink); // sink.buf[0, sink.len) holds the lines
   */
  formatInto(rec: PrintableRecord, sink: ByteSink): void {
    const c = this.cursor;
    c.ob = sink.buf;
    c.op = sink.len;
    try {
      this.write(rec, true);
      c.byte(10);
    } finally {
      sink.buf = c.ob;
      sink.len = c.op;
      c.ob = this.own;
      c.op = 0;
    }
  }

  private toText(rec: PrintableRecord, withTs: boolean): string {
    const c = this.cursor;
    c.ob = this.own;
    c.op = 0;
    this.write(rec, withTs);
    this.own = c.ob;
    // write() moves the packet start (o0) past the timestamp; the text includes it.
    c.o0 = 0;
    const text = c.text();
    c.op = 0;
    return text;
  }

  private write(rec: PrintableRecord, withTs: boolean): void {
    const c = this.cursor;
    const data = rec.data;
    if (withTs) this.ts.writeTo(c, rec.tsSec, rec.tsFracNs);
    // The packet's text starts after the timestamp (o0 is only used by the UDP arrow fix-up).
    c.reset(data, data.length);
    this.lastWasTcp = false;
    const li = decodeLink(data, data.length, rec.linkType, this.link);
    if (rec.linkType === LINKTYPE.LINUX_SLL2 && !li.issue) {
      c.s(padEnd(this.ifName(li.interfaceIndex) ?? '?', 5) + ' ');
      c.s(padEnd(SLL_TYPES[li.packetType] ?? '?', 3) + ' ');
    }
    if (li.issue || li.netOffset < 0) {
      c.s(` [|${li.issue?.layer ?? 'link'}]`);
      return;
    }
    const length = rec.origLen - li.netOffset;
    if (
      this.plain &&
      (li.etherType === ETHERTYPE.IPV4 || li.etherType === ETHERTYPE.IPV6) &&
      printTcpFast(
        c,
        li.netOffset,
        length,
        li.etherType === ETHERTYPE.IPV6,
        this.table,
        this.tcpOpts.absoluteSeq,
      )
    ) {
      this.lastWasTcp = true;
      return;
    }
    try {
      if (li.etherType === ETHERTYPE.IPV4) {
        this.lastWasTcp = printIpv4(c, li.netOffset, length, this.table, this.tcpOpts).tcp;
      } else if (li.etherType === ETHERTYPE.IPV6) {
        this.lastWasTcp = printIpv6(c, li.netOffset, length, this.table, this.tcpOpts).tcp;
      } else if (li.etherType === ETHERTYPE.ARP) {
        c.s(`ARP, length ${Math.max(0, length)}`);
      } else if (li.family >= 0) {
        c.s(`AF ${li.family}, length ${rec.origLen}`);
      } else {
        c.s(`ethertype 0x${li.etherType.toString(16).padStart(4, '0')}, length ${rec.origLen}`);
      }
    } catch (e) {
      if (e instanceof Truncated) c.s(` [|${c.proto}]`);
      else throw e;
    }
  }
}
