/**
 * @module analysis/row-prep.test
 * Rows prepared at close must be the rows of the connection as it leaves the table: equal to
 * the rows rendered from collected summaries, also when packets come after the close (the row
 * is written again) and when a closed connection is evicted (its verdict says so).
 */
import { describe, expect, it } from 'vitest';
import type { DecodedPacket } from '../wire/packet.js';
import { TcpAnalyzer, type AnalyzerOptions } from './engine.js';
import { startSummary } from './run.js';
import { renderSummaryText } from './summary-stream.js';
import { Conversation } from './test-builder.js';

function both(packets: readonly DecodedPacket[], options: AnalyzerOptions = {}) {
  const parts: Uint8Array[] = [];
  const run = startSummary((b) => parts.push(b), options);
  for (const p of packets) run.analyzer.add(p);
  run.end();
  const a = new TcpAnalyzer({ ...options, perPacket: false });
  for (const p of packets) a.add(p);
  const { connections, stats } = a.finish();
  return {
    streamed: Buffer.concat(parts).toString('utf8'),
    collected: renderSummaryText(connections, stats) + '\n',
    connections,
  };
}

/** A full exchange closed both ways on `port`, starting at `startNs`. */
function closed(port: number, startNs: bigint): Conversation {
  return new Conversation({ client: { addr: '10.1.1.1', port }, startNs })
    .handshake()
    .data('c', 58)
    .ack('s')
    .fin('c')
    .ack('s')
    .fin('s')
    .ack('c');
}

describe('rows prepared at close', () => {
  it('are the rows of closed connections that retire untouched', () => {
    const a = closed(40001, 1_700_000_000_000_000_000n);
    const b = closed(40002, 1_700_000_010_000_000_000n); // 10 s later: a has retired by then
    const { streamed, collected, connections } = both([...a.packets, ...b.packets]);
    expect(streamed).toBe(collected);
    expect(connections.map((c) => c.connState)).toEqual(['SF', 'SF']);
  });

  it('are written again when a packet comes after the close (a late FIN retransmission)', () => {
    const a = closed(40001, 1_700_000_000_000_000_000n);
    const finSeq = a.nxt.c - 1;
    a.wait(200_000_000n).raw('c', 'F.', finSeq, a.rcv.c);
    const b = closed(40002, 1_700_000_010_000_000_000n);
    const { streamed, collected, connections } = both([...a.packets, ...b.packets]);
    expect(streamed).toBe(collected);
    // The late FIN is counted in the first row: 6 packets from the client, not 5.
    expect(connections[0]!.fromOrig.packets).toBe(6);
    expect(connections[0]!.flagCounts.retransmission).toBe(1);
    expect(streamed).toMatch(/^1 +10\.1\.1\.1:40001 .* 6 +58 +4 +0 +SF .*retransmission:1/m);
  });

  it('of closed connections evicted from a full table carry the eviction in their verdict', () => {
    const convs = [40001, 40002, 40003].map((port, i) =>
      closed(port, 1_700_000_000_000_000_000n + BigInt(i) * 100_000_000n),
    );
    const { streamed, collected } = both(
      convs.flatMap((c) => c.packets),
      { maxConnections: 1 },
    );
    expect(streamed).toBe(collected);
    expect(streamed).toContain('(evicted: table full)');
    const zh: Uint8Array[] = [];
    const run = startSummary((b) => zh.push(b), { maxConnections: 1, lang: 'zh' });
    for (const p of convs.flatMap((c) => c.packets)) run.analyzer.add(p);
    run.end();
    expect(Buffer.concat(zh).toString('utf8')).toMatch(
      /\n#1 SF：正常建立并正常终止；正常关闭：双向都有 FIN（流表已满，被淘汰）\n/,
    );
  });
});
