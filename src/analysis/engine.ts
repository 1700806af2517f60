/**
 * @module analysis/engine
 * The streaming TCP analysis engine: a bounded flow table of `Connection`s keyed by the
 * direction-free 4-tuple, split on port reuse (a new SYN with a new ISN), fed one
 * `DecodedPacket` at a time. Pure: no I/O, no clocks.
 *
 * Memory is bounded by `maxConnections` (default 65 536), not by the input's size: when the
 * table is full, closed connections are evicted first (oldest first), then the oldest open one;
 * `stats.evictedClosed` / `stats.evictedOpen` count them, and each evicted connection's summary
 * is handed to `onConnection` at once. Per-packet results are only built when `perPacket`.
 */
import type { StateEvent } from '../events.js';
import { ipv6String } from '../wire/addr.js';
import { decodePacket } from '../wire/decode.js';
import { FrameDecoder } from '../wire/frame.js';
import { TCP_FLAG, type DecodedPacket } from '../wire/packet.js';
import { TCPOPT } from '../wire/tcp-options.js';
import { Connection, Segment, type PacketAddrs } from './connection.js';
import { FlowTable4 } from './flow-table.js';
import type { Transition } from './linux-state.js';
import { buildNotes, classifyVerdicts, verdictNames, type Before } from './notes.js';
import { summarizeConnection } from './summary.js';
import type { AnalyzerStats, ConnectionSummary, InferredTransition, PacketAnalysis } from './types.js';
import { flagNames, WS, type WsResult } from './wireshark-flags.js';

export interface AnalyzerOptions {
  /** Flow-table bound (default 65 536). */
  readonly maxConnections?: number;
  /** Build a `PacketAnalysis` (flags, transitions, notes) for each packet (default true). */
  readonly perPacket?: boolean;
  /** Called with each connection's summary when it leaves the table (eviction or finish). */
  readonly onConnection?: (summary: ConnectionSummary) => void;
  /**
   * Called with each connection itself when it leaves the table, before it is dropped: for
   * reporters that read the live state instead of a summary object (the streaming `--summary`).
   */
  readonly onRetire?: (conn: Connection, analyzer: TcpAnalyzer) => void;
  /**
   * A closed connection (RST seen, or FINs both ways and acknowledged) leaves the table once the
   * capture's clock is this far past its last packet (default 2 s), so the table holds only
   * live and recently closed connections. A packet arriving later still (e.g. a TIME_WAIT
   * duplicate) starts a new, midstream (OTH) connection.
   */
  readonly closedLingerNs?: bigint;
  /** Keep summaries for `finish()` (default true; turn off when `onConnection` streams them). */
  readonly retainSummaries?: boolean;
  /**
   * Called when a connection becomes closed (RST, or FINs both ways acknowledged), while its
   * state is still in the cache: a reporter may prepare its row here (see `Connection.preparedAt`).
   */
  readonly onClose?: (conn: Connection, analyzer: TcpAnalyzer) => void;
}

/** Dotted-quad text (as decodePacket prints IPv4) to its 32-bit value; -1 if it is not one. */
function parseIpv4(s: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return v * 256 + part;
}

/** The direction-free key of an IPv6 (or other textual) 4-tuple: `flowKey`'s text. */
function textKey(a: string, ap: number, b: string, bp: number): string {
  const aFirst = a !== b ? a < b : ap < bp;
  return aFirst ? `${a}.${ap}-${b}.${bp}` : `${b}.${bp}-${a}.${ap}`;
}

/**
 * Feed packets in capture order with `add` (decoded packets) or `addFrame` (a `FrameDecoder`
 * that just decoded a frame: no per-packet objects), then call `finish`.
 * @example
 * const analyzer = new TcpAnalyzer();
 * for (const [i, p] of packets.entries()) analyzer.add(p, i);
 * const { connections } = analyzer.finish();
 */
export class TcpAnalyzer {
  readonly stats: AnalyzerStats = {
    packets: 0,
    tcpPackets: 0,
    skippedPackets: 0,
    connections: 0,
    evictedClosed: 0,
    evictedOpen: 0,
    maxTableSize: 0,
  };
  /** IPv4 flows (typed arrays: see flow-table). */
  private readonly table4 = new FlowTable4<Connection>();
  /** IPv6 flows by their text key. */
  private readonly table6 = new Map<string, Connection>();
  private tableSize = 0;
  /**
   * Live connections in order of creation, and closed ones in order of closing. Each entry
   * keeps the connection's generation: an entry whose connection was retired (and maybe reused
   * for another flow) is skipped, and swept out in bulk.
   */
  private readonly order = new ConnQueue();
  private readonly closedQueue = new ConnQueue();
  /** Retired connections, ready for reuse. */
  private readonly pool: Connection[] = [];
  private readonly done: ConnectionSummary[] = [];
  private readonly maxConnections: number;
  private readonly perPacket: boolean;
  private readonly retain: boolean;
  private readonly lingerNs: number;
  private readonly ws: WsResult = { mask: 0, dupAckNum: 0, dupAckFrame: 0 };
  private readonly seg = new Segment();
  private readonly decoder = new FrameDecoder();
  private readonly addrs: PacketAddrs = { v6: false, src4: 0, dst4: 0, src6: '', dst6: '' };
  private nextIndex = 0;
  private lastConn: Connection | undefined;
  /** The time origin: engine times are ns since the first packet (`t0Sec` s + `t0Frac` ns). */
  private t0Set = false;
  private t0Sec = 0;
  private t0Frac = 0;
  private t0Big = 0n;
  private readonly before: { -readonly [K in keyof Before]: Before[K] } = {
    senderState: undefined,
    receiverState: undefined,
    receiverLastSentData: false,
    senderBytesReceived: 0,
    senderSentAfterReceive: 0,
    resetSeen: false,
    synAckSeen: false,
    senderNextSeq: 0,
  };

  constructor(private readonly options: AnalyzerOptions = {}) {
    this.maxConnections = Math.max(1, options.maxConnections ?? 65_536);
    this.perPacket = options.perPacket ?? true;
    this.retain = options.retainSummaries ?? true;
    this.lingerNs = Number(options.closedLingerNs ?? 2_000_000_000n);
  }

  /** The time origin (the first packet's CLOCK_REALTIME) as whole seconds and nanoseconds. */
  get originSec(): number {
    return this.t0Sec;
  }

  get originFracNs(): number {
    return this.t0Frac;
  }

  /** Analyse one decoded packet. `index` defaults to the count of packets added so far. */
  add(pkt: DecodedPacket, index: number = this.nextIndex): PacketAnalysis | undefined {
    this.nextIndex = index + 1;
    this.stats.packets++;
    const tcp = pkt.tcp;
    const ip = pkt.ip;
    if (!tcp || !ip || ip.fragmentOffset !== 0) {
      this.stats.skippedPackets++;
      return undefined;
    }
    if (!this.t0Set) this.setOrigin(Number(pkt.tsNs / 1_000_000_000n), Number(pkt.tsNs % 1_000_000_000n));
    const t = Number(pkt.tsNs - this.t0Big);
    const seg = this.seg.fill(
      index,
      t,
      tcp.srcPort,
      tcp.dstPort,
      tcp.seq,
      tcp.ack,
      tcp.flags,
      tcp.window,
      pkt.payloadLength,
      ip.headerLength + ip.payloadLength,
    );
    if (tcp.flags & TCP_FLAG.SYN) {
      for (const o of tcp.options) {
        if (o.kind === 'mss') seg.mss = o.mss;
        else if (o.kind === 'wscale') seg.wscale = o.shift;
        else if (o.kind === 'sackOK') seg.sackOK = true;
        else if (o.kind === 'ts') seg.timestamps = true;
      }
    }
    const a = this.addrs;
    const src4 = ip.version === 4 ? parseIpv4(ip.src) : -1;
    const dst4 = ip.version === 4 ? parseIpv4(ip.dst) : -1;
    a.v6 = src4 < 0 || dst4 < 0;
    a.src4 = src4;
    a.dst4 = dst4;
    a.src6 = ip.src;
    a.dst6 = ip.dst;
    return this.process(seg, a);
  }

  /**
   * Analyse the frame `d` just decoded (its `decode` returned true), captured at `tsSec` s +
   * `tsFracNs` ns. Frames that did not decode fully go through `add(d.toPacket())` instead, so
   * both paths see the same packets.
   */
  addFrame(
    d: FrameDecoder,
    tsSec: number,
    tsFracNs: number,
    index: number = this.nextIndex,
  ): PacketAnalysis | undefined {
    this.nextIndex = index + 1;
    this.stats.packets++;
    if (!d.hasTcp || d.fragmentOffset !== 0) {
      this.stats.skippedPackets++;
      return undefined;
    }
    if (!this.t0Set) this.setOrigin(tsSec, tsFracNs);
    const t = (tsSec - this.t0Sec) * 1e9 + (tsFracNs - this.t0Frac);
    const seg = this.seg.fill(
      index,
      t,
      d.srcPort,
      d.dstPort,
      d.seq,
      d.ack,
      d.flags,
      d.window,
      d.payloadLength,
      d.ipHeaderLength + d.ipPayloadLength,
    );
    if (d.flags & TCP_FLAG.SYN) readSynOptions(d.frame, d.optionsStart, d.optionsEnd, seg);
    const a = this.addrs;
    if (d.ipVersion === 4) {
      a.v6 = false;
      a.src4 = d.src4;
      a.dst4 = d.dst4;
    } else {
      a.v6 = true;
      a.src6 = ipv6String(d.frame, d.srcAddrOffset);
      a.dst6 = ipv6String(d.frame, d.dstAddrOffset);
    }
    return this.process(seg, a);
  }

  /**
   * Analyse the frame `bytes[start, start + caplen)` of link type `linkType`, captured at `tsSec`
   * s + `tsFracNs` ns: decoded in place (no per-packet objects) when it decodes fully or carries
   * no TCP, else through `decodePacket`, so every frame is seen as `add` would see it.
   */
  addBytes(
    bytes: Uint8Array,
    start: number,
    caplen: number,
    linkType: number,
    tsSec: number,
    tsFracNs: number,
    index: number = this.nextIndex,
  ): PacketAnalysis | undefined {
    const d = this.decoder;
    if (d.decodeAt(bytes, start, caplen, linkType) || !d.hasTcp)
      return this.addFrame(d, tsSec, tsFracNs, index);
    const tsNs = BigInt(tsSec) * 1_000_000_000n + BigInt(tsFracNs);
    return this.add(
      decodePacket({ tsNs, data: bytes.subarray(start, start + caplen), caplen, linkType }),
      index,
    );
  }

  /** Summaries of every connection (evicted ones included), ordered by id, and the stats. */
  finish(): { connections: ConnectionSummary[]; stats: AnalyzerStats } {
    // retire() sweeps `order`, so walk a copy.
    for (let c = this.order.shift(); c; c = this.order.shift()) this.retire(c, false);
    const connections = this.done.sort((a, b) => a.id - b.id);
    return { connections, stats: this.stats };
  }

  /** The summary row of a connection (for `onRetire` consumers). */
  summarize(conn: Connection): ConnectionSummary {
    return summarizeConnection(conn, this.t0Big);
  }

  private setOrigin(sec: number, frac: number): void {
    this.t0Set = true;
    this.t0Sec = sec;
    this.t0Frac = frac;
    this.t0Big = BigInt(sec) * 1_000_000_000n + BigInt(frac);
  }

  private process(seg: Segment, a: PacketAddrs): PacketAnalysis | undefined {
    this.stats.tcpPackets++;
    if (!this.closedQueue.empty) this.expireClosed(seg.t);
    // Fast path: consecutive packets usually belong to the same connection.
    const last = this.lastConn;
    let conn: Connection | undefined;
    let dir: 0 | 1 | -1 = -1;
    if (last && !last.retired) dir = direction(last, a, seg.srcPort, seg.dstPort);
    if (dir >= 0) conn = last;
    else {
      conn = this.lookup(a, seg.srcPort, seg.dstPort);
      if (conn) dir = direction(conn, a, seg.srcPort, seg.dstPort);
    }
    const flags = seg.flags;
    const pureSyn = (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    let reused = false;
    if (conn && pureSyn && conn.baseSet(dir as 0 | 1) && conn.base(dir as 0 | 1) !== seg.seq) {
      this.retire(conn, false);
      conn = undefined;
      reused = true;
    }
    if (!conn) {
      const flipped = (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === (TCP_FLAG.SYN | TCP_FLAG.ACK);
      this.makeRoom();
      conn = (this.pool.pop() ?? new Connection()).init(
        ++this.stats.connections,
        a,
        seg.srcPort,
        seg.dstPort,
        seg.t,
        seg.index,
        flipped,
      );
      this.insert(conn);
      dir = flipped ? 1 : 0;
    }
    this.lastConn = conn;
    const d = dir as 0 | 1;
    const before = this.captureBefore(conn, d);
    const wasClosed = conn.closed;
    const transitions: Transition[] | undefined = this.perPacket ? [] : undefined;
    conn.processSegment(seg, d, this.ws, transitions);
    if (reused) this.ws.mask |= WS.REUSED_PORTS;
    const mask = this.ws.mask;
    const verdicts = classifyVerdicts(conn, d, flags, seg.len, before);
    if ((mask | verdicts) !== 0) conn.countMask(mask | verdicts);
    if (conn.closed && !wasClosed) {
      this.pushClosed(conn);
      this.options.onClose?.(conn, this);
    }
    if (!transitions) return undefined;
    const other = (1 - d) as 0 | 1;
    const relSeq = (seg.seq - conn.base(d)) >>> 0;
    const relAck = (flags & TCP_FLAG.ACK) !== 0 ? (seg.ack - conn.base(other)) >>> 0 : 0;
    const c = conn;
    const inferred = transitions.map((t) => this.toInferred(c, d, t, seg.index, seg.t));
    const result: PacketAnalysis = {
      index: seg.index,
      connId: conn.id,
      fromOrig: d === 0,
      relSeq,
      relAck,
      flags: flagNames(mask),
      verdicts: verdictNames(verdicts),
      ...(mask & WS.DUPLICATE_ACK
        ? { dupAckNum: this.ws.dupAckNum, dupAckOfIndex: this.ws.dupAckFrame - 1 }
        : {}),
      transitions: inferred,
      notes: buildNotes(conn, d, seg, this.ws, verdicts, transitions, before, relSeq, relAck),
    };
    return result;
  }

  private lookup(a: PacketAddrs, sport: number, dport: number): Connection | undefined {
    if (a.v6) return this.table6.get(textKey(a.src6, sport, a.dst6, dport));
    return this.table4.get(a.src4, sport, a.dst4, dport);
  }

  private insert(conn: Connection): void {
    const x = conn.addrs;
    if (x.v6) this.table6.set(textKey(x.origAddr6, x.origPort, x.respAddr6, x.respPort), conn);
    else {
      this.table4.set(x.origAddr4, x.origPort, x.respAddr4, x.respPort, conn);
    }
    this.tableSize++;
    if (this.tableSize > this.stats.maxTableSize) this.stats.maxTableSize = this.tableSize;
    this.order.push(conn);
    this.order.sweep(2 * this.tableSize + 1024);
  }

  private remove(conn: Connection): void {
    const x = conn.addrs;
    if (x.v6) {
      const k = textKey(x.origAddr6, x.origPort, x.respAddr6, x.respPort);
      if (this.table6.get(k) === conn) {
        this.table6.delete(k);
        this.tableSize--;
      }
      return;
    }
    if (this.table4.delete(x.origAddr4, x.origPort, x.respAddr4, x.respPort, conn)) this.tableSize--;
  }

  /** Fill the reused `before` scratch object (read synchronously by the verdicts and notes). */
  private captureBefore(conn: Connection, dir: 0 | 1): Before {
    const s = conn.linux[dir];
    const r = conn.linux[1 - dir]!;
    const b = this.before;
    b.senderState = s.state;
    b.receiverState = r.state;
    b.receiverLastSentData = r.lastSentHadData;
    b.senderBytesReceived = s.bytesReceived;
    b.senderSentAfterReceive = s.bytesSentAfterLastReceive;
    b.resetSeen = s.resetSeen || r.resetSeen;
    b.synAckSeen = conn.synAckNs >= 0;
    b.senderNextSeq = conn.ws[dir].nextseq;
    return b;
  }

  private toInferred(
    conn: Connection,
    dir: 0 | 1,
    t: Transition,
    index: number,
    tNs: number,
  ): InferredTransition {
    const side = t.who === 'sender' ? dir : 1 - dir;
    const local = side === 0 ? conn.orig : conn.resp;
    const remote = side === 0 ? conn.resp : conn.orig;
    const atNs = t.atNs ?? tNs;
    const event: StateEvent = {
      kind: 'state',
      tsNs: this.t0Big + BigInt(atNs),
      lens: 'wire',
      flow: conn.key,
      local,
      remote,
      oldState: t.from,
      newState: t.to,
      source: 'inferred',
      ...(t.note ? { note: t.note } : {}),
    };
    return { packetIndex: t.atIndex ?? index, event };
  }

  private makeRoom(): void {
    if (this.tableSize < this.maxConnections) return;
    const closed = this.closedQueue.shift();
    if (closed) {
      this.stats.evictedClosed++;
      this.retire(closed, true);
      return;
    }
    const oldest = this.order.shift();
    if (oldest) {
      this.stats.evictedOpen++;
      this.retire(oldest, true);
    }
  }

  /** Retire closed connections whose last packet is older than the linger time. */
  private expireClosed(nowNs: number): void {
    for (let c = this.closedQueue.peek(); c; c = this.closedQueue.peek()) {
      if (c.closed && c.lastNs + this.lingerNs >= nowNs) break;
      this.closedQueue.shift();
      if (c.closed) this.retire(c, false);
    }
  }

  /** Queue a newly closed connection (retired ones leave the queues in bulk sweeps). */
  private pushClosed(conn: Connection): void {
    this.closedQueue.push(conn);
    this.closedQueue.sweep(2 * this.tableSize + 1024);
  }

  private retire(conn: Connection, evicted: boolean): void {
    this.remove(conn);
    conn.retired = true;
    conn.evicted = evicted;
    if (this.lastConn === conn) this.lastConn = undefined;
    this.options.onRetire?.(conn, this);
    if (this.retain || this.options.onConnection) {
      const summary = summarizeConnection(conn, this.t0Big);
      if (this.retain) this.done.push(summary);
      this.options.onConnection?.(summary);
    }
    // Reuse the object for a later connection (queues tell the generations apart).
    if (this.pool.length < this.maxConnections) this.pool.push(conn);
  }
}

/**
 * A FIFO of connections, each entry tagged with the connection's generation: entries whose
 * connection was retired since (and perhaps reused for another flow) are skipped, and swept out
 * in bulk so the queue stays proportional to the live table.
 */
class ConnQueue {
  private items: Connection[] = [];
  private gens: number[] = [];
  private head = 0;

  get empty(): boolean {
    return this.head >= this.items.length;
  }

  push(c: Connection): void {
    this.items.push(c);
    this.gens.push(c.generation);
  }

  /** The first live entry, left in place. */
  peek(): Connection | undefined {
    while (this.head < this.items.length) {
      const c = this.items[this.head]!;
      if (!c.retired && c.generation === this.gens[this.head]) return c;
      this.head++;
    }
    this.compact();
    return undefined;
  }

  /** The first live entry, removed. */
  shift(): Connection | undefined {
    const c = this.peek();
    if (c) this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) this.compact();
    return c;
  }

  /** Drop stale entries once more than `limit` are pending (amortised O(1) per push). */
  sweep(limit: number): void {
    if (this.items.length - this.head <= limit) return;
    let w = 0;
    for (let r = this.head; r < this.items.length; r++) {
      const c = this.items[r]!;
      const g = this.gens[r]!;
      if (!c.retired && c.generation === g) {
        this.items[w] = c;
        this.gens[w++] = g;
      }
    }
    this.items.length = w;
    this.gens.length = w;
    this.head = 0;
  }

  private compact(): void {
    this.items.splice(0, this.head);
    this.gens.splice(0, this.head);
    this.head = 0;
  }
}

/** 0 when the packet goes orig -> resp, 1 when resp -> orig, -1 when it is another flow. */
function direction(c: Connection, a: PacketAddrs, sport: number, dport: number): 0 | 1 | -1 {
  const x = c.addrs;
  if (x.v6 !== a.v6) return -1;
  if (x.v6) {
    if (x.origPort === sport && x.respPort === dport && x.origAddr6 === a.src6 && x.respAddr6 === a.dst6)
      return 0;
    if (x.origPort === dport && x.respPort === sport && x.origAddr6 === a.dst6 && x.respAddr6 === a.src6)
      return 1;
    return -1;
  }
  if (x.origPort === sport && x.respPort === dport && x.origAddr4 === a.src4 && x.respAddr4 === a.dst4)
    return 0;
  if (x.origPort === dport && x.respPort === sport && x.origAddr4 === a.dst4 && x.respAddr4 === a.src4)
    return 1;
  return -1;
}

/** MSS, window scale, SACK-permitted and timestamps from a SYN's (well-formed) options. */
function readSynOptions(f: Uint8Array, start: number, end: number, seg: Segment): void {
  let o = start;
  while (o < end) {
    const kind = f[o] as number;
    if (kind === TCPOPT.EOL) return;
    if (kind === TCPOPT.NOP) {
      o++;
      continue;
    }
    const len = f[o + 1] as number;
    if (len < 2) return;
    if (kind === TCPOPT.MSS) seg.mss = ((f[o + 2] as number) << 8) | (f[o + 3] as number);
    else if (kind === TCPOPT.WSCALE) seg.wscale = Math.min(f[o + 2] as number, 14);
    else if (kind === TCPOPT.SACK_PERMITTED) seg.sackOK = true;
    else if (kind === TCPOPT.TIMESTAMP) seg.timestamps = true;
    o += len;
  }
}

/**
 * Analyse a whole array or iterable of packets (convenience over `TcpAnalyzer`).
 * @example const { packets, connections } = analyzePackets(decoded);
 */
export function analyzePackets(
  input: Iterable<DecodedPacket>,
  options: AnalyzerOptions = {},
): { packets: (PacketAnalysis | undefined)[]; connections: ConnectionSummary[]; stats: AnalyzerStats } {
  const analyzer = new TcpAnalyzer(options);
  const packets: (PacketAnalysis | undefined)[] = [];
  let i = 0;
  for (const p of input) packets.push(analyzer.add(p, i++));
  return { packets, ...analyzer.finish() };
}
