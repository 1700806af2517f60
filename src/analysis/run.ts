/**
 * @module analysis/run
 * Drivers for the CLI: run the engine over any (async) iterable of packets and stream the
 * `--explain` output, or collect the `--summary`. Pure: the caller supplies the packets (from
 * the capture reader + decoder), the tcpdump line formatter and the writer.
 */
import type { Lang } from '../report/explain/index.js';
import type { DecodedPacket } from '../wire/packet.js';
import { TcpAnalyzer, type AnalyzerOptions } from './engine.js';
import { packetAnalysisToJson, renderExplainPacket, renderSummary, summaryToJson } from './render.js';
import type { AnalyzerStats, ConnectionSummary } from './types.js';

export interface ExplainRunOptions extends AnalyzerOptions {
  readonly lang?: Lang;
  readonly json?: boolean;
  /** Append the per-connection summary after the packets (default true; text mode only). */
  readonly withSummary?: boolean;
}

/**
 * Stream the `--explain` view: for each packet, `format(pkt, index)` gives its tcpdump line and
 * `write` receives the line plus its annotations.
 * @example await runExplain(packets, (p, i) => formatLine(p), (s) => process.stdout.write(s + '\n'));
 */
export async function runExplain(
  packets: AsyncIterable<DecodedPacket> | Iterable<DecodedPacket>,
  format: (pkt: DecodedPacket, index: number) => string,
  write: (text: string) => void,
  options: ExplainRunOptions = {},
): Promise<{ connections: ConnectionSummary[]; stats: AnalyzerStats }> {
  const analyzer = new TcpAnalyzer({ ...options, perPacket: true });
  const lang = options.lang ?? 'en';
  let index = 0;
  for await (const pkt of packets) {
    const analysis = analyzer.add(pkt, index);
    const line = format(pkt, index);
    write(
      options.json ? packetAnalysisToJson(line, analysis, lang) : renderExplainPacket(line, analysis, lang),
    );
    index++;
  }
  const result = analyzer.finish();
  if (!options.json && (options.withSummary ?? true))
    write('\n' + renderSummary(result.connections, result.stats, lang));
  return result;
}

/**
 * Run the `--summary`: returns the rendered text (or JSON) and the raw rows.
 * @example const { text } = await runSummary(packets, { lang: 'zh' });
 */
export async function runSummary(
  packets: AsyncIterable<DecodedPacket> | Iterable<DecodedPacket>,
  options: AnalyzerOptions & { readonly lang?: Lang; readonly json?: boolean } = {},
): Promise<{ text: string; connections: ConnectionSummary[]; stats: AnalyzerStats }> {
  const analyzer = new TcpAnalyzer({ ...options, perPacket: false });
  let index = 0;
  for await (const pkt of packets) analyzer.add(pkt, index++);
  const { connections, stats } = analyzer.finish();
  const lang = options.lang ?? 'en';
  const text = options.json
    ? summaryToJson(connections, stats, lang)
    : renderSummary(connections, stats, lang);
  return { text, connections, stats };
}
