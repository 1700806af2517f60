/**
 * @module analysis/run
 * Drivers for the CLI: run the engine over any (async) iterable of packets and stream the
 * `--explain` output, or collect the `--summary`. Pure: the caller supplies the packets (from
 * the capture reader + decoder), the tcpdump line formatter and the writer.
 */
import type { Lang } from '../report/explain/index.js';
import type { DecodedPacket } from '../wire/packet.js';
import { TcpAnalyzer, type AnalyzerOptions } from './engine.js';
import { packetAnalysisToJson, renderExplainPacket, renderSummary } from './render.js';
import { RowPreparer } from './row-prep.js';
import { SummaryStream, type SummaryStreamOptions } from './summary-stream.js';
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

/** An analyzer wired to a {@link SummaryStream}: feed it packets, then call `end`. */
export interface SummaryRun {
  readonly analyzer: TcpAnalyzer;
  /** Retires what is left, writes the rest of the summary, returns the stats. */
  end(): AnalyzerStats;
}

/**
 * Start a streaming `--summary`: rows go to `write` as connections leave the flow table, so
 * memory stays bounded by the table, not by the capture.
 * @example const run = startSummary((b) => process.stdout.write(b)); for (const p of pkts) run.analyzer.add(p); run.end();
 */
export function startSummary(
  write: (chunk: Uint8Array) => void,
  options: AnalyzerOptions & SummaryStreamOptions = {},
): SummaryRun {
  const stream = new SummaryStream(write, options);
  const lang = options.lang ?? 'en';
  // Text rows come straight from the connection (no summary object), written at close when
  // they can be; JSON needs the summary.
  const prep = new RowPreparer(
    (id, state, bytes, start, len, verdict) => stream.addBody(id, state, bytes, start, len, verdict),
    lang,
  );
  const analyzer = new TcpAnalyzer({
    ...options,
    perPacket: false,
    retainSummaries: false,
    ...(stream.isJson
      ? { onConnection: (c: ConnectionSummary) => stream.add(c) }
      : { onClose: prep.close, onRetire: prep.retire }),
  });
  return {
    analyzer,
    end() {
      const { stats } = analyzer.finish();
      stream.end(stats);
      return stats;
    },
  };
}

/**
 * Run the `--summary` over packets: returns the rendered text (or JSON) and the stats.
 * @example const { text } = await runSummary(packets, { lang: 'zh' });
 */
export async function runSummary(
  packets: AsyncIterable<DecodedPacket> | Iterable<DecodedPacket>,
  options: AnalyzerOptions & { readonly lang?: Lang; readonly json?: boolean } = {},
): Promise<{ text: string; stats: AnalyzerStats }> {
  const parts: Uint8Array[] = [];
  const run = startSummary((b) => parts.push(b), options);
  let index = 0;
  for await (const pkt of packets) run.analyzer.add(pkt, index++);
  const stats = run.end();
  return { text: Buffer.concat(parts).toString('utf8').replace(/\n$/, ''), stats };
}
