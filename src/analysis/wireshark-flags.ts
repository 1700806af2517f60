/**
 * @module analysis/wireshark-flags
 * Wireshark's TCP sequence analysis (tcp.analysis.*), re-implemented from the definitions in
 * Wireshark 4.0's packet-tcp.c `tcp_analyze_sequence_number` and its user guide ("TCP
 * Analysis"). Same names, same order of tests, same precedence, so per-packet flags agree with
 * `tshark -T fields -e tcp.analysis.*` on the same file.
 *
 * Intended differences (documented, checked by the tshark comparison tests):
 * - Window Full uses the raw window field scaled by the negotiated shift (never the SYN's
 *   window), i.e. the receiver's real right edge.
 * - The list of unacked segments (used by Wireshark only for RTO/bytes-in-flight figures) is
 *   not kept, so memory per connection is constant.
 */
import { TCP_FLAG } from '../wire/packet.js';
import { seqGt, seqLe, seqLt } from './seq.js';
import type { AnalysisFlag } from './types.js';

/** Bit per analysis flag (internal hot-path representation). */
export const WS = {
  RETRANSMISSION: 1 << 0,
  FAST_RETRANSMISSION: 1 << 1,
  SPURIOUS_RETRANSMISSION: 1 << 2,
  OUT_OF_ORDER: 1 << 3,
  LOST_PACKET: 1 << 4,
  ACK_LOST_PACKET: 1 << 5,
  DUPLICATE_ACK: 1 << 6,
  ZERO_WINDOW: 1 << 7,
  ZERO_WINDOW_PROBE: 1 << 8,
  ZERO_WINDOW_PROBE_ACK: 1 << 9,
  WINDOW_FULL: 1 << 10,
  WINDOW_UPDATE: 1 << 11,
  KEEP_ALIVE: 1 << 12,
  KEEP_ALIVE_ACK: 1 << 13,
  REUSED_PORTS: 1 << 14,
} as const;

const NAMES: readonly [number, AnalysisFlag][] = [
  [WS.RETRANSMISSION, 'retransmission'],
  [WS.FAST_RETRANSMISSION, 'fast-retransmission'],
  [WS.SPURIOUS_RETRANSMISSION, 'spurious-retransmission'],
  [WS.OUT_OF_ORDER, 'out-of-order'],
  [WS.LOST_PACKET, 'previous-segment-not-captured'],
  [WS.ACK_LOST_PACKET, 'acked-unseen-segment'],
  [WS.DUPLICATE_ACK, 'duplicate-ack'],
  [WS.ZERO_WINDOW, 'zero-window'],
  [WS.ZERO_WINDOW_PROBE, 'zero-window-probe'],
  [WS.ZERO_WINDOW_PROBE_ACK, 'zero-window-probe-ack'],
  [WS.WINDOW_FULL, 'window-full'],
  [WS.WINDOW_UPDATE, 'window-update'],
  [WS.KEEP_ALIVE, 'keep-alive'],
  [WS.KEEP_ALIVE_ACK, 'keep-alive-ack'],
  [WS.REUSED_PORTS, 'reused-ports'],
];

/** The names of the bits set in `mask`, in the table's order. */
export function bitNames<T>(mask: number, table: readonly (readonly [number, T])[]): T[] {
  const out: T[] = [];
  if (mask === 0) return out;
  for (const [bit, name] of table) if (mask & bit) out.push(name);
  return out;
}

/** The flag names set in a bitmask, in a fixed order. */
export function flagNames(mask: number): AnalysisFlag[] {
  return bitNames(mask, NAMES);
}

/** Per-direction sequence-analysis state. Zero means "not set", as in Wireshark. */
export interface WsDirection {
  nextseq: number;
  /** Times are ns since the analyzer's first packet (numbers: exact for 104 days). */
  nextseqTimeNs: number;
  maxseqtobeacked: number;
  lastack: number;
  lastackTimeNs: number;
  /** Last raw window field; -1 before the first segment. */
  window: number;
  /** True while `window` came from a SYN (never scaled). */
  windowFromSyn: boolean;
  /** -1 unknown, -2 no scaling in use, else the shift count. */
  winScale: number;
  dupacknum: number;
  lastnondupack: number;
  lastSegmentFlags: number;
}

/** Set every field of `x` to its initial value (the engine reuses these objects). */
export function resetWsDirection(x: WsDirection): WsDirection {
  x.nextseq = 0;
  x.nextseqTimeNs = 0;
  x.maxseqtobeacked = 0;
  x.lastack = 0;
  x.lastackTimeNs = 0;
  x.window = -1;
  x.windowFromSyn = false;
  x.winScale = -1;
  x.dupacknum = 0;
  x.lastnondupack = 0;
  x.lastSegmentFlags = 0;
  return x;
}

/** The segment fields the analysis reads (the engine's `Segment` has them). */
export interface WsSegment {
  /** ns since the analyzer's first packet. */
  readonly t: number;
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
  readonly flags: number;
  readonly window: number;
}

export interface WsResult {
  mask: number;
  dupAckNum: number;
  dupAckFrame: number;
}

const SFR = TCP_FLAG.SYN | TCP_FLAG.FIN | TCP_FLAG.RST;
const FAST_RETRANS_WINDOW_NS = 20_000_000;
const DEFAULT_OOO_THRESHOLD_NS = 3_000_000;

/** Wireshark's verify_tcp_window_scaling for SYN and SYN-ACK segments. */
function noteWindowScaling(fwd: WsDirection, rev: WsDirection, flags: number, wscaleOption: number): void {
  const isSynAck = (flags & TCP_FLAG.ACK) !== 0;
  fwd.winScale = wscaleOption >= 0 ? Math.min(wscaleOption, 14) : -1;
  if (fwd.winScale === -1) {
    fwd.winScale = -2;
    rev.winScale = -2;
  } else if (isSynAck && rev.winScale === -2) {
    fwd.winScale = -2;
  }
}

/**
 * Analyse one segment sent in direction `fwd` (`rev` is the other direction) and update both.
 * `frame` is its 1-based frame number (Wireshark's), `wscaleOption` the window-scale option of a
 * SYN (-1 when absent or not a SYN), `firstRttNs` Wireshark's ts_first_rtt (SYN -> first ACK;
 * 0 when unknown). Writes the result into `out` (reused, no allocation).
 */
export function analyzeWsSegment(
  fwd: WsDirection,
  rev: WsDirection,
  s: WsSegment,
  frame: number,
  wscaleOption: number,
  firstRttNs: number,
  out: WsResult,
): void {
  const { seq, ack, len: seglen, flags, window } = s;
  let mask = 0;
  out.dupAckNum = 0;
  out.dupAckFrame = 0;
  if (flags & TCP_FLAG.SYN) noteWindowScaling(fwd, rev, flags, wscaleOption);

  let skipToFinished = false;
  // ZERO WINDOW PROBE: exactly one byte at the next expected seq while the peer's window is zero.
  if (seglen === 1 && seq === fwd.nextseq && rev.window === 0) {
    mask |= WS.ZERO_WINDOW_PROBE;
    skipToFinished = true;
  }
  if (!skipToFinished) {
    if (window === 0 && (flags & SFR) === 0) mask |= WS.ZERO_WINDOW;
    if (fwd.nextseq !== 0 && seqGt(seq, fwd.nextseq) && (flags & TCP_FLAG.RST) === 0) mask |= WS.LOST_PACKET;
    if ((seglen === 0 || seglen === 1) && seq === (fwd.nextseq - 1) >>> 0 && (flags & SFR) === 0) {
      mask |= WS.KEEP_ALIVE;
    }
    const sameSeqAck = seq === fwd.nextseq && ack === fwd.lastack && (flags & SFR) === 0;
    if (seglen === 0 && window !== 0 && window !== fwd.window && sameSeqAck) mask |= WS.WINDOW_UPDATE;
    if (seglen > 0 && rev.winScale !== -1 && rev.window >= 0 && (flags & SFR) === 0) {
      const shift = rev.windowFromSyn || rev.winScale === -2 ? 0 : rev.winScale;
      const edge = (rev.lastack + rev.window * 2 ** shift) >>> 0;
      if ((seq + seglen) >>> 0 === edge) mask |= WS.WINDOW_FULL;
    }
    if (seglen === 0 && window !== 0 && window === fwd.window && sameSeqAck) {
      if (rev.lastSegmentFlags & WS.KEEP_ALIVE) {
        mask |= WS.KEEP_ALIVE_ACK;
        skipToFinished = true;
      }
    }
    if (!skipToFinished && seglen === 0 && window === 0 && window === fwd.window && sameSeqAck) {
      if (rev.lastSegmentFlags & WS.ZERO_WINDOW_PROBE) {
        mask |= WS.ZERO_WINDOW_PROBE_ACK;
        skipToFinished = true;
      }
    }
    if (!skipToFinished && seglen === 0 && window !== 0 && window === fwd.window && sameSeqAck) {
      fwd.dupacknum = fwd.dupacknum === -1 ? 1 : fwd.dupacknum + 1;
      mask |= WS.DUPLICATE_ACK;
      out.dupAckNum = fwd.dupacknum;
      out.dupAckFrame = fwd.lastnondupack;
    }
  }
  // finished_fwd: a new ack number resets the duplicate-ack counting.
  if (ack !== fwd.lastack) {
    fwd.lastnondupack = frame;
    fwd.dupacknum = 0;
  }
  // ACKED UNSEEN SEGMENT: the ack covers sequence space never seen from the other side.
  if (rev.maxseqtobeacked !== 0 && seqGt(ack, rev.maxseqtobeacked) && (flags & TCP_FLAG.ACK) !== 0) {
    if (rev.maxseqtobeacked > rev.nextseq) {
      rev.maxseqtobeacked = rev.nextseq;
      mask |= WS.ACK_LOST_PACKET;
    } else {
      if (rev.dupacknum === 0) mask |= WS.ACK_LOST_PACKET;
      rev.dupacknum = -1;
    }
  }
  // RETRANSMISSION / FAST RETRANSMISSION / OUT-OF-ORDER / SPURIOUS.
  const synOrFin = (flags & (TCP_FLAG.SYN | TCP_FLAG.FIN)) !== 0;
  if ((seglen > 0 || synOrFin) && (mask & WS.KEEP_ALIVE) === 0) {
    let notAdvanced = fwd.nextseq !== 0 && seqLt(seq, fwd.nextseq);
    if (seglen > 1 && (fwd.nextseq - 1) >>> 0 === seq) notAdvanced = false;
    if (seglen > 0 && rev.lastack !== 0 && seqLe((seq + seglen) >>> 0, rev.lastack)) {
      mask |= WS.SPURIOUS_RETRANSMISSION;
    } else if (
      notAdvanced &&
      rev.dupacknum >= 2 &&
      rev.lastack === seq &&
      s.t - rev.lastackTimeNs < FAST_RETRANS_WINDOW_NS
    ) {
      mask |= WS.FAST_RETRANSMISSION;
    } else {
      const threshold = firstRttNs > 0 ? firstRttNs : DEFAULT_OOO_THRESHOLD_NS;
      if (
        notAdvanced &&
        s.t - fwd.nextseqTimeNs < threshold &&
        fwd.nextseq !== (seq + seglen + (synOrFin ? 1 : 0)) >>> 0
      ) {
        mask |= WS.OUT_OF_ORDER;
      } else if (notAdvanced) {
        mask |= WS.RETRANSMISSION;
      }
    }
  }
  // finished_checking_retransmission_type: advance nextseq / maxseqtobeacked.
  const nextseq = (seq + seglen + (synOrFin ? 1 : 0)) >>> 0;
  const isZwp = (mask & WS.ZERO_WINDOW_PROBE) !== 0;
  if ((seqGt(nextseq, fwd.nextseq) || fwd.nextseq === 0) && !isZwp) {
    fwd.nextseq = nextseq;
    fwd.nextseqTimeNs = s.t;
  }
  if ((seq === fwd.maxseqtobeacked || fwd.maxseqtobeacked === 0) && !isZwp) {
    fwd.maxseqtobeacked = fwd.nextseq;
  }
  fwd.window = window;
  fwd.windowFromSyn = (flags & TCP_FLAG.SYN) !== 0;
  fwd.lastack = ack;
  fwd.lastackTimeNs = s.t;
  fwd.lastSegmentFlags = mask;
  out.mask = mask;
}
