/**
 * @module analysis/summary
 * Turn a `Connection`'s state into a `ConnectionSummary` row (Zeek conn_state/history,
 * counters, handshake timing, options, how it ended).
 */
import { COUNTER_BITS, type Connection } from './connection.js';
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
  const mss =
    a.mss >= 0 || b.mss >= 0
      ? { ...(a.mss >= 0 ? { orig: a.mss } : {}), ...(b.mss >= 0 ? { resp: b.mss } : {}) }
      : undefined;
  return {
    ...(mss ? { mss } : {}),
    ...(a.wscale >= 0 && b.wscale >= 0
      ? { windowScale: { orig: Math.min(a.wscale, 14), resp: Math.min(b.wscale, 14) } }
      : {}),
    sackPermitted: a.sackOK && b.sackOK,
    timestamps: a.timestamps && b.timestamps,
  };
}

/**
 * Build the summary row of one connection; `t0Ns` is the analyzer's time origin (engine times
 * are ns since it).
 */
export function summarizeConnection(conn: Connection, t0Ns: bigint): ConnectionSummary {
  const [fo, fr] = conn.facts;
  const [lo, lr] = conn.linux;
  const rtt =
    conn.synNs >= 0 && conn.synAckNs >= 0 && conn.ackNs >= 0
      ? {
          synToSynAckUs: us(conn.synAckNs - conn.synNs),
          synAckToAckUs: us(conn.ackNs - conn.synAckNs),
          handshakeRttUs: us(conn.ackNs - conn.synNs),
        }
      : conn.synNs >= 0 && conn.synAckNs >= 0
        ? { synToSynAckUs: us(conn.synAckNs - conn.synNs) }
        : {};
  return {
    id: conn.id,
    flow: conn.key,
    orig: conn.orig,
    resp: conn.resp,
    ...(conn.opener >= 0 ? { opener: conn.opener === 0 ? ('orig' as const) : ('resp' as const) } : {}),
    ...(conn.closer >= 0 ? { closer: conn.closer === 0 ? ('orig' as const) : ('resp' as const) } : {}),
    startNs: t0Ns + BigInt(conn.startNs),
    endNs: t0Ns + BigInt(conn.lastNs),
    firstIndex: conn.firstIndex,
    lastIndex: conn.lastIndex,
    fromOrig: { packets: fo.packets, payloadBytes: fo.payloadBytes, ipBytes: fo.ipBytes },
    fromResp: { packets: fr.packets, payloadBytes: fr.payloadBytes, ipBytes: fr.ipBytes },
    ...rtt,
    options: optionsOf(conn),
    end: endOf(conn),
    connState: zeekConnState(conn.zeek[0], conn.zeek[1], conn.history.text),
    history: conn.history.text,
    flagCounts: flagCountsOf(conn),
    ...(lo.shownState ? { origState: lo.shownState } : {}),
    ...(lr.shownState ? { respState: lr.shownState } : {}),
    evicted: conn.evicted,
  };
}
