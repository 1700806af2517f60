/**
 * @module analysis/notes
 * tcpscope's own verdicts (what neither Wireshark nor Zeek says) and the per-packet
 * explanations (catalog keys + parameters) for `--explain`.
 *
 * The reset verdicts are inferences from the wire, stated as such:
 * - `rst-refused`: a RST answering a SYN (the receiver was in SYN_SENT, no SYN-ACK seen).
 * - `rst-closed-socket`: a RST answering data, from a side that had already sent its FIN (or
 *   had no connection any more): its application closed the socket.
 * - `rst-unread-data`: a RST from a live socket that had received data and not sent any since:
 *   most likely close() with unread data (RFC 2525 2.17). SO_LINGER 0 looks the same on the
 *   wire when the aborting side last received, so this one is a "most likely".
 * - `rst-abort`: any other RST from a live socket.
 */
import type { Endpoint, TcpState } from '../events.js';
import type { ExplainParams } from '../report/explain/index.js';
import { TCP_FLAG } from '../wire/packet.js';
import { VERDICT, type Connection, type Segment } from './connection.js';
import type { Transition } from './linux-state.js';
import type { AnalysisFlag, AnalysisNote, VerdictFlag } from './types.js';
import { bitNames, flagNames, type WsResult } from './wireshark-flags.js';

/** Endpoint facts captured just before a segment is processed. */
export interface Before {
  readonly senderState: TcpState | undefined;
  readonly receiverState: TcpState | undefined;
  readonly receiverLastSentData: boolean;
  readonly senderBytesReceived: number;
  readonly senderSentAfterReceive: number;
  readonly resetSeen: boolean;
  readonly synAckSeen: boolean;
  /** Wireshark's nextseq of the sending direction before this segment. */
  readonly senderNextSeq: number;
}

const GONE: ReadonlySet<TcpState | undefined> = new Set<TcpState | undefined>([
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSING',
  'LAST_ACK',
  'CLOSE',
  'TIME_WAIT',
]);

const VERDICT_NAMES: readonly [number, VerdictFlag][] = [
  [VERDICT.DATA_AFTER_FIN, 'data-after-fin'],
  [VERDICT.RST_CLOSED_SOCKET, 'rst-closed-socket'],
  [VERDICT.RST_REFUSED, 'rst-refused'],
  [VERDICT.RST_UNREAD_DATA, 'rst-unread-data'],
  [VERDICT.RST_ABORT, 'rst-abort'],
  [VERDICT.DATA_AFTER_RST, 'data-after-rst'],
];

/** The verdict names set in a VERDICT bitmask. */
export function verdictNames(mask: number): VerdictFlag[] {
  return bitNames(mask, VERDICT_NAMES);
}

/** tcpscope's verdict for one segment as a VERDICT bit, or 0 (see the module comment). */
export function classifyVerdicts(
  conn: Connection,
  dir: 0 | 1,
  flags: number,
  payloadLength: number,
  b: Before,
): number {
  const rst = (flags & TCP_FLAG.RST) !== 0;
  if (!rst) {
    if (payloadLength === 0) return 0;
    if (b.resetSeen) return VERDICT.DATA_AFTER_RST;
    if (b.senderState === 'CLOSE_WAIT') return VERDICT.DATA_AFTER_FIN;
    return 0;
  }
  if (b.receiverState === 'SYN_SENT' || (!b.synAckSeen && conn.opener === 1 - dir))
    return VERDICT.RST_REFUSED;
  if (b.resetSeen) return 0;
  if (b.receiverLastSentData && (GONE.has(b.senderState) || b.senderState === undefined))
    return VERDICT.RST_CLOSED_SOCKET;
  if (b.senderBytesReceived > 0 && b.senderSentAfterReceive === 0) return VERDICT.RST_UNREAD_DATA;
  return VERDICT.RST_ABORT;
}

function name(e: Endpoint): string {
  return `${e.addr}.${e.port}`;
}

function flagParams(
  flag: AnalysisFlag,
  relSeq: number,
  relAck: number,
  ws: WsResult,
  conn: Connection,
  dir: 0 | 1,
  window: number,
  missing: number,
): ExplainParams {
  const sender = name(dir === 0 ? conn.orig : conn.resp);
  if (flag === 'duplicate-ack') return { n: ws.dupAckNum, frame: ws.dupAckFrame, ack: relAck };
  if (flag === 'fast-retransmission') return { dupAcks: conn.ws[1 - dir]!.dupacknum, seq: relSeq };
  if (flag === 'previous-segment-not-captured') return { seq: relSeq, missing };
  if (flag === 'window-update') return { window };
  return { seq: relSeq, ack: relAck, sender };
}

const VERDICT_KEY = {
  'data-after-fin': 'send-in-close-wait',
  'rst-closed-socket': 'rst-closed-socket',
  'rst-refused': 'rst-refused',
  'rst-unread-data': 'rst-unread-data',
  'rst-abort': 'rst-abort',
  'data-after-rst': 'data-after-rst',
} as const;

const DELAYED_ACK_NS = 20_000_000;

/** The explanations for one packet, in display order. */
export function buildNotes(
  conn: Connection,
  dir: 0 | 1,
  seg: Segment,
  ws: WsResult,
  verdicts: number,
  transitions: readonly Transition[],
  before: Before,
  relSeq: number,
  relAck: number,
): AnalysisNote[] {
  const notes: AnalysisNote[] = [];
  const other = (1 - dir) as 0 | 1;
  const me = dir === 0 ? conn.orig : conn.resp;
  const peer = dir === 0 ? conn.resp : conn.orig;
  const len = seg.len;
  const f = seg.flags;
  const syn = (f & TCP_FLAG.SYN) !== 0;
  const ackf = (f & TCP_FLAG.ACK) !== 0;
  const fin = (f & TCP_FLAG.FIN) !== 0;
  const rst = (f & TCP_FLAG.RST) !== 0;
  const flags = flagNames(ws.mask);
  const retransmitted = flags.some((x) => x.includes('retransmission'));
  if (syn && !ackf && !retransmitted)
    notes.push({ key: 'handshake-syn', params: { client: name(me), isn: seg.seq } });
  if (syn && ackf && !retransmitted)
    notes.push({ key: 'handshake-synack', params: { server: name(me), ack: relAck } });
  if (!syn && conn.synNs >= 0 && conn.ackNs >= 0 && transitions.some((t) => t.to === 'SYN_RECV')) {
    const rttUs = Math.trunc((conn.ackNs - conn.synNs) / 1000);
    notes.push({ key: 'handshake-ack', params: { rttUs } });
    const [a, b] = conn.facts;
    notes.push({
      key: 'options-negotiated',
      params: {
        mss: `${a.mss >= 0 ? a.mss : '-'}/${b.mss >= 0 ? b.mss : '-'}`,
        wscale: a.wscale >= 0 && b.wscale >= 0 ? `${a.wscale}/${b.wscale}` : 'off',
        sack: a.sackOK && b.sackOK ? 'on' : 'off',
        ts: a.timestamps && b.timestamps ? 'on' : 'off',
      },
    });
  }
  for (const flag of flags)
    notes.push({
      key: flag,
      params: flagParams(
        flag,
        relSeq,
        relAck,
        ws,
        conn,
        dir,
        seg.window,
        (seg.seq - before.senderNextSeq) | 0,
      ),
    });
  if (len > 0 && !rst && !retransmitted) {
    notes.push({ key: 'seq-range', params: { start: relSeq, end: relSeq + len, length: len } });
  }
  // What this ACK acknowledges: the peer's last data segment, or its FIN.
  const pf = conn.facts[other];
  if (ackf && !rst && !syn) {
    const dataEnd = (pf.lastDataSeq + pf.lastDataLen) >>> 0;
    const peerFin = conn.linux[other];
    if (!pf.lastDataAcked && pf.lastDataLen > 0 && seg.ack === dataEnd) {
      pf.lastDataAcked = true;
      const start = (pf.lastDataSeq - conn.base(other)) >>> 0;
      notes.push({ key: 'ack-next', params: { ack: relAck, seq: start, length: pf.lastDataLen } });
      const delay = seg.t - pf.lastDataNs;
      if (len === 0 && delay >= DELAYED_ACK_NS)
        notes.push({ key: 'delayed-ack', params: { delayMs: Math.trunc(delay / 1_000_000) } });
    } else if (
      peerFin.finSent &&
      seg.ack === peerFin.finEnd &&
      transitions.some(
        (t) =>
          t.who === 'receiver' && (t.from === 'FIN_WAIT1' || t.from === 'LAST_ACK' || t.from === 'CLOSING'),
      )
    ) {
      notes.push({ key: 'fin-takes-one-seq', params: { ack: relAck, seq: (relAck - 1) >>> 0 } });
      const delay = seg.t - pf.finNs;
      if (len === 0 && pf.finNs >= 0 && delay >= DELAYED_ACK_NS) {
        notes.push({ key: 'delayed-ack', params: { delayMs: Math.trunc(delay / 1_000_000) } });
      }
    }
  }
  for (const v of verdictNames(verdicts))
    notes.push({ key: VERDICT_KEY[v], params: { sender: name(me), port: peer.port } });
  for (const t of transitions) {
    const who = t.who === 'sender' ? me : peer;
    const from = t.from;
    const to = t.to;
    if (t.who === 'sender' && fin && (to === 'FIN_WAIT1' || to === 'LAST_ACK')) {
      notes.push({ key: 'fin-sent', params: { sender: name(who), from, to } });
    } else if (t.who === 'receiver' && fin && (to === 'CLOSE_WAIT' || to === 'CLOSING')) {
      notes.push({ key: 'fin-received', params: { receiver: name(who), from, to } });
    } else if (t.note === 'time-wait') {
      notes.push({ key: 'state-transition', params: { endpoint: name(who), from, to } });
      notes.push({ key: 'time-wait', params: { endpoint: name(who) } });
    } else if (t.note === 'orphan-time-wait') {
      notes.push({ key: 'orphan-time-wait', params: { endpoint: name(who), packet: (t.atIndex ?? 0) + 1 } });
    } else if (t.who === 'receiver' && rst) {
      notes.push({ key: 'rst-peer-next-seq', params: { seq: relSeq, receiver: name(who) } });
      notes.push({ key: 'rst-received', params: { receiver: name(who), from } });
    } else {
      notes.push({ key: 'state-transition', params: { endpoint: name(who), from, to } });
    }
  }
  return notes;
}
