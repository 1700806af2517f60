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
import type { Endpoint, StateEvent } from '../events.js';
import { TCP_FLAG, type DecodedPacket } from '../wire/packet.js';
import { Connection } from './connection.js';
import type { Transition } from './linux-state.js';
import { buildNotes, classifyVerdicts, type Before } from './notes.js';
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
   * A closed connection (RST seen, or FINs both ways and acknowledged) leaves the table once the
   * capture's clock is this far past its last packet (default 2 s), so the table holds only
   * live and recently closed connections. A packet arriving later still (e.g. a TIME_WAIT
   * duplicate) starts a new, midstream (OTH) connection.
   */
  readonly closedLingerNs?: bigint;
  /** Keep summaries for `finish()` (default true; turn off when `onConnection` streams them). */
  readonly retainSummaries?: boolean;
}

const NO_TRANSITIONS: Transition[] = [];

function matches(c: Connection, src: string, sport: number, dst: string, dport: number): boolean {
  const o = c.orig;
  const r = c.resp;
  return (
    (o.port === sport && r.port === dport && o.addr === src && r.addr === dst) ||
    (o.port === dport && r.port === sport && o.addr === dst && r.addr === src)
  );
}

/** Same text as `flowKey` (events.ts) without building Endpoint objects per packet. */
function directionFreeKey(a: string, ap: number, b: string, bp: number): string {
  const aFirst = a !== b ? a < b : ap < bp;
  return aFirst ? `${a}.${ap}-${b}.${bp}` : `${b}.${bp}-${a}.${ap}`;
}

/**
 * Feed packets in capture order with `add`, then call `finish`.
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
  private readonly table = new Map<string, Connection>();
  private readonly closedQueue: Connection[] = [];
  private closedHead = 0;
  private readonly done: ConnectionSummary[] = [];
  private readonly maxConnections: number;
  private readonly perPacket: boolean;
  private readonly lingerNs: bigint;
  private readonly ws: WsResult = { mask: 0, dupAckNum: 0, dupAckFrame: 0 };
  private nextIndex = 0;
  private lastConn: Connection | undefined;
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
    this.lingerNs = options.closedLingerNs ?? 2_000_000_000n;
  }

  /** Analyse one packet. `index` defaults to the count of packets added so far. */
  add(pkt: DecodedPacket, index: number = this.nextIndex): PacketAnalysis | undefined {
    this.nextIndex = index + 1;
    this.stats.packets++;
    const tcp = pkt.tcp;
    const ip = pkt.ip;
    if (!tcp || !ip || ip.fragmentOffset !== 0) {
      this.stats.skippedPackets++;
      return undefined;
    }
    this.stats.tcpPackets++;
    if (this.closedHead < this.closedQueue.length) this.expireClosed(pkt.tsNs);
    // Fast path: consecutive packets usually belong to the same connection.
    const last = this.lastConn;
    let conn: Connection | undefined;
    let key: string;
    if (last && !last.retired && matches(last, ip.src, tcp.srcPort, ip.dst, tcp.dstPort)) {
      conn = last;
      key = last.key;
    } else {
      key = directionFreeKey(ip.src, tcp.srcPort, ip.dst, tcp.dstPort);
      conn = this.table.get(key);
    }
    const pureSyn = (tcp.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
    let reused = false;
    if (conn && pureSyn) {
      const d = conn.orig.port === tcp.srcPort && conn.orig.addr === ip.src ? 0 : 1;
      if (conn.baseSet[d] && conn.base[d] !== tcp.seq) {
        this.retire(conn, false);
        conn = undefined;
        reused = true;
      }
    }
    if (!conn) {
      const src: Endpoint = { addr: ip.src, port: tcp.srcPort };
      const dst: Endpoint = { addr: ip.dst, port: tcp.dstPort };
      const flipped = (tcp.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === (TCP_FLAG.SYN | TCP_FLAG.ACK);
      conn = flipped
        ? new Connection(++this.stats.connections, key, dst, src, pkt.tsNs, index, true)
        : new Connection(++this.stats.connections, key, src, dst, pkt.tsNs, index, false);
      this.makeRoom();
      this.table.set(key, conn);
      if (this.table.size > this.stats.maxTableSize) this.stats.maxTableSize = this.table.size;
    }
    this.lastConn = conn;
    const dir: 0 | 1 = conn.orig.port === tcp.srcPort && conn.orig.addr === ip.src ? 0 : 1;
    const before = this.captureBefore(conn, dir);
    const wasClosed = conn.closed;
    const transitions: Transition[] = this.perPacket ? [] : NO_TRANSITIONS;
    if (!this.perPacket) NO_TRANSITIONS.length = 0;
    conn.processSegment(pkt, tcp, dir, index, this.ws, transitions);
    if (reused) this.ws.mask |= WS.REUSED_PORTS;
    const mask = this.ws.mask;
    if (mask !== 0) for (const name of flagNames(mask)) conn.count(name);
    const verdicts = classifyVerdicts(conn, dir, tcp.flags, pkt.payloadLength, before);
    for (const v of verdicts) conn.count(v);
    if (conn.closed && !wasClosed) this.pushClosed(conn);
    if (!this.perPacket) return undefined;
    const other = (1 - dir) as 0 | 1;
    const relSeq = (tcp.seq - conn.base[dir]) >>> 0;
    const relAck = (tcp.flags & TCP_FLAG.ACK) !== 0 ? (tcp.ack - conn.base[other]) >>> 0 : 0;
    const inferred = transitions.map((t) => this.toInferred(conn, dir, t, index, pkt.tsNs));
    const result: PacketAnalysis = {
      index,
      connId: conn.id,
      fromOrig: dir === 0,
      relSeq,
      relAck,
      flags: flagNames(mask),
      verdicts,
      ...(mask & WS.DUPLICATE_ACK
        ? { dupAckNum: this.ws.dupAckNum, dupAckOfIndex: this.ws.dupAckFrame - 1 }
        : {}),
      transitions: inferred,
      notes: buildNotes(conn, dir, pkt, tcp, this.ws, verdicts, transitions, before, relSeq, relAck),
    };
    return result;
  }

  /** Summaries of every connection (evicted ones included), ordered by id, and the stats. */
  finish(): { connections: ConnectionSummary[]; stats: AnalyzerStats } {
    for (const conn of [...this.table.values()]) this.retire(conn, false);
    const connections = this.done.sort((a, b) => a.id - b.id);
    return { connections, stats: this.stats };
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
    b.synAckSeen = conn.synAckNs >= 0n;
    b.senderNextSeq = conn.ws[dir].nextseq;
    return b;
  }

  private toInferred(
    conn: Connection,
    dir: 0 | 1,
    t: Transition,
    index: number,
    tsNs: bigint,
  ): InferredTransition {
    const side = t.who === 'sender' ? dir : 1 - dir;
    const local = side === 0 ? conn.orig : conn.resp;
    const remote = side === 0 ? conn.resp : conn.orig;
    const atNs = t.atNs ?? tsNs;
    const event: StateEvent = {
      kind: 'state',
      tsNs: atNs,
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
    if (this.table.size < this.maxConnections) return;
    while (this.closedHead < this.closedQueue.length) {
      const c = this.closedQueue[this.closedHead++]!;
      if (this.table.get(c.key) === c) {
        this.stats.evictedClosed++;
        this.retire(c, true);
        return;
      }
    }
    const oldest = this.table.values().next().value;
    if (oldest) {
      this.stats.evictedOpen++;
      this.retire(oldest, true);
    }
  }

  /** Retire closed connections whose last packet is older than the linger time. */
  private expireClosed(nowNs: bigint): void {
    while (this.closedHead < this.closedQueue.length) {
      const c = this.closedQueue[this.closedHead]!;
      if (this.table.get(c.key) !== c || c.retired) {
        this.closedHead++;
        continue;
      }
      if (!c.closed) {
        this.closedHead++;
        continue;
      }
      if (c.lastNs + this.lingerNs >= nowNs) break;
      this.closedHead++;
      this.retire(c, false);
    }
    this.compactQueue();
  }

  /**
   * Queue a newly closed connection. Connections retired early (port reuse, eviction) stay in
   * the queue until its head reaches them, which holds their whole state alive for the linger
   * time; so when the queue's pending part outgrows the table, drop the retired entries
   * (order kept, so expiry and eviction pick the same connections). Amortised O(1): after a
   * sweep at most `table.size` entries remain.
   */
  private pushClosed(conn: Connection): void {
    const q = this.closedQueue;
    q.push(conn);
    if (q.length - this.closedHead <= 2 * this.table.size + 1024) return;
    let w = 0;
    for (let r = this.closedHead; r < q.length; r++) {
      const c = q[r]!;
      if (!c.retired) q[w++] = c;
    }
    q.length = w;
    this.closedHead = 0;
  }

  private compactQueue(): void {
    if (this.closedHead > 4096 && this.closedHead * 2 > this.closedQueue.length) {
      this.closedQueue.splice(0, this.closedHead);
      this.closedHead = 0;
    }
  }

  private retire(conn: Connection, evicted: boolean): void {
    if (this.table.get(conn.key) === conn) this.table.delete(conn.key);
    conn.retired = true;
    conn.evicted = evicted;
    const summary = summarizeConnection(conn);
    if (this.options.retainSummaries ?? true) this.done.push(summary);
    this.options.onConnection?.(summary);
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
