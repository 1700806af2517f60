/**
 * @module analysis/summary
 * Turn a `Connection`'s state into a `ConnectionSummary` row (Zeek conn_state/history,
 * counters, handshake timing, options, how it ended).
 */
import { COUNTER_BITS, type Connection } from './connection.js';
import { endpointText, type RowFields } from './summary-stream.js';
import { verdictNames } from './notes.js';
import type {
  AnalysisFlag,
  ConnectionEnd,
  ConnectionSummary,
  NegotiatedOptions,
  VerdictFlag,
} from './types.js';
import { flagNames } from './wireshark-flags.js';
import { zeekConnState } from './zeek.js';

function us(ns: number): number {
  return Math.trunc(ns / 1000);
}

/** Counter bit -> flag or verdict name. */
const COUNTER_NAMES: readonly (AnalysisFlag | VerdictFlag)[] = Array.from(
  { length: COUNTER_BITS },
  (_, bit) => (flagNames(1 << bit)[0] ?? verdictNames(1 << bit)[0]) as AnalysisFlag | VerdictFlag,
);

/** A connection's flag counts by name, in counter order (Wireshark's flags, then the verdicts). */
export function flagCountsOf(conn: Connection): Partial<Record<AnalysisFlag | VerdictFlag, number>> {
  const out: Partial<Record<AnalysisFlag | VerdictFlag, number>> = {};
  const c = conn.counters;
  if (!c) return out;
  for (let bit = 0; bit < COUNTER_BITS; bit++) {
    const n = c[bit] as number;
    if (n > 0) out[COUNTER_NAMES[bit] as AnalysisFlag | VerdictFlag] = n;
  }
  return out;
}

function endOf(conn: Connection): ConnectionEnd {
  const o = conn.rstSent0;
  const r = conn.rstSent1;
  if (o || r) {
    const rstBy = conn.closer;
    const synAcked = conn.synAckNs >= 0;
    if (!synAcked && conn.synSeen && r && rstBy === 1) return 'refused';
    return 'reset';
  }
  const fo = conn.finSent0;
  const fr = conn.finSent1;
  if (fo && fr) return 'fin-both';
  if (fo || fr) return 'half-closed';
  if (conn.synSeen && conn.synAckNs < 0 && conn.facts[1].packets === 0) return 'no-reply';
  return 'open';
}

function optionsOf(conn: Connection): NegotiatedOptions {
  const [a, b] = conn.facts;
  // Fixed-shape objects: absent parts are undefined (JSON leaves them out), no spreads.
  return {
    mss:
      a.mss >= 0 || b.mss >= 0
        ? { orig: a.mss >= 0 ? a.mss : undefined, resp: b.mss >= 0 ? b.mss : undefined }
        : undefined,
    windowScale:
      a.wscale >= 0 && b.wscale >= 0
        ? { orig: Math.min(a.wscale, 14), resp: Math.min(b.wscale, 14) }
        : undefined,
    sackPermitted: a.sackOK && b.sackOK,
    timestamps: a.timestamps && b.timestamps,
  };
}

/**
 * Build the summary row of one connection; `t0Ns` is the analyzer's time origin (engine times
 * are ns since it). Absent optional fields are present as undefined (one object shape).
 */
export function summarizeConnection(conn: Connection, t0Ns: bigint): ConnectionSummary {
  const [fo, fr] = conn.facts;
  const [lo, lr] = conn.linux;
  const synAck = conn.synNs >= 0 && conn.synAckNs >= 0;
  const full = synAck && conn.ackNs >= 0;
  return {
    id: conn.id,
    flow: conn.key,
    orig: conn.orig,
    resp: conn.resp,
    opener: conn.opener < 0 ? undefined : conn.opener === 0 ? 'orig' : 'resp',
    closer: conn.closer < 0 ? undefined : conn.closer === 0 ? 'orig' : 'resp',
    startNs: t0Ns + BigInt(conn.startNs),
    endNs: t0Ns + BigInt(conn.lastNs),
    firstIndex: conn.firstIndex,
    lastIndex: conn.lastIndex,
    fromOrig: { packets: fo.packets, payloadBytes: fo.payloadBytes, ipBytes: fo.ipBytes },
    fromResp: { packets: fr.packets, payloadBytes: fr.payloadBytes, ipBytes: fr.ipBytes },
    synToSynAckUs: synAck ? us(conn.synAckNs - conn.synNs) : undefined,
    synAckToAckUs: full ? us(conn.ackNs - conn.synAckNs) : undefined,
    handshakeRttUs: full ? us(conn.ackNs - conn.synNs) : undefined,
    options: optionsOf(conn),
    end: endOf(conn),
    connState: zeekConnState(conn.zeek[0], conn.zeek[1], conn.history.text),
    history: conn.history.text,
    flagCounts: flagCountsOf(conn),
    origState: lo.shownState,
    respState: lr.shownState,
    evicted: conn.evicted,
  };
}

const REUSED_PORTS_BIT = COUNTER_NAMES.indexOf('reused-ports');

/** The text row's fields straight from a connection (no summary object, no bigints). */
export function rowFieldsOf(conn: Connection, t0Sec: number, t0FracNs: number, out: RowFields): RowFields {
  const fo = conn.facts[0];
  const fr = conn.facts[1];
  const startNs = t0FracNs + conn.startNs;
  const secs = Math.floor(startNs / 1e9);
  out.id = conn.id;
  out.orig = conn.v6 ? endpointText(conn.orig) : '';
  out.resp = conn.v6 ? endpointText(conn.resp) : '';
  out.orig4 = conn.v6 ? -1 : conn.origAddr4;
  out.origPort = conn.origPort;
  out.resp4 = conn.v6 ? -1 : conn.respAddr4;
  out.respPort = conn.respPort;
  out.startSec = t0Sec + secs;
  out.startUs = Math.floor((startNs - secs * 1e9) / 1000);
  out.durationNs = conn.lastNs - conn.startNs;
  out.pktsOrig = fo.packets;
  out.bytesOrig = fo.payloadBytes;
  out.pktsResp = fr.packets;
  out.bytesResp = fr.payloadBytes;
  out.state = zeekConnState(conn.zeek[0], conn.zeek[1], conn.history.text);
  out.history = conn.history.text;
  out.rttUs = conn.synNs >= 0 && conn.synAckNs >= 0 && conn.ackNs >= 0 ? us(conn.ackNs - conn.synNs) : NaN;
  let flags = '';
  const c = conn.counters;
  if (c) {
    for (let bit = 0; bit < COUNTER_BITS; bit++) {
      const n = c[bit] as number;
      if (n > 0) flags += (flags ? ' ' : '') + `${COUNTER_NAMES[bit]}:${n}`;
    }
  }
  out.flags = flags;
  return out;
}

/** `worthALook` (summary-stream.ts) for a live connection whose conn_state is `state`. */
export function connWorthALook(conn: Connection, state: string): boolean {
  if (conn.evicted || (state !== 'SF' && state !== 'S1')) return true;
  const c = conn.counters;
  if (!c) return false;
  for (let bit = 0; bit < COUNTER_BITS; bit++)
    if (bit !== REUSED_PORTS_BIT && (c[bit] as number) > 0) return true;
  return false;
}
