/**
 * @module analysis/summary
 * Turn a `Connection`'s state into a `ConnectionSummary` row (Zeek conn_state/history,
 * counters, handshake timing, options, how it ended).
 */
import type { Connection } from './connection.js';
import type { ConnectionEnd, ConnectionSummary, NegotiatedOptions } from './types.js';
import { zeekConnState } from './zeek.js';

function us(ns: bigint): number {
  return Number(ns / 1000n);
}

function endOf(conn: Connection): ConnectionEnd {
  const [o, r] = conn.rstSent;
  if (o || r) {
    const rstBy = conn.closer;
    const synAcked = conn.synAckNs >= 0n;
    if (!synAcked && conn.synSeen && r && rstBy === 1) return 'refused';
    return 'reset';
  }
  const [fo, fr] = conn.finSent;
  if (fo && fr) return 'fin-both';
  if (fo || fr) return 'half-closed';
  if (conn.synSeen && conn.synAckNs < 0n && conn.facts[1].packets === 0) return 'no-reply';
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

/** Build the summary row of one connection. */
export function summarizeConnection(conn: Connection): ConnectionSummary {
  const [fo, fr] = conn.facts;
  const [lo, lr] = conn.linux;
  const rtt =
    conn.synNs >= 0n && conn.synAckNs >= 0n && conn.ackNs >= 0n
      ? {
          synToSynAckUs: us(conn.synAckNs - conn.synNs),
          synAckToAckUs: us(conn.ackNs - conn.synAckNs),
          handshakeRttUs: us(conn.ackNs - conn.synNs),
        }
      : conn.synNs >= 0n && conn.synAckNs >= 0n
        ? { synToSynAckUs: us(conn.synAckNs - conn.synNs) }
        : {};
  return {
    id: conn.id,
    flow: conn.key,
    orig: conn.orig,
    resp: conn.resp,
    ...(conn.opener >= 0 ? { opener: conn.opener === 0 ? ('orig' as const) : ('resp' as const) } : {}),
    ...(conn.closer >= 0 ? { closer: conn.closer === 0 ? ('orig' as const) : ('resp' as const) } : {}),
    startNs: conn.startNs,
    endNs: conn.lastNs,
    firstIndex: conn.firstIndex,
    lastIndex: conn.lastIndex,
    fromOrig: { packets: fo.packets, payloadBytes: fo.payloadBytes, ipBytes: fo.ipBytes },
    fromResp: { packets: fr.packets, payloadBytes: fr.payloadBytes, ipBytes: fr.ipBytes },
    ...rtt,
    options: optionsOf(conn),
    end: endOf(conn),
    connState: zeekConnState(conn.zeek[0], conn.zeek[1], conn.history.text),
    history: conn.history.text,
    flagCounts: { ...conn.counts },
    ...(lo.shownState ? { origState: lo.shownState } : {}),
    ...(lr.shownState ? { respState: lr.shownState } : {}),
    evicted: conn.evicted,
  };
}
