/**
 * @module format/line
 * The tcpdump-compatible packet printer (`tcpdump -n`, 4.99.3): timestamp, the SLL2
 * interface/direction prefix, and the network-layer line. One instance per capture: it keeps
 * tcpdump's relative-sequence table and the delta-timestamp state.
 */
import { decodeLink, ETHERTYPE, LINKTYPE, newLinkInfo } from '../wire/link.js';
import { PrintCursor, Truncated } from './cursor.js';
import { printIpv4, printIpv6 } from './ip.js';
import { SeqTable, type TcpPrintOptions } from './tcp.js';
import { TimestampFormatter, type TimestampMode, type TzOffsetFn } from './timestamp.js';

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
  private readonly cursor = new PrintCursor();
  private readonly link = newLinkInfo();
  private readonly table = new SeqTable();
  private readonly ts: TimestampFormatter;
  private readonly tcpOpts: TcpPrintOptions;
  private readonly ifName: (index: number) => string | undefined;
  /** Whether the last formatted packet was a TCP segment (first fragment). */
  lastWasTcp = false;

  constructor(opts: TcpdumpFormatOptions = {}) {
    this.ts = new TimestampFormatter(opts.timestampMode ?? 0, opts.nano ?? false, opts.tzOffset);
    this.tcpOpts = { absoluteSeq: opts.absoluteSeq ?? false, verbose: opts.verbose ?? 0 };
    this.ifName = opts.interfaceName ?? (() => undefined);
  }

  /** The packet's text without a trailing newline (may span lines under `-v`). */
  format(rec: PrintableRecord): string {
    const ts = this.ts.format(rec.tsSec, rec.tsFracNs);
    return ts + this.body(rec);
  }

  /** The packet's text without its timestamp. */
  body(rec: PrintableRecord): string {
    const c = this.cursor;
    const data = rec.data;
    c.reset(data, data.length);
    this.lastWasTcp = false;
    const li = decodeLink(data, data.length, rec.linkType, this.link);
    if (rec.linkType === LINKTYPE.LINUX_SLL2 && !li.issue) {
      c.out += padEnd(this.ifName(li.interfaceIndex) ?? '?', 5) + ' ';
      c.out += padEnd(SLL_TYPES[li.packetType] ?? '?', 3) + ' ';
    }
    if (li.issue || li.netOffset < 0) {
      c.out += ` [|${li.issue?.layer ?? 'link'}]`;
      return c.out;
    }
    const length = rec.origLen - li.netOffset;
    try {
      if (li.etherType === ETHERTYPE.IPV4) {
        this.lastWasTcp = printIpv4(c, li.netOffset, length, this.table, this.tcpOpts).tcp;
      } else if (li.etherType === ETHERTYPE.IPV6) {
        this.lastWasTcp = printIpv6(c, li.netOffset, length, this.table, this.tcpOpts).tcp;
      } else if (li.etherType === ETHERTYPE.ARP) {
        c.out += `ARP, length ${Math.max(0, length)}`;
      } else if (li.family >= 0) {
        c.out += `AF ${li.family}, length ${rec.origLen}`;
      } else {
        c.out += `ethertype 0x${li.etherType.toString(16).padStart(4, '0')}, length ${rec.origLen}`;
      }
    } catch (e) {
      if (e instanceof Truncated) c.out += ` [|${c.proto}]`;
      else throw e;
    }
    return c.out;
  }
}
