/**
 * @module analysis/types
 * Public data shapes of the analysis engine: per-packet results, per-connection summaries and
 * engine statistics. Plain data (bigints aside), JSON-safe with `jsonReplacer`.
 */
import type { Endpoint, StateEvent, TcpState } from '../events.js';
import type { ExplainKey, ExplainParams } from '../report/explain/index.js';

/** Wireshark's tcp.analysis.* names (Wireshark 4.0 definitions, see wireshark-flags.ts). */
export type AnalysisFlag =
  | 'retransmission'
  | 'fast-retransmission'
  | 'spurious-retransmission'
  | 'out-of-order'
  | 'previous-segment-not-captured'
  | 'acked-unseen-segment'
  | 'duplicate-ack'
  | 'zero-window'
  | 'zero-window-probe'
  | 'zero-window-probe-ack'
  | 'window-full'
  | 'window-update'
  | 'keep-alive'
  | 'keep-alive-ack'
  | 'reused-ports';

/** tcpscope's own verdicts, which neither Wireshark nor Zeek give. */
export type VerdictFlag =
  'data-after-fin' | 'rst-closed-socket' | 'rst-refused' | 'rst-unread-data' | 'rst-abort' | 'data-after-rst';

/** One explanation: a catalog key and its parameters (render with `explain`). */
export interface AnalysisNote {
  readonly key: ExplainKey;
  readonly params: ExplainParams;
}

/** A state transition inferred from the wire, tied to the packet that implies it. */
export interface InferredTransition {
  /** Index (0-based, in input order) of the packet that implies the transition. */
  readonly packetIndex: number;
  readonly event: StateEvent;
}

/** What the engine concluded about one packet. */
export interface PacketAnalysis {
  readonly index: number;
  /** Connection id (1-based, in order of first packet). */
  readonly connId: number;
  /** true when the packet goes from the originator to the responder. */
  readonly fromOrig: boolean;
  /** Sequence and ack relative to each side's ISN (as tcpdump prints them). */
  readonly relSeq: number;
  readonly relAck: number;
  readonly flags: readonly AnalysisFlag[];
  readonly verdicts: readonly VerdictFlag[];
  /** Duplicate ACK number (#N) and the index of the ACK it duplicates, when flagged. */
  readonly dupAckNum?: number;
  readonly dupAckOfIndex?: number;
  readonly transitions: readonly InferredTransition[];
  readonly notes: readonly AnalysisNote[];
}

/** How a connection ended, from the wire's point of view. */
export type ConnectionEnd = 'fin-both' | 'half-closed' | 'reset' | 'refused' | 'no-reply' | 'open';

/** Zeek conn.log conn_state values. */
export const ZEEK_CONN_STATES = [
  'S0',
  'S1',
  'SF',
  'REJ',
  'S2',
  'S3',
  'RSTO',
  'RSTR',
  'RSTOS0',
  'RSTRH',
  'SH',
  'SHR',
  'OTH',
] as const;
export type ZeekConnState = (typeof ZEEK_CONN_STATES)[number];

export interface DirectionSummary {
  readonly packets: number;
  /** TCP payload bytes (as the IP header declares them). */
  readonly payloadBytes: number;
  /** IP-level bytes (IP header + payload), like Zeek's *_ip_bytes. */
  readonly ipBytes: number;
}

export interface NegotiatedOptions {
  readonly mss?: { readonly orig?: number; readonly resp?: number };
  /** Shift counts, when both SYNs carried the option (RFC 7323 2.2). */
  readonly windowScale?: { readonly orig: number; readonly resp: number };
  readonly sackPermitted: boolean;
  readonly timestamps: boolean;
}

/** One row of the per-connection summary. */
export interface ConnectionSummary {
  readonly id: number;
  readonly flow: string;
  /** Originator (SYN sender; else the first packet's sender, Zeek-style). */
  readonly orig: Endpoint;
  readonly resp: Endpoint;
  readonly opener?: 'orig' | 'resp';
  /** Who sent the first FIN or RST. */
  readonly closer?: 'orig' | 'resp';
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly fromOrig: DirectionSummary;
  readonly fromResp: DirectionSummary;
  /** SYN -> SYN-ACK (seen from the capture point: the responder's part plus the path). */
  readonly synToSynAckUs?: number;
  /** SYN-ACK -> ACK (the originator's part). */
  readonly synAckToAckUs?: number;
  /** SYN -> ACK, Wireshark's iRTT. */
  readonly handshakeRttUs?: number;
  readonly options: NegotiatedOptions;
  readonly end: ConnectionEnd;
  readonly connState: ZeekConnState;
  readonly history: string;
  readonly flagCounts: Readonly<Partial<Record<AnalysisFlag | VerdictFlag, number>>>;
  /** Last inferred Linux state of each side. */
  readonly origState?: TcpState;
  readonly respState?: TcpState;
  /** Removed from the flow table before the end of the input (table full). */
  readonly evicted: boolean;
}

export interface AnalyzerStats {
  packets: number;
  tcpPackets: number;
  /** Packets without a decoded TCP header (other protocols, truncated, fragments). */
  skippedPackets: number;
  connections: number;
  /** Connections evicted because the table was full (closed ones first, then the oldest). */
  evictedClosed: number;
  evictedOpen: number;
  maxTableSize: number;
}
