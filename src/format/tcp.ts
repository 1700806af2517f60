/**
 * @module format/tcp
 * tcpdump's TCP printer (4.99.3, `-n`): ports, `Flags [...]`, relative sequence numbers with
 * tcpdump's per-conversation table and its quirks, `win`, `urg`, options, `length N`, checksum
 * verdicts under `-v`, RST data, and the application payload printers.
 */

import { ipv6String } from '../wire/addr.js';
import { BAD_OPTION, TRUNC_GET, Truncated, type PrintCursor } from './cursor.js';
import { checksumShouldBe, finishSum, onesSum } from './checksum.js';
import { formatTcpOptions, type SackContext } from './tcp-options.js';
import { formatTcpPayload } from './app/index.js';

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;
const TH_URG = 0x20;
const FLAG_LETTERS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];
const MAX_RST_DATA_LEN = 30;

const flagCache: string[] = [];
/** tcpdump's flag letters for the flags byte, `none` when zero. */
export function tcpFlagString(flags: number): string {
  let s = flagCache[flags];
  if (s === undefined) {
    s = '';
    for (const [bit, letter] of FLAG_LETTERS) if (flags & bit) s += letter;
    if (!s) s = 'none';
    flagCache[flags] = s;
  }
  return s;
}

interface SeqEntry {
  seq: number;
  ack: number;
}

interface SeqEntry4 extends SeqEntry {
  src: number;
  dst: number;
}

/**
 * tcpdump's conversation table for relative sequence numbers, keyed like tcpdump's: the
 * (source, destination, ports) triple after putting the conversation in its collating order.
 * IPv4 keys are numbers (no string building on the hot path).
 */
export class SeqTable {
  private readonly v4 = new Map<number, SeqEntry4[]>();
  private readonly v6 = new Map<string, SeqEntry>();
  get size(): number {
    let n = this.v6.size;
    for (const list of this.v4.values()) n += list.length;
    return n;
  }
  /** The entry for an IPv4 conversation, created when `create` is set or missing. */
  lookup4(src: number, dst: number, ports: number): SeqEntry4 | undefined {
    const list = this.v4.get(ports);
    if (!list) return undefined;
    for (const e of list) if (e.src === src && e.dst === dst) return e;
    return undefined;
  }
  add4(src: number, dst: number, ports: number, seq: number, ack: number): SeqEntry4 {
    const e = { src, dst, seq, ack };
    const list = this.v4.get(ports);
    if (list) list.push(e);
    else this.v4.set(ports, [e]);
    return e;
  }
  get6(key: string): SeqEntry | undefined {
    return this.v6.get(key);
  }
  set6(key: string, e: SeqEntry): void {
    this.v6.set(key, e);
  }
}

/** Where the TCP segment sits and what the IP layer knew. */
export interface TcpContext {
  /** Offset of the IP header. */
  ipOffset: number;
  version: 4 | 6;
  /** Whether the IP header's next protocol is TCP directly (IPv6 without extension headers). */
  ipNextIsTcp: boolean;
  /** IP payload length handed to the TCP printer (tcpdump's `length`). */
  length: number;
  /** More-fragments bit (IPv4) or fragment header present (IPv6). */
  fragmented: boolean;
  /** Offset of the last IPv6 header's payload for the pseudo-header (0 for IPv4). */
}

/** Check that both addresses are readable (tcpdump's GET) and return the source's offset. */
function addrOffset(c: PrintCursor, ctx: TcpContext): number {
  const o = ctx.ipOffset;
  if (ctx.version === 6) {
    c.need(o + 8, 32);
    return o + 8;
  }
  c.need(o + 12, 8);
  return o + 12;
}

/** Print `SRC<sep>DST` (sep ` > `) with the ports when given (`sport` < 0: no ports). */
function printAddrs(c: PrintCursor, ctx: TcpContext, a: number, sport: number, dport: number): void {
  if (ctx.version === 6) c.ip6(a);
  else c.ip4(a);
  if (sport >= 0) {
    c.s('.');
    c.n(sport);
  }
  c.s(' > ');
  if (ctx.version === 6) c.ip6(a + 16);
  else c.ip4(a + 4);
  if (sport >= 0) {
    c.s('.');
    c.n(dport);
  }
}

/** A few IPv6 address strings for the sequence table's keys (captures hold few addresses). */
const V6_KEYS = 8;
const v6KeyBytes = new Uint8Array(V6_KEYS * 16);
const v6KeyText: string[] = [];
let v6KeyNext = 0;
function ipv6Key(b: Uint8Array, o: number): string {
  for (let e = 0; e < v6KeyText.length; e++) {
    let i = 0;
    while (i < 16 && v6KeyBytes[e * 16 + i] === b[o + i]) i++;
    if (i === 16) return v6KeyText[e] as string;
  }
  const text = ipv6String(b, o);
  const slot = v6KeyText.length < V6_KEYS ? v6KeyText.length : v6KeyNext++ % V6_KEYS;
  for (let i = 0; i < 16; i++) v6KeyBytes[slot * 16 + i] = b[o + i] ?? 0;
  v6KeyText[slot] = text;
  return text;
}

/** Compare the raw source and destination addresses (memcmp semantics). */
function srcAfterDst(b: Uint8Array, ipOffset: number, v6: boolean): boolean {
  const s = v6 ? ipOffset + 8 : ipOffset + 12;
  const n = v6 ? 16 : 4;
  for (let i = 0; i < n; i++) {
    const x = b[s + i] as number;
    const y = b[s + n + i] as number;
    if (x !== y) return x > y;
  }
  return false;
}

/** @internal What {@link relativeSeq} found (one reused object). */
export interface RelativeSeq {
  seq: number;
  ack: number;
  /** The segment goes in the conversation's reverse direction. */
  rev: boolean;
  /** The conversation's entry (the SACK blocks' bases). */
  thSeq: number;
  thAck: number;
}
const relSeq: RelativeSeq = { seq: 0, ack: 0, rev: false, thSeq: 0, thAck: 0 };

/**
 * @internal tcpdump's relative sequence numbers for an ACK segment: look the conversation up in
 * `table` (creating or, on SYN, resetting its entry) and return the printed seq/ack. The IP
 * addresses must be readable. The result object is reused by the next call.
 */
export function relativeSeq(
  b: Uint8Array,
  ipOffset: number,
  v6: boolean,
  sport: number,
  dport: number,
  flags: number,
  seq: number,
  ack: number,
  table: SeqTable,
): RelativeSeq {
  let rev = false;
  if (sport > dport) rev = true;
  else if (sport === dport) rev = srcAfterDst(b, ipOffset, v6);
  // A new conversation (or a SYN) starts the entry from this packet; else numbers are relative.
  const eSeq = rev ? (ack - 1) >>> 0 : seq;
  const eAck = rev ? seq : (ack - 1) >>> 0;
  let th: SeqEntry | undefined;
  let fresh: boolean;
  if (!v6) {
    const o = ipOffset;
    const s4 =
      (((b[o + 12] as number) << 24) |
        ((b[o + 13] as number) << 16) |
        ((b[o + 14] as number) << 8) |
        (b[o + 15] as number)) >>>
      0;
    const d4 =
      (((b[o + 16] as number) << 24) |
        ((b[o + 17] as number) << 16) |
        ((b[o + 18] as number) << 8) |
        (b[o + 19] as number)) >>>
      0;
    const src = rev ? d4 : s4;
    const dst = rev ? s4 : d4;
    const ports = (rev ? (dport << 16) | sport : (sport << 16) | dport) >>> 0;
    th = table.lookup4(src, dst, ports);
    fresh = th === undefined || (flags & TH_SYN) !== 0;
    if (fresh) {
      if (th) {
        th.seq = eSeq;
        th.ack = eAck;
      } else th = table.add4(src, dst, ports, eSeq, eAck);
    }
  } else {
    const s = ipv6Key(b, ipOffset + 8);
    const d = ipv6Key(b, ipOffset + 24);
    const key = rev ? `${d}|${s}|${dport}|${sport}` : `${s}|${d}|${sport}|${dport}`;
    th = table.get6(key);
    fresh = th === undefined || (flags & TH_SYN) !== 0;
    if (fresh) {
      th = { seq: eSeq, ack: eAck };
      table.set6(key, th);
    }
  }
  if (!th) throw new Error('unreachable: sequence table entry');
  if (!fresh) {
    seq = (seq - (rev ? th.ack : th.seq)) >>> 0;
    ack = (ack - (rev ? th.seq : th.ack)) >>> 0;
  }
  const r = relSeq;
  r.seq = seq;
  r.ack = ack;
  r.rev = rev;
  r.thSeq = th.seq;
  r.thAck = th.ack;
  return r;
}

function tcpChecksum(c: PrintCursor, ctx: TcpContext, tp: number, length: number): number {
  const o = ctx.ipOffset;
  let sum: number;
  if (ctx.version === 4) {
    sum = onesSum(c.b, o + 12, o + 20, 0) + 6 + length;
  } else {
    sum = onesSum(c.b, o + 8, o + 40, 0) + (length >>> 16) + (length & 0xffff) + 6;
  }
  return finishSum(onesSum(c.b, tp, tp + length, sum));
}

function rstData(c: PrintCursor, p: number, length: number): void {
  c.s(c.has(p, length) ? ' [RST' : ' [!RST');
  if (length > MAX_RST_DATA_LEN) {
    length = MAX_RST_DATA_LEN;
    c.s('+');
  }
  c.s(' ');
  while (length && p < c.end) {
    let ch = c.b[p] as number;
    p++;
    if (ch & 0x80) {
      ch &= 0x7f;
      c.s('M-');
    }
    if (ch < 0x20 || ch === 0x7f) {
      ch ^= 0x40;
      c.s('^');
    }
    c.s(String.fromCharCode(ch));
    length--;
  }
  c.s(']');
}

/** Reused for every segment (formatTcpOptions does not keep it). */
const sackCtx: SackContext = { rev: false, thSeq: 0, thAck: 0 };

export interface TcpPrintOptions {
  absoluteSeq: boolean;
  verbose: number;
}

/**
 * Print the TCP segment at `tp` into the cursor, exactly as tcpdump's tcp_print does.
 * Truncation and bad options end the text the way tcpdump ends it.
 */
export function printTcp(
  c: PrintCursor,
  tp: number,
  ctx: TcpContext,
  table: SeqTable,
  opts: TcpPrintOptions,
): void {
  c.proto = 'tcp';
  let length = ctx.length;
  try {
    if (!c.has(tp + 2, 2)) {
      printAddrs(c, ctx, addrOffset(c, ctx), -1, -1);
      c.s(':');
      throw TRUNC_GET;
    }
    const sport = c.u16(tp);
    const dport = c.u16(tp + 2);
    if (ctx.ipNextIsTcp) {
      printAddrs(c, ctx, addrOffset(c, ctx), sport, dport);
      c.s(': ');
    } else {
      c.n(sport);
      c.s(' > ');
      c.n(dport);
      c.s(': ');
    }
    c.need(tp, 20);
    let hlen = (c.u8(tp + 12) >> 4) * 4;
    if (hlen < 20) {
      c.s(` tcp ${(length - hlen) >>> 0} [bad hdr length ${hlen} - too short, < 20]`);
      return;
    }
    let seq = c.u32(tp + 4);
    let ack = c.u32(tp + 8);
    const win = c.u16(tp + 14);
    const urp = c.u16(tp + 18);
    const flags = c.u8(tp + 13);
    c.s('Flags [');
    c.s(tcpFlagString(flags));
    c.s(']');
    let rev = false;
    let thSeq = 0;
    let thAck = 0;
    if (!opts.absoluteSeq && flags & TH_ACK) {
      const o = ctx.ipOffset;
      if (ctx.version === 4) c.need(o + 12, 8);
      else addrOffset(c, ctx);
      const r = relativeSeq(c.b, o, ctx.version === 6, sport, dport, flags, seq, ack, table);
      seq = r.seq;
      ack = r.ack;
      rev = r.rev;
      thSeq = r.thSeq;
      thAck = r.thAck;
    }
    if (hlen > length) {
      c.s(` [bad hdr length ${hlen} - too long, > ${length}]`);
      return;
    }
    if (opts.verbose && !ctx.fragmented && c.has(tp, length)) {
      const sum = tcpChecksum(c, ctx, tp, length);
      const field = c.u16(tp + 16);
      c.s(', cksum 0x');
      c.x(field, 4);
      if (sum !== 0) {
        c.s(' (incorrect -> 0x');
        c.x(checksumShouldBe(field, sum), 4);
        c.s(')');
      } else c.s(' (correct)');
    }
    const segLength = length;
    length -= hlen;
    if (opts.verbose > 1 || length > 0 || flags & (TH_SYN | TH_FIN | TH_RST)) {
      c.s(', seq ');
      c.n(seq);
      if (length > 0) {
        c.s(':');
        c.n((seq + length) >>> 0);
      }
    }
    if (flags & TH_ACK) {
      c.s(', ack ');
      c.n(ack);
    }
    c.s(', win ');
    c.n(win);
    if (flags & TH_URG) {
      c.s(', urg ');
      c.n(urp);
    }
    if (hlen > 20) {
      try {
        sackCtx.rev = rev;
        sackCtx.thSeq = thSeq;
        sackCtx.thAck = thAck;
        formatTcpOptions(c, tp + 20, tp + hlen, flags, sackCtx, tp + segLength);
      } catch (e) {
        if (e === BAD_OPTION) {
          c.s(c.optCh ? '[bad opt]]' : '[bad opt]');
          return;
        }
        if (e instanceof Truncated && e.viaLenCheck) {
          c.s(` [|${c.proto}]` + (c.optCh ? '>' : ''));
          return;
        }
        throw e;
      }
    }
    c.s(', length ');
    c.n(length);
    if (length === 0) return;
    hlen = (c.b[tp + 12] as number) >> 4;
    hlen *= 4;
    if (!c.has(tp, hlen)) {
      c.s(` [remaining caplen(${Math.max(0, c.end - tp)}) < header length(${hlen})]`);
      throw TRUNC_GET;
    }
    const payload = tp + hlen;
    if (flags & TH_RST && opts.verbose) {
      rstData(c, payload, length);
      return;
    }
    const text = formatTcpPayload(c.b, payload, length, c.end, sport, dport, opts.verbose);
    if (text) c.s(text);
  } catch (e) {
    if (e instanceof Truncated) {
      c.s(' [|');
      c.s(c.proto);
      c.s(']');
      return;
    }
    throw e;
  }
}
