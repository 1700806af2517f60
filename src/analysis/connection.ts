/**
 * @module analysis/connection
 * One TCP connection's analysis state: both directions' Wireshark sequence analysis, Zeek
 * endpoints and history, inferred Linux states, counters, handshake timing and options.
 * `processSegment` is the hot path: it reads a reused numeric {@link Segment} and allocates
 * nothing unless transitions are requested. Times are numbers: nanoseconds since the
 * analyzer's first packet (exact for captures shorter than 104 days).
 */
import type { Endpoint, TcpState } from '../events.js';
import { TCP_FLAG } from '../wire/packet.js';
import { inferLinux, resetLinuxEndpoint, type LinuxEndpoint, type Transition } from './linux-state.js';
import {
  analyzeWsSegment,
  resetWsDirection,
  WS,
  type WsDirection,
  type WsResult,
} from './wireshark-flags.js';
import {
  resetZeekEndpoint,
  updateZeek,
  type ZeekEndpoint,
  type ZeekEndpointState,
  type ZeekHistory,
} from './zeek.js';

/**
 * One TCP segment as the engine reads it: plain numbers, filled in place for every packet (from
 * a `DecodedPacket` or straight from a `FrameDecoder`). Option fields are read on SYNs only.
 */
export class Segment {
  /** 0-based packet index in the input. */
  index = 0;
  /** ns since the analyzer's first packet. */
  t = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  /** The nine TCP flag bits. */
  flags = 0;
  window = 0;
  /** TCP payload bytes, as the IP header declares them. */
  len = 0;
  /** IP header + upper-layer bytes. */
  ipBytes = 0;
  /** SYN options: MSS and window-scale shift (-1 when absent), SACK-permitted, timestamps. */
  mss = -1;
  wscale = -1;
  sackOK = false;
  timestamps = false;

  /** Set the per-packet fields (options cleared: the caller reads them on SYNs). */
  fill(
    index: number,
    t: number,
    srcPort: number,
    dstPort: number,
    seq: number,
    ack: number,
    flags: number,
    window: number,
    len: number,
    ipBytes: number,
  ): this {
    this.index = index;
    this.t = t;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.seq = seq;
    this.ack = ack;
    this.flags = flags;
    this.window = window;
    this.len = len;
    this.ipBytes = ipBytes;
    this.mss = -1;
    this.wscale = -1;
    this.sackOK = false;
    this.timestamps = false;
    return this;
  }
}

/** Per-direction counters and option facts. Index 0 = from the originator, 1 = from the responder. */
export interface DirectionFacts {
  packets: number;
  payloadBytes: number;
  ipBytes: number;
  mss: number;
  wscale: number;
  sackOK: boolean;
  timestamps: boolean;
  /** Last data segment seen from this side (relative to nothing: absolute seq) and its time. */
  lastDataSeq: number;
  lastDataLen: number;
  lastDataNs: number;
  lastDataAcked: boolean;
  /** Time of this side's first FIN (-1 before). */
  finNs: number;
}

function resetFacts(f: DirectionFacts): void {
  f.packets = 0;
  f.payloadBytes = 0;
  f.ipBytes = 0;
  f.mss = -1;
  f.wscale = -1;
  f.sackOK = false;
  f.timestamps = false;
  f.lastDataSeq = 0;
  f.lastDataLen = 0;
  f.lastDataNs = 0;
  f.lastDataAcked = true;
  f.finNs = -1;
}

/**
 * One side of a connection: the Wireshark, Zeek, Linux and counter state of one direction in a
 * single object (their field names are disjoint), so a connection is a few adjacent objects,
 * not a dozen scattered ones: with thousands of connections in the table, each extra object is
 * a cache miss per packet. Fresh values here must equal what the reset functions set (a test
 * checks).
 */
export class Side implements WsDirection, ZeekEndpoint, LinuxEndpoint, DirectionFacts {
  // WsDirection (wireshark-flags.ts)
  nextseq = 0;
  nextseqTimeNs = 0;
  maxseqtobeacked = 0;
  lastack = 0;
  lastackTimeNs = 0;
  window = -1;
  windowFromSyn = false;
  winScale = -1;
  dupacknum = 0;
  lastnondupack = 0;
  lastSegmentFlags = 0;
  // ZeekEndpoint (zeek.ts)
  zeekState: ZeekEndpointState = 'INACTIVE';
  zeekPrevState: ZeekEndpointState = 'INACTIVE';
  startSeq = 0;
  lastSeq = 0;
  ackSeq = 0;
  seqInit = false;
  finCount = 0;
  lastSyn = 0;
  lastFin = 0;
  lastRst = 0;
  rxmitCount = 0;
  rxmitNext = 1;
  zeroWinCount = 0;
  zeroWinNext = 1;
  gapCount = 0;
  gapNext = 1;
  // LinuxEndpoint (linux-state.ts)
  state: TcpState | undefined = undefined;
  shownState: TcpState | undefined = undefined;
  isn = 0;
  synSent = false;
  synAckSent = false;
  finEnd = 0;
  finSent = false;
  finAcked = false;
  finWait2Index = -1;
  finWait2Ns = 0;
  peerFinSeen = false;
  sndNxt = 0;
  sndNxtSet = false;
  bytesReceived = 0;
  bytesSentAfterLastReceive = 0;
  lastSentHadData = false;
  resetSeen = false;
  // DirectionFacts
  packets = 0;
  payloadBytes = 0;
  ipBytes = 0;
  mss = -1;
  wscale = -1;
  sackOK = false;
  timestamps = false;
  lastDataSeq = 0;
  lastDataLen = 0;
  lastDataNs = 0;
  lastDataAcked = true;
  finNs = -1;
}

/** Reset every part of a side for reuse. */
export function resetSide(x: Side): void {
  resetWsDirection(x);
  resetZeekEndpoint(x);
  resetLinuxEndpoint(x);
  resetFacts(x);
}

/** Bit positions of the flag counters: Wireshark's flags (WS bits), then the verdicts. */
export const VERDICT = {
  DATA_AFTER_FIN: 1 << 15,
  RST_CLOSED_SOCKET: 1 << 16,
  RST_REFUSED: 1 << 17,
  RST_UNREAD_DATA: 1 << 18,
  RST_ABORT: 1 << 19,
  DATA_AFTER_RST: 1 << 20,
} as const;
/** Number of counters (WS flags + verdicts). */
export const COUNTER_BITS = 21;

/** The two endpoints' addresses: IPv4 as 32-bit numbers (text made on demand), IPv6 as text. */
export interface ConnAddrs {
  readonly v6: boolean;
  readonly origAddr4: number;
  readonly respAddr4: number;
  readonly origAddr6: string;
  readonly respAddr6: string;
  readonly origPort: number;
  readonly respPort: number;
}

/** A packet's addresses as the flow table reads them (IPv4 as numbers, IPv6 as text). */
export interface PacketAddrs {
  v6: boolean;
  src4: number;
  dst4: number;
  src6: string;
  dst6: string;
}

function ipv4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * One connection's state. The engine reuses retired objects for new connections (`init`), so
 * a capture of millions of short connections does not leave millions of dead objects behind;
 * `generation` changes on every reuse, for queues that may still hold the old one.
 */
export class Connection implements ConnAddrs {
  /** Both sides; `ws`, `zeek`, `linux` and `facts` are views of this same pair. */
  readonly sides: readonly [Side, Side] = [new Side(), new Side()];
  readonly ws: readonly [WsDirection, WsDirection] = this.sides;
  readonly zeek: readonly [ZeekEndpoint, ZeekEndpoint] = this.sides;
  readonly linux: readonly [LinuxEndpoint, LinuxEndpoint] = this.sides;
  readonly facts: readonly [DirectionFacts, DirectionFacts] = this.sides;
  readonly history: ZeekHistory = { text: '', seen: 0 };
  generation = 0;
  id = 0;
  v6 = false;
  origAddr4 = 0;
  respAddr4 = 0;
  origAddr6 = '';
  respAddr6 = '';
  origPort = 0;
  respPort = 0;
  /** Times in ns since the analyzer's first packet. */
  startNs = 0;
  firstIndex = 0;
  /** ISN / base sequence per direction (Wireshark's base_seq), for relative numbers. */
  base0 = 0;
  base1 = 0;
  baseSet0 = false;
  baseSet1 = false;
  /** Flag counters by bit (see VERDICT / WS), made on the first flag. */
  counters: Int32Array | undefined = undefined;
  /** -1 = not seen. */
  synNs = -1;
  synAckNs = -1;
  ackNs = -1;
  synSeen = false;
  opener: 0 | 1 | -1 = -1;
  closer: 0 | 1 | -1 = -1;
  finSent0 = false;
  finSent1 = false;
  rstSent0 = false;
  rstSent1 = false;
  lastNs = 0;
  lastIndex = 0;
  closed = false;
  evicted = false;
  /** Removed from the flow table (evicted, split off by port reuse, or finished). */
  retired = false;
  /**
   * For a reporter's use (the summary's row preparer): a slot it gave this object (kept across
   * reuse), and `preparedAt`, the `lastIndex` at which it prepared something (-1: nothing).
   */
  reporterSlot = -1;
  preparedAt = -1;
  preparedLen = 0;
  preparedState = 0;
  private origEp: Endpoint | undefined = undefined;
  private respEp: Endpoint | undefined = undefined;

  /**
   * Start connection `id` whose first packet went from `a`'s source to its destination (the
   * originator is the destination when `flipped`: a lone SYN-ACK).
   */
  init(
    id: number,
    a: PacketAddrs,
    srcPort: number,
    dstPort: number,
    startNs: number,
    firstIndex: number,
    flipped: boolean,
  ): this {
    resetSide(this.sides[0]);
    resetSide(this.sides[1]);
    this.history.text = flipped ? '^' : '';
    this.history.seen = 0;
    this.generation++;
    this.id = id;
    this.v6 = a.v6;
    this.origAddr4 = flipped ? a.dst4 : a.src4;
    this.respAddr4 = flipped ? a.src4 : a.dst4;
    this.origAddr6 = a.v6 ? (flipped ? a.dst6 : a.src6) : '';
    this.respAddr6 = a.v6 ? (flipped ? a.src6 : a.dst6) : '';
    this.origPort = flipped ? dstPort : srcPort;
    this.respPort = flipped ? srcPort : dstPort;
    this.startNs = startNs;
    this.firstIndex = firstIndex;
    this.base0 = this.base1 = 0;
    this.baseSet0 = this.baseSet1 = false;
    this.counters?.fill(0);
    this.synNs = this.synAckNs = this.ackNs = -1;
    this.synSeen = false;
    this.opener = this.closer = -1;
    this.finSent0 = this.finSent1 = this.rstSent0 = this.rstSent1 = false;
    this.lastNs = startNs;
    this.lastIndex = firstIndex;
    this.closed = this.evicted = this.retired = false;
    this.preparedAt = -1;
    this.origEp = this.respEp = undefined;
    return this;
  }

  /** The addresses (this object itself). */
  get addrs(): ConnAddrs {
    return this;
  }

  /** The originator: SYN sender, else the first packet's sender (flipped for a lone SYN-ACK). */
  get orig(): Endpoint {
    return (this.origEp ??= {
      addr: this.v6 ? this.origAddr6 : ipv4Text(this.origAddr4),
      port: this.origPort,
    });
  }

  get resp(): Endpoint {
    return (this.respEp ??= {
      addr: this.v6 ? this.respAddr6 : ipv4Text(this.respAddr4),
      port: this.respPort,
    });
  }

  /** The direction-free flow key (same text as `flowKey` in events.ts). */
  get key(): string {
    const o = this.orig;
    const r = this.resp;
    const oFirst = o.addr !== r.addr ? o.addr < r.addr : o.port < r.port;
    return oFirst ? `${o.addr}.${o.port}-${r.addr}.${r.port}` : `${r.addr}.${r.port}-${o.addr}.${o.port}`;
  }

  base(dir: 0 | 1): number {
    return dir === 0 ? this.base0 : this.base1;
  }

  baseSet(dir: 0 | 1): boolean {
    return dir === 0 ? this.baseSet0 : this.baseSet1;
  }

  private setBase(dir: 0 | 1, v: number): void {
    if (dir === 0) {
      this.base0 = v;
      this.baseSet0 = true;
    } else {
      this.base1 = v;
      this.baseSet1 = true;
    }
  }

  finSent(dir: 0 | 1): boolean {
    return dir === 0 ? this.finSent0 : this.finSent1;
  }

  rstSent(dir: 0 | 1): boolean {
    return dir === 0 ? this.rstSent0 : this.rstSent1;
  }

  /** Count every flag bit set in `mask` (WS bits and VERDICT bits). */
  countMask(mask: number): void {
    const c = (this.counters ??= new Int32Array(COUNTER_BITS));
    for (let m = mask; m !== 0; m &= m - 1) {
      const bit = 31 - Math.clz32(m & -m);
      c[bit] = (c[bit] as number) + 1;
    }
  }

  /** Wireshark's ts_first_rtt: SYN -> the handshake's final ACK. */
  firstRttNs(): number {
    return this.synNs >= 0 && this.ackNs >= 0 ? this.ackNs - this.synNs : 0;
  }

  /**
   * Process one segment; `dir` 0 = from the originator. Fills `ws` with Wireshark flags and
   * pushes inferred transitions into `transitions` (an empty array, or undefined when they are
   * not wanted).
   */
  processSegment(seg: Segment, dir: 0 | 1, ws: WsResult, transitions: Transition[] | undefined): void {
    const other = (1 - dir) as 0 | 1;
    const flags = seg.flags;
    const len = seg.len;
    const t = seg.t;
    const syn = (flags & TCP_FLAG.SYN) !== 0;
    const ack = (flags & TCP_FLAG.ACK) !== 0;
    const fin = (flags & TCP_FLAG.FIN) !== 0;
    const rst = (flags & TCP_FLAG.RST) !== 0;
    const f = this.facts[dir];
    f.packets++;
    f.payloadBytes += len;
    f.ipBytes += seg.ipBytes;
    this.lastNs = t;
    this.lastIndex = seg.index;

    let wscaleOption = -1;
    if (syn) {
      if (seg.mss >= 0) f.mss = seg.mss;
      if (seg.wscale >= 0) wscaleOption = f.wscale = seg.wscale;
      if (seg.sackOK) f.sackOK = true;
      if (seg.timestamps) f.timestamps = true;
      if (!ack) {
        if (this.synNs < 0) this.synNs = t;
        this.synSeen = true;
        if (this.opener < 0) this.opener = dir;
      } else if (this.synAckNs < 0) {
        this.synAckNs = t;
        if (this.opener < 0) this.opener = other;
      }
    } else if (ack && this.synAckNs >= 0 && this.ackNs < 0 && dir === this.opener) {
      this.ackNs = t;
    }
    if (!this.baseSet(dir)) this.setBase(dir, syn ? seg.seq : (seg.seq - 1) >>> 0);
    if (!this.baseSet(other) && ack) this.setBase(other, (seg.ack - 1) >>> 0);
    if ((fin || rst) && this.closer < 0) this.closer = dir;
    if (fin) {
      if (dir === 0) this.finSent0 = true;
      else this.finSent1 = true;
      if (f.finNs < 0) f.finNs = t;
    }
    if (rst) {
      if (dir === 0) this.rstSent0 = true;
      else this.rstSent1 = true;
    }

    // The three analyses read the segment itself (the hot path allocates nothing here).
    analyzeWsSegment(
      this.ws[dir],
      this.ws[other],
      seg,
      this.lastIndex + 1,
      wscaleOption,
      this.firstRttNs(),
      ws,
    );
    const ackedUnseen = (ws.mask & WS.ACK_LOST_PACKET) !== 0;
    updateZeek(this.history, this.zeek[dir], this.zeek[other], seg, dir === 0, ackedUnseen);
    inferLinux(this.linux[dir], this.linux[other], seg, transitions);
    if (len > 0 && !rst) {
      f.lastDataSeq = seg.seq;
      f.lastDataLen = len;
      f.lastDataNs = t;
      f.lastDataAcked = false;
    }
    const l0 = this.linux[0].state;
    const l1 = this.linux[1].state;
    this.closed =
      this.rstSent0 ||
      this.rstSent1 ||
      ((l0 === 'CLOSE' || l0 === undefined) &&
        (l1 === 'CLOSE' || l1 === undefined) &&
        this.finSent0 &&
        this.finSent1);
  }
}
