/**
 * @module analysis/linux-state
 * Per-endpoint Linux TCP state inference from observed segments, matching what the kernel's
 * `sock:inet_sock_set_state` tracepoint reports (checked on Linux 6.x):
 * - client: CLOSE -> SYN_SENT on its SYN; SYN_SENT -> ESTABLISHED on the SYN-ACK.
 * - server: LISTEN -> SYN_RECV and SYN_RECV -> ESTABLISHED, both on the handshake's final ACK
 *   (the listener and the request socket are invisible on the wire).
 * - FIN sender: ESTABLISHED -> FIN_WAIT1, or CLOSE_WAIT -> LAST_ACK; FIN receiver:
 *   ESTABLISHED -> CLOSE_WAIT, FIN_WAIT1 -> CLOSING. The ACK of a FIN: FIN_WAIT1 -> FIN_WAIT2,
 *   LAST_ACK -> CLOSE, CLOSING -> CLOSE.
 * - TIME_WAIT: the kernel replaces the socket with a time-wait mini-socket and traces
 *   FIN_WAIT2 -> CLOSE (never "-> TIME_WAIT"); we emit the same, with a note, and report the
 *   endpoint's state as TIME_WAIT (what ss/netstat show for 60 s).
 * - An orphaned FIN_WAIT2 socket (the application called close()) becomes a time-wait
 *   mini-socket at once, when the FIN's ACK arrives. The wire cannot tell that from shutdown()
 *   until the mini-socket answers data with a RST; then FIN_WAIT2 -> CLOSE is emitted with the
 *   time and packet index of that ACK.
 * - RST sent by a live socket: X -> CLOSE; RST accepted (seq exactly the next expected, or
 *   acking our SYN in SYN_SENT): X -> CLOSE.
 */
import type { TcpState } from '../events.js';
import { TCP_FLAG } from '../wire/packet.js';
import { seqGe } from './seq.js';

export interface LinuxEndpoint {
  /** Inferred state; undefined before anything is known (e.g. a listener before the ACK). */
  state: TcpState | undefined;
  /** What ss would show (TIME_WAIT for a time-wait mini-socket). */
  shownState: TcpState | undefined;
  isn: number;
  synSent: boolean;
  synAckSent: boolean;
  /** Sequence number right after our FIN (FIN seq + 1), once sent. */
  finEnd: number;
  finSent: boolean;
  finAcked: boolean;
  /** Index/time of the packet that moved us to FIN_WAIT2 (for the orphan case). */
  finWait2Index: number;
  finWait2Ns: number;
  peerFinSeen: boolean;
  /** Highest sequence end seen from this endpoint (the peer's rcv_nxt if nothing was lost). */
  sndNxt: number;
  sndNxtSet: boolean;
  /** Payload bytes received from the peer / sent to it, and whether the last segment had data. */
  bytesReceived: number;
  bytesSentAfterLastReceive: number;
  lastSentHadData: boolean;
  resetSeen: boolean;
}

/** Set every field of `x` to its initial value (the engine reuses these objects). */
export function resetLinuxEndpoint(x: LinuxEndpoint): LinuxEndpoint {
  x.state = undefined;
  x.shownState = undefined;
  x.isn = 0;
  x.synSent = false;
  x.synAckSent = false;
  x.finEnd = 0;
  x.finSent = false;
  x.finAcked = false;
  x.finWait2Index = -1;
  x.finWait2Ns = 0;
  x.peerFinSeen = false;
  x.sndNxt = 0;
  x.sndNxtSet = false;
  x.bytesReceived = 0;
  x.bytesSentAfterLastReceive = 0;
  x.lastSentHadData = false;
  x.resetSeen = false;
  return x;
}

/** A transition for `who` (the segment's sender or receiver). */
export interface Transition {
  readonly who: 'sender' | 'receiver';
  readonly from: TcpState;
  readonly to: TcpState;
  readonly note?: 'time-wait' | 'orphan-time-wait';
  /** Set when the transition happened at an earlier packet (orphaned FIN_WAIT2). */
  readonly atIndex?: number;
  /** ns since the analyzer's first packet. */
  readonly atNs?: number;
}

const SYNCHRONIZED: ReadonlySet<TcpState | undefined> = new Set<TcpState | undefined>([
  'ESTABLISHED',
  'CLOSE_WAIT',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSING',
  'LAST_ACK',
]);

/** Is the endpoint in a synchronized state (RFC 9293 3.5.3)? */
export function isSynchronized(ep: LinuxEndpoint): boolean {
  return SYNCHRONIZED.has(ep.state);
}

/** The segment fields the inference reads (the engine's `Segment` has them). */
export interface LinuxSegment {
  readonly index: number;
  /** ns since the analyzer's first packet. */
  readonly t: number;
  readonly seq: number;
  readonly ack: number;
  readonly len: number;
  readonly flags: number;
}

function move(
  out: Transition[] | undefined,
  who: 'sender' | 'receiver',
  ep: LinuxEndpoint,
  to: TcpState,
  note?: Transition['note'],
): void {
  const from = ep.state ?? 'CLOSE';
  ep.state = to;
  ep.shownState = note === 'time-wait' ? 'TIME_WAIT' : to;
  out?.push(note ? { who, from, to, note } : { who, from, to });
}

/** The receiver processes the ACK field (before the FIN, as tcp_rcv_state_process does). */
function receiveAck(out: Transition[] | undefined, r: LinuxEndpoint, seg: LinuxSegment): void {
  if ((seg.flags & TCP_FLAG.ACK) === 0 || !r.finSent || r.finAcked || !seqGe(seg.ack, r.finEnd)) return;
  r.finAcked = true;
  if (r.state === 'FIN_WAIT1') {
    move(out, 'receiver', r, 'FIN_WAIT2');
    r.finWait2Index = seg.index;
    r.finWait2Ns = seg.t;
  } else if (r.state === 'CLOSING') move(out, 'receiver', r, 'CLOSE', 'time-wait');
  else if (r.state === 'LAST_ACK') move(out, 'receiver', r, 'CLOSE');
}

/**
 * Advance both endpoints for one segment from `s` to `r`; push the implied transitions into
 * `out` (sender's own transitions first, as it sent the segment before the receiver saw it).
 */
export function inferLinux(
  s: LinuxEndpoint,
  r: LinuxEndpoint,
  seg: LinuxSegment,
  out: Transition[] | undefined,
): void {
  const syn = (seg.flags & TCP_FLAG.SYN) !== 0;
  const fin = (seg.flags & TCP_FLAG.FIN) !== 0;
  const ackFlag = (seg.flags & TCP_FLAG.ACK) !== 0;
  const segEnd = (seg.seq + seg.len + (syn ? 1 : 0) + (fin ? 1 : 0)) >>> 0;
  if ((seg.flags & TCP_FLAG.RST) !== 0) {
    inferReset(s, r, seg, out);
    return;
  }
  if (syn && !ackFlag) {
    if (s.state === undefined || s.state === 'CLOSE') {
      if (!s.synSent || s.isn !== seg.seq) move(out, 'sender', s, 'SYN_SENT');
    }
    s.synSent = true;
    s.isn = seg.seq;
  } else if (syn && ackFlag) {
    s.synAckSent = true;
    s.isn = seg.seq;
    if (r.state === 'SYN_SENT' && seg.ack === (r.isn + 1) >>> 0) move(out, 'receiver', r, 'ESTABLISHED');
  } else if (ackFlag && r.synAckSent && r.state === undefined && seg.ack === (r.isn + 1) >>> 0) {
    r.state = 'LISTEN';
    move(out, 'receiver', r, 'SYN_RECV');
    move(out, 'receiver', r, 'ESTABLISHED');
  }
  if (!s.sndNxtSet || seqGe(segEnd, s.sndNxt)) {
    s.sndNxt = segEnd;
    s.sndNxtSet = true;
  }
  if (seg.len > 0) {
    r.bytesReceived += seg.len;
    r.bytesSentAfterLastReceive = 0;
    s.bytesSentAfterLastReceive += seg.len;
  }
  s.lastSentHadData = seg.len > 0;
  if (fin && !s.finSent) {
    s.finSent = true;
    s.finEnd = segEnd;
    if (s.state === 'ESTABLISHED' || s.state === undefined) move(out, 'sender', s, 'FIN_WAIT1');
    else if (s.state === 'CLOSE_WAIT') move(out, 'sender', s, 'LAST_ACK');
  }
  receiveAck(out, r, seg);
  if (fin && !r.peerFinSeen) {
    r.peerFinSeen = true;
    if (r.state === 'ESTABLISHED') move(out, 'receiver', r, 'CLOSE_WAIT');
    else if (r.state === 'FIN_WAIT1') move(out, 'receiver', r, 'CLOSING');
    else if (r.state === 'FIN_WAIT2') move(out, 'receiver', r, 'CLOSE', 'time-wait');
  }
}

function inferReset(
  s: LinuxEndpoint,
  r: LinuxEndpoint,
  seg: LinuxSegment,
  out: Transition[] | undefined,
): void {
  s.lastSentHadData = false;
  // The sender's side: a live socket aborting moves to CLOSE; a socket that is already gone
  // (time-wait mini-socket, no socket at all) answers without a transition.
  if (s.state === 'FIN_WAIT2' && r.lastSentHadData) {
    // Only an orphaned FIN_WAIT2 (a time-wait mini-socket by now) answers data with a reset.
    const from = s.state;
    s.state = 'CLOSE';
    s.shownState = 'CLOSE';
    out?.push({
      who: 'sender',
      from,
      to: 'CLOSE',
      note: 'orphan-time-wait',
      atIndex: s.finWait2Index,
      atNs: s.finWait2Ns,
    });
  } else if (isSynchronized(s) || s.state === 'SYN_SENT') {
    move(out, 'sender', s, 'CLOSE');
  }
  s.resetSeen = true;
  r.resetSeen = true;
  // The receiver accepts it only at exactly rcv_nxt (RFC 5961 3.2), or, in SYN_SENT, when it
  // acknowledges our SYN.
  if (r.state === 'SYN_SENT') {
    if ((seg.flags & TCP_FLAG.ACK) !== 0 && seg.ack === (r.isn + 1) >>> 0) move(out, 'receiver', r, 'CLOSE');
  } else if (isSynchronized(r) && s.sndNxtSet && seg.seq === s.sndNxt) {
    move(out, 'receiver', r, 'CLOSE');
  }
}
