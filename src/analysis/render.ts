/**
 * @module analysis/render
 * Pure reporters over the engine's results: the `--explain` view (tcpdump lines with indented
 * annotation lines between them, like an engineer's annotated capture), the `--summary` table
 * (one row per connection, like `tshark -z conv,tcp` plus the verdicts), and JSON for both.
 */
import { jsonReplacer } from '../events.js';
import { explain, type Lang } from '../report/explain/index.js';
import type { AnalyzerStats, ConnectionSummary, PacketAnalysis } from './types.js';

/** Prefix of an annotation line under a packet line. */
export const ANNOTATION_PREFIX = '      # ';

/** The annotation lines for one packet (without the packet line). */
export function renderPacketNotes(analysis: PacketAnalysis | undefined, lang: Lang = 'en'): string[] {
  if (!analysis) return [];
  return analysis.notes.map((n) => ANNOTATION_PREFIX + explain(n.key, n.params, lang));
}

/**
 * One packet of the `--explain` view: its tcpdump line, then its annotations.
 * @example renderExplainPacket('12:00:00.000000 IP 127.0.0.1.40000 > ...', analysis, 'zh')
 */
export function renderExplainPacket(
  line: string,
  analysis: PacketAnalysis | undefined,
  lang: Lang = 'en',
): string {
  const notes = renderPacketNotes(analysis, lang);
  return notes.length ? `${line}\n${notes.join('\n')}` : line;
}

function endpoint(e: { addr: string; port: number }): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

function seconds(ns: bigint): string {
  return (Number(ns / 1000n) / 1e6).toFixed(6);
}

/** A short verdict for how the connection ended. */
export function renderEnd(c: ConnectionSummary, lang: Lang = 'en'): string {
  const closer = c.closer === 'orig' ? endpoint(c.orig) : c.closer === 'resp' ? endpoint(c.resp) : '?';
  switch (c.end) {
    case 'fin-both':
      return explain('end-fin-both', {}, lang);
    case 'half-closed':
      return explain('end-half-closed', { closer }, lang);
    case 'reset':
      return explain('end-reset', { closer }, lang);
    case 'refused':
      return explain('end-refused', { closer }, lang);
    case 'no-reply':
      return explain('end-no-reply', {}, lang);
    case 'open':
      return explain('end-open', {}, lang);
  }
}

function flagList(c: ConnectionSummary): string {
  const parts = Object.entries(c.flagCounts).map(([k, v]) => `${k}:${v}`);
  return parts.length ? parts.join(' ') : '-';
}

/** Code points in `s` (what `[...s].length` gives) without building an array per cell. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function pad(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, codePoints(cell))));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - codePoints(cell))))
      .join('  ')
      .trimEnd(),
  );
}

/** The `--summary` table: one row per connection, then the verdict lines and the totals. */
export function renderSummary(
  connections: readonly ConnectionSummary[],
  stats: AnalyzerStats,
  lang: Lang = 'en',
): string {
  const header = [
    '#',
    'originator',
    'responder',
    'start',
    'duration',
    'pkts >',
    'bytes >',
    'pkts <',
    'bytes <',
    'state',
    'history',
    'rtt ms',
    'flags',
  ];
  const rows = connections.map((c) => [
    String(c.id),
    endpoint(c.orig),
    endpoint(c.resp),
    seconds(c.startNs),
    seconds(c.endNs - c.startNs),
    String(c.fromOrig.packets),
    String(c.fromOrig.payloadBytes),
    String(c.fromResp.packets),
    String(c.fromResp.payloadBytes),
    c.connState,
    c.history || '-',
    c.handshakeRttUs !== undefined ? (c.handshakeRttUs / 1000).toFixed(3) : '-',
    flagList(c),
  ]);
  const out = pad([header, ...rows]);
  out.push('');
  for (const c of connections) {
    out.push(
      `#${c.id} ${explain(`conn-${c.connState}`, {}, lang)}; ${renderEnd(c, lang)}${c.evicted ? ' (evicted: table full)' : ''}`,
    );
  }
  out.push('');
  out.push(
    `${stats.connections} connections, ${stats.tcpPackets} TCP packets (${stats.skippedPackets} other), ` +
      `evicted ${stats.evictedClosed} closed + ${stats.evictedOpen} open`,
  );
  return out.join('\n');
}

/** JSON for `--summary --json`: bigints as decimal strings, verdict text included. */
export function summaryToJson(
  connections: readonly ConnectionSummary[],
  stats: AnalyzerStats,
  lang: Lang = 'en',
): string {
  const rows = connections.map((c) => ({
    ...c,
    verdict: explain(`conn-${c.connState}`, {}, lang),
    ending: renderEnd(c, lang),
  }));
  return JSON.stringify({ connections: rows, stats }, jsonReplacer, 2);
}

/** One NDJSON line for `--explain --json`: the packet's analysis with its notes rendered. */
export function packetAnalysisToJson(
  line: string,
  analysis: PacketAnalysis | undefined,
  lang: Lang = 'en',
): string {
  if (!analysis) return JSON.stringify({ line });
  const notes = analysis.notes.map((n) => ({
    key: n.key,
    params: n.params,
    text: explain(n.key, n.params, lang),
  }));
  return JSON.stringify({ line, ...analysis, notes }, jsonReplacer);
}
