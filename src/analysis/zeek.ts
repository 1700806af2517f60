/**
 * @module analysis/zeek
 * Zeek-compatible `history` and `conn_state` (conn.log), re-implemented from Zeek's documented
 * semantics (base/protocols/conn/main.zeek) and its TCP session adapter's endpoint state
 * machine (INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET).
 *
 * History letters: upper case from the originator, lower case from the responder.
 * - `a`, `d`, `i`, `q` at most once per direction.
 * - `s`, `h`, `f`, `r` again only when the sequence number differs from the last one of that
 *   kind (a SYN retransmission with the same ISN adds nothing).
 * - `t`, `w`, `g` logarithmically: 1st, 10th, 100th, ... occurrence.
 * - `^` when the roles were flipped (first packet seen was a SYN-ACK).
 * Not produced: `c` (bad checksum: the analysis does not see payload bytes; Linux loopback
 * captures carry offloaded checksums anyway) and `x`. `g` (content gap) is approximated by
 * Wireshark's "ACKed unseen segment" condition, since there is no reassembler here.
 */
import { TCP_FLAG } from '../wire/packet.js';
import { seqDiff } from './seq.js';
import type { ZeekConnState } from './types.js';

export type ZeekEndpointState =
  'INACTIVE' | 'SYN_SENT' | 'SYN_ACK_SENT' | 'PARTIAL' | 'ESTABLISHED' | 'CLOSED' | 'RESET';

export interface ZeekEndpoint {
  zeekState: ZeekEndpointState;
  zeekPrevState: ZeekEndpointState;
  /** Relative-sequence bookkeeping: start (ISN, or seq-1 for partial), highest end seen. */
  startSeq: number;
  lastSeq: number;
  ackSeq: number;
  seqInit: boolean;
  finCount: number;
  lastSyn: number;
  lastFin: number;
  lastRst: number;
  /** ScaledHistoryEntry counters and their next thresholds (1, 10, 100, ...). */
  rxmitCount: number;
  rxmitNext: number;
  zeroWinCount: number;
  zeroWinNext: number;
  gapCount: number;
  gapNext: number;
}

/** Set every field of `x` to its initial value (the engine reuses these objects). */
export function resetZeekEndpoint(x: ZeekEndpoint): ZeekEndpoint {
  x.zeekState = 'INACTIVE';
  x.zeekPrevState = 'INACTIVE';
  x.startSeq = 0;
  x.lastSeq = 0;
  x.ackSeq = 0;
  x.seqInit = false;
  x.finCount = 0;
  x.lastSyn = 0;
  x.lastFin = 0;
  x.lastRst = 0;
  x.rxmitCount = 0;
  x.rxmitNext = 1;
  x.zeroWinCount = 0;
  x.zeroWinNext = 1;
  x.gapCount = 0;
  x.gapNext = 1;
  return x;
}

/** Connection-level history: the letters and which once-only letters were seen. */
export interface ZeekHistory {
  text: string;
  seen: number;
}

/** Once-per-direction letters: their bit in `ZeekHistory.seen` (H shares S's). */
function histBit(letter: string): number {
  switch (letter) {
    case 'S':
    case 'H':
      return 1;
    case 'F':
      return 2;
    case 'R':
      return 4;
    case 'A':
      return 8;
    case 'D':
      return 16;
    case 'I':
      return 32;
    case 'Q':
      return 64;
    default:
      return 0;
  }
}

const LOWER: Readonly<Record<string, string>> = {
  S: 's',
  H: 'h',
  F: 'f',
  R: 'r',
  A: 'a',
  D: 'd',
  I: 'i',
  Q: 'q',
  T: 't',
  W: 'w',
  G: 'g',
};

function setState(ep: ZeekEndpoint, s: ZeekEndpointState): void {
  if (ep.zeekState !== s) {
    ep.zeekPrevState = ep.zeekState;
    ep.zeekState = s;
  }
}

/** First time for this (upper-case) letter in this direction: add it and return false; else true. */
function check(h: ZeekHistory, isOrig: boolean, letter: string): boolean {
  const bit = histBit(letter) << (isOrig ? 0 : 8);
  if ((h.seen & bit) === 0) {
    h.seen |= bit;
    add(h, isOrig, letter);
    return false;
  }
  return true;
}

/** Appends an upper-case letter, lower-cased for the responder. */
function add(h: ZeekHistory, isOrig: boolean, letter: string): void {
  h.text += isOrig ? letter : (LOWER[letter] ?? letter);
}

/** Zeek's ScaledHistoryEntry: record on the 1st, 10th, 100th, ... event. */
function scaledRxmit(h: ZeekHistory, isOrig: boolean, ep: ZeekEndpoint): void {
  if (++ep.rxmitCount === ep.rxmitNext) {
    add(h, isOrig, 'T');
    ep.rxmitNext *= 10;
  }
}

function scaledZeroWin(h: ZeekHistory, isOrig: boolean, ep: ZeekEndpoint): void {
  if (++ep.zeroWinCount === ep.zeroWinNext) {
    add(h, isOrig, 'W');
    ep.zeroWinNext *= 10;
  }
}

function scaledGap(h: ZeekHistory, isOrig: boolean, ep: ZeekEndpoint): void {
  if (++ep.gapCount === ep.gapNext) {
    add(h, isOrig, 'G');
    ep.gapNext *= 10;
  }
}

/** The segment fields Zeek's bookkeeping reads (the engine's `Segment` has them). */
export interface ZeekSegment {
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
  readonly flags: number;
  readonly window: number;
}

/**
 * Process one segment (Zeek's TCPSessionAdapter::Process, the parts that feed conn.log), sent by
 * the originator when `isOrig`; `ackedUnseen`: its ack covers sequence space of the peer never
 * seen (a content gap).
 */
export function updateZeek(
  h: ZeekHistory,
  ep: ZeekEndpoint,
  peer: ZeekEndpoint,
  s: ZeekSegment,
  isOrig: boolean,
  ackedUnseen: boolean,
): void {
  const syn = (s.flags & TCP_FLAG.SYN) !== 0;
  const fin = (s.flags & TCP_FLAG.FIN) !== 0;
  const rst = (s.flags & TCP_FLAG.RST) !== 0;
  const ackf = (s.flags & TCP_FLAG.ACK) !== 0;
  let segLen = s.len + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (rst) segLen -= s.len;
  const end = (s.seq + segLen) >>> 0;
  // init_endpoint
  if (ep.zeekState === 'INACTIVE') {
    ep.startSeq = syn ? s.seq : (s.seq - 1) >>> 0;
    ep.ackSeq = ep.startSeq;
    ep.lastSeq = syn ? end : s.seq;
    ep.seqInit = true;
  } else if (
    syn &&
    (ep.zeekState === 'SYN_SENT' || ep.zeekState === 'SYN_ACK_SENT') &&
    s.seq !== ep.startSeq
  ) {
    ep.startSeq = s.seq;
    ep.ackSeq = s.seq;
    ep.lastSeq = end;
  }
  const relSeq = seqDiff(s.seq, ep.startSeq);
  // update_history
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    check(h, isOrig, fin && rst ? 'I' : 'Q');
  } else if (bits === 1) {
    if (syn) {
      const code = ackf ? 'H' : 'S';
      if (check(h, isOrig, code) && relSeq !== ep.lastSyn) add(h, isOrig, code);
      ep.lastSyn = relSeq;
    }
    if (fin) {
      if (check(h, isOrig, 'F') && relSeq + s.len !== ep.lastFin) add(h, isOrig, 'F');
      ep.lastFin = relSeq + s.len;
    }
    if (rst) {
      if (check(h, isOrig, 'R') && relSeq !== ep.lastRst) add(h, isOrig, 'R');
      ep.lastRst = relSeq;
    }
  } else if (s.len > 0) {
    check(h, isOrig, 'D');
  } else if (ackf) {
    check(h, isOrig, 'A');
  }
  // update_window: zero windows count unless with/after a RST or after the peer's FIN.
  if (s.window === 0 && !rst && peer.zeekState !== 'CLOSED' && ep.zeekState !== 'RESET') {
    scaledZeroWin(h, isOrig, ep);
  }
  if (fin) ep.finCount++;
  if (ackf) {
    if (peer.zeekState === 'INACTIVE') {
      peer.startSeq = (s.ack - 1) >>> 0;
      peer.ackSeq = peer.startSeq;
      peer.lastSeq = peer.startSeq;
      peer.seqInit = true;
    } else if (!rst && seqDiff(s.ack, peer.ackSeq) > 0) {
      peer.ackSeq = s.ack;
    }
  }
  // update_last_seq: data that does not advance the highest sequence seen is a retransmission.
  const deltaLast = seqDiff(end, ep.lastSeq);
  if ((syn || rst) && Math.abs(deltaLast) > 1048576) {
    // untrusted jump
  } else if (fin && ep.lastSeq === (ep.startSeq + 1) >>> 0) {
    ep.lastSeq = end;
  } else if (ep.zeekState === 'RESET') {
    // nothing after a reset is trusted
  } else if (deltaLast > 0) {
    ep.lastSeq = end;
  } else if (s.len > 0) {
    scaledRxmit(h, isOrig, ep);
  }
  updateStateMachine(ep, peer, s, isOrig, syn, fin, rst, ackf);
  if (ackf && ackedUnseen && !rst) scaledGap(h, !isOrig, peer);
}

function updateStateMachine(
  ep: ZeekEndpoint,
  peer: ZeekEndpoint,
  s: ZeekSegment,
  isOrig: boolean,
  syn: boolean,
  fin: boolean,
  rst: boolean,
  ackf: boolean,
): void {
  switch (ep.zeekState) {
    case 'INACTIVE':
      if (syn) {
        if (isOrig) setState(ep, ackf ? 'SYN_ACK_SENT' : 'SYN_SENT');
        else {
          if (peer.zeekState === 'SYN_SENT') setState(peer, 'ESTABLISHED');
          setState(ep, 'ESTABLISHED');
        }
      }
      if (fin) setState(ep, 'CLOSED');
      if (rst) setState(ep, 'RESET');
      if (ep.zeekState === 'INACTIVE') {
        if (!isOrig && s.len === 0 && peer.zeekState === 'SYN_SENT') {
          // an ACK of the SYN before the SYN-ACK: not a partial connection
        } else if (ackf && peer.zeekState === 'ESTABLISHED') setState(ep, 'ESTABLISHED');
        else setState(ep, 'PARTIAL');
      }
      break;
    case 'SYN_SENT':
    case 'SYN_ACK_SENT':
      if (fin) setState(ep, 'CLOSED');
      if (rst) setState(ep, 'RESET');
      break;
    case 'ESTABLISHED':
    case 'PARTIAL':
      if (syn && ep.zeekState === 'PARTIAL' && peer.zeekState === 'INACTIVE' && !ackf)
        setState(ep, 'SYN_SENT');
      if (fin && !rst) {
        setState(ep, 'CLOSED');
        if (peer.zeekState === 'RESET' && peer.zeekPrevState === 'CLOSED') setState(peer, 'CLOSED');
      }
      if (rst) setState(ep, 'RESET');
      break;
    case 'CLOSED':
      if (rst && peer.zeekState !== 'CLOSED') setState(ep, 'RESET');
      break;
    case 'RESET':
      break;
  }
}

/** Zeek's Size(): sequence space used, minus SYN and FIN octets. */
function size(ep: ZeekEndpoint): number {
  if (!ep.seqInit) return 0;
  const top = seqDiff(ep.lastSeq, ep.ackSeq) > 0 ? ep.lastSeq : ep.ackSeq;
  let n = seqDiff(top, ep.startSeq);
  if (n > 0) n--;
  if (ep.finCount > 0 && n > 0) n--;
  return Math.max(n, 0);
}

/** Zeek's conn_state() for TCP. */
export function zeekConnState(orig: ZeekEndpoint, resp: ZeekEndpoint, history: string): ZeekConnState {
  const os = orig.zeekState;
  const rs = resp.zeekState;
  const oInactive = os === 'INACTIVE' || os === 'PARTIAL';
  const rInactive = rs === 'INACTIVE' || rs === 'PARTIAL';
  if (rs === 'RESET') {
    if (
      os === 'SYN_SENT' ||
      os === 'SYN_ACK_SENT' ||
      (os === 'RESET' && size(orig) === 0 && size(resp) === 0)
    ) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === 'RESET') {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === 'CLOSED' && os === 'CLOSED') return 'SF';
  if (os === 'CLOSED') return rInactive ? 'SH' : 'S2';
  if (rs === 'CLOSED') return oInactive ? 'SHR' : 'S3';
  if (os === 'SYN_SENT' && rs === 'INACTIVE') return 'S0';
  if (os === 'ESTABLISHED' && rs === 'ESTABLISHED') return 'S1';
  return 'OTH';
}
