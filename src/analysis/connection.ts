/**
 * @module analysis/connection
 * One TCP connection's analysis state: both directions' Wireshark sequence analysis, Zeek
 * endpoints and history, inferred Linux states, counters, handshake timing and options.
 * `processSegment` is the hot path: it allocates nothing unless transitions are requested.
 */
import type { Endpoint } from '../events.js';
import { TCP_FLAG, type DecodedPacket, type TcpHeader } from '../wire/packet.js';
import {
  inferLinux,
  newLinuxEndpoint,
  type LinuxEndpoint,
  type LinuxSegment,
  type Transition,
} from './linux-state.js';
import type { AnalysisFlag, VerdictFlag } from './types.js';
import {
  analyzeWsSegment,
  newWsDirection,
  WS,
  type WsDirection,
  type WsResult,
  type WsSegment,
} from './wireshark-flags.js';
import {
  newZeekEndpoint,
  updateZeek,
  type ZeekEndpoint,
  type ZeekHistory,
  type ZeekSegment,
} from './zeek.js';

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
  lastDataNs: bigint;
  lastDataAcked: boolean;
  /** Time of this side's first FIN (-1n before). */
  finNs: bigint;
}

function newFacts(): DirectionFacts {
  return {
    packets: 0,
    payloadBytes: 0,
    ipBytes: 0,
    mss: -1,
    wscale: -1,
    sackOK: false,
    timestamps: false,
    lastDataSeq: 0,
    lastDataLen: 0,
    lastDataNs: 0n,
    lastDataAcked: true,
    finNs: -1n,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const WS_SCRATCH: Mutable<WsSegment> = {
  frame: 0,
  tsNs: 0n,
  seq: 0,
  ack: 0,
  seglen: 0,
  tcpFlags: 0,
  window: 0,
  wscaleOption: -1,
  firstRttNs: 0n,
};
const ZEEK_SCRATCH: Mutable<ZeekSegment> = {
  isOrig: true,
  seq: 0,
  ack: 0,
  len: 0,
  flags: 0,
  window: 0,
  ackedUnseen: false,
};
const LINUX_SCRATCH: Mutable<LinuxSegment> = {
  index: 0,
  tsNs: 0n,
  seq: 0,
  ack: 0,
  len: 0,
  syn: false,
  fin: false,
  rst: false,
  ackFlag: false,
};

/** Counts of analysis flags and verdicts seen in this connection. */
export type FlagCounts = Partial<Record<AnalysisFlag | VerdictFlag, number>>;

export class Connection {
  readonly ws: [WsDirection, WsDirection] = [newWsDirection(), newWsDirection()];
  readonly zeek: [ZeekEndpoint, ZeekEndpoint] = [newZeekEndpoint(), newZeekEndpoint()];
  readonly linux: [LinuxEndpoint, LinuxEndpoint] = [newLinuxEndpoint(), newLinuxEndpoint()];
  readonly facts: [DirectionFacts, DirectionFacts] = [newFacts(), newFacts()];
  readonly history: ZeekHistory = { text: '', seen: 0 };
  /** ISN / base sequence per direction (Wireshark's base_seq), for relative numbers. */
  readonly base: [number, number] = [0, 0];
  readonly baseSet: [boolean, boolean] = [false, false];
  readonly counts: FlagCounts = {};
  synNs = -1n;
  synAckNs = -1n;
  ackNs = -1n;
  synSeen = false;
  opener: 0 | 1 | -1 = -1;
  closer: 0 | 1 | -1 = -1;
  finSent: [boolean, boolean] = [false, false];
  rstSent: [boolean, boolean] = [false, false];
  lastNs: bigint;
  lastIndex: number;
  closed = false;
  evicted = false;
  /** Removed from the flow table (evicted, split off by port reuse, or finished). */
  retired = false;
  frame = 0;

  constructor(
    readonly id: number,
    readonly key: string,
    /** The originator: SYN sender, else the first packet's sender (flipped for a lone SYN-ACK). */
    readonly orig: Endpoint,
    readonly resp: Endpoint,
    readonly startNs: bigint,
    readonly firstIndex: number,
    flipped: boolean,
  ) {
    this.lastNs = startNs;
    this.lastIndex = firstIndex;
    if (flipped) this.history.text = '^';
  }

  count(flag: AnalysisFlag | VerdictFlag): void {
    this.counts[flag] = (this.counts[flag] ?? 0) + 1;
  }

  /** Wireshark's ts_first_rtt: SYN -> the handshake's final ACK. */
  firstRttNs(): bigint {
    return this.synNs >= 0n && this.ackNs >= 0n ? this.ackNs - this.synNs : 0n;
  }

  /**
   * Process one segment; `dir` 0 = from the originator. Fills `ws` with Wireshark flags and
   * pushes inferred transitions into `transitions` (pass an empty array; it is only read back).
   */
  processSegment(
    pkt: DecodedPacket,
    tcp: TcpHeader,
    dir: 0 | 1,
    index: number,
    ws: WsResult,
    transitions: Transition[],
  ): void {
    const other = (1 - dir) as 0 | 1;
    const flags = tcp.flags;
    const len = pkt.payloadLength;
    const syn = (flags & TCP_FLAG.SYN) !== 0;
    const ack = (flags & TCP_FLAG.ACK) !== 0;
    const fin = (flags & TCP_FLAG.FIN) !== 0;
    const rst = (flags & TCP_FLAG.RST) !== 0;
    const f = this.facts[dir];
    f.packets++;
    f.payloadBytes += len;
    f.ipBytes += (pkt.ip?.headerLength ?? 0) + (pkt.ip?.payloadLength ?? 0);
    this.lastNs = pkt.tsNs;
    this.lastIndex = index;
    this.frame = index + 1;

    let wscaleOption = -1;
    if (syn) {
      for (const o of tcp.options) {
        if (o.kind === 'mss') f.mss = o.mss;
        else if (o.kind === 'wscale') wscaleOption = f.wscale = o.shift;
        else if (o.kind === 'sackOK') f.sackOK = true;
        else if (o.kind === 'ts') f.timestamps = true;
      }
      if (!ack) {
        if (this.synNs < 0n) this.synNs = pkt.tsNs;
        this.synSeen = true;
        if (this.opener < 0) this.opener = dir;
      } else if (this.synAckNs < 0n) {
        this.synAckNs = pkt.tsNs;
        if (this.opener < 0) this.opener = other;
      }
    } else if (ack && this.synAckNs >= 0n && this.ackNs < 0n && dir === this.opener) {
      this.ackNs = pkt.tsNs;
    }
    if (!this.baseSet[dir]) {
      this.base[dir] = syn ? tcp.seq : (tcp.seq - 1) >>> 0;
      this.baseSet[dir] = true;
    }
    if (!this.baseSet[other] && ack) {
      this.base[other] = (tcp.ack - 1) >>> 0;
      this.baseSet[other] = true;
    }
    if ((fin || rst) && this.closer < 0) this.closer = dir;
    if (fin) {
      this.finSent[dir] = true;
      if (f.finNs < 0n) f.finNs = pkt.tsNs;
    }
    if (rst) this.rstSent[dir] = true;

    // Scratch inputs are reused across packets (the hot path allocates nothing here).
    const w = WS_SCRATCH;
    w.frame = this.frame;
    w.tsNs = pkt.tsNs;
    w.seq = tcp.seq;
    w.ack = tcp.ack;
    w.seglen = len;
    w.tcpFlags = flags;
    w.window = tcp.window;
    w.wscaleOption = wscaleOption;
    w.firstRttNs = this.firstRttNs();
    analyzeWsSegment(this.ws[dir], this.ws[other], w, ws);
    const z = ZEEK_SCRATCH;
    z.isOrig = dir === 0;
    z.seq = tcp.seq;
    z.ack = tcp.ack;
    z.len = len;
    z.flags = flags;
    z.window = tcp.window;
    z.ackedUnseen = (ws.mask & WS.ACK_LOST_PACKET) !== 0;
    updateZeek(this.history, this.zeek[dir], this.zeek[other], z);
    const l = LINUX_SCRATCH;
    l.index = index;
    l.tsNs = pkt.tsNs;
    l.seq = tcp.seq;
    l.ack = tcp.ack;
    l.len = len;
    l.syn = syn;
    l.fin = fin;
    l.rst = rst;
    l.ackFlag = ack;
    inferLinux(this.linux[dir], this.linux[other], l, transitions);
    if (len > 0 && !rst) {
      f.lastDataSeq = tcp.seq;
      f.lastDataLen = len;
      f.lastDataNs = pkt.tsNs;
      f.lastDataAcked = false;
    }
    const l0 = this.linux[0].state;
    const l1 = this.linux[1].state;
    this.closed =
      this.rstSent[0] ||
      this.rstSent[1] ||
      ((l0 === 'CLOSE' || l0 === undefined) &&
        (l1 === 'CLOSE' || l1 === undefined) &&
        this.finSent[0] &&
        this.finSent[1]);
  }
}
