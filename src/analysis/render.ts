/**
 * @module analysis/render
 * Pure reporters over the engine's results: the `--explain` view (tcpdump lines with indented
 * annotation lines between them, like an engineer's annotated capture), the `--summary` table
 * (one row per connection, like `tshark -z conv,tcp` plus the verdicts), and JSON for both.
 */
import { jsonReplacer } from '../events.js';
import { explain, type Lang } from '../report/explain/index.js';
import { renderSummaryText } from './summary-stream.js';
import type { AnalyzerStats, ConnectionSummary, PacketAnalysis } from './types.js';

export { renderEnd } from './summary-stream.js';

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

/** The `--summary` table: one row per connection, then the conn_state tally, verdicts and totals. */
export function renderSummary(
  connections: readonly ConnectionSummary[],
  stats: AnalyzerStats,
  lang: Lang = 'en',
): string {
  return renderSummaryText(connections, stats, lang);
}

/** JSON for `--summary --json`: bigints as decimal strings, verdict text included. */
export function summaryToJson(
  connections: readonly ConnectionSummary[],
  stats: AnalyzerStats,
  lang: Lang = 'en',
): string {
  return renderSummaryText(connections, stats, lang, true);
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
