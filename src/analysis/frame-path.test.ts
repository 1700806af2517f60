/**
 * @module analysis/frame-path.test
 * The engine has two doors: `add` (decoded packets, used by `--explain`) and `addBytes` (frames
 * decoded in place, used by `--summary`). Both must reach the same conclusions on every packet
 * and connection: checked on the conformance captures, the seed capture, and a synthetic capture
 * of many connections with port reuse, resets, connections left open and a full flow table.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer, type CaptureRecord } from '../capture/index.js';
import { decodePacket } from '../wire/decode.js';
import { TcpAnalyzer, type AnalyzerOptions } from './engine.js';
import { renderSummaryText } from './summary-stream.js';
import { runSummary, startSummary } from './run.js';
import { syntheticCapture } from './test-builder.js';

const root = resolve(import.meta.dirname, '../..');
const conformance = resolve(root, '../shared/conformance/tcpdump-tests');
if (!existsSync(conformance)) throw new Error(`conformance captures not found at ${conformance}`);

function bothWays(records: readonly CaptureRecord[], options: AnalyzerOptions = {}) {
  const slow = new TcpAnalyzer(options);
  const fast = new TcpAnalyzer(options);
  const slowPackets = records.map((r, i) => slow.add(decodePacket(r), i));
  const fastPackets = records.map((r) => {
    const buf = new Uint8Array(r.data.length + 16).fill(0x5a);
    buf.set(r.data, 9);
    return fast.addBytes(buf, 9, r.caplen, r.linkType, r.tsSec, r.tsFracNs);
  });
  return {
    slow: { packets: slowPackets, ...slow.finish() },
    fast: { packets: fastPackets, ...fast.finish() },
  };
}

const captures: [string, Uint8Array][] = [
  ...readdirSync(conformance)
    .sort()
    .map((n): [string, Uint8Array] => [n, new Uint8Array(readFileSync(join(conformance, n)))]),
  ['close-wait-client.pcap', new Uint8Array(readFileSync(join(root, 'fixtures/close-wait-client.pcap')))],
  ['synthetic', syntheticCapture()],
];

describe('add (decoded packets) and addBytes (frames in place) agree', () => {
  it.each(captures)('%s: every packet and every connection', (_name, bytes) => {
    const { records } = readCaptureBuffer(bytes);
    const { slow, fast } = bothWays(records);
    expect(fast.packets).toEqual(slow.packets);
    expect(fast.connections).toEqual(slow.connections);
    expect(fast.stats).toEqual(slow.stats);
  });

  it('with a small table: evictions of closed and open connections, same results', () => {
    const { records } = readCaptureBuffer(syntheticCapture());
    const { slow, fast } = bothWays(records, { maxConnections: 5, perPacket: false });
    expect(slow.stats.evictedOpen + slow.stats.evictedClosed).toBeGreaterThan(10);
    expect(fast.connections).toEqual(slow.connections);
    expect(fast.stats).toEqual(slow.stats);
  });
});

describe('the synthetic capture', () => {
  const { records } = readCaptureBuffer(syntheticCapture());
  const { slow } = bothWays(records);

  it('has every connection exactly once, in id order, with the expected variety', () => {
    const ids = slow.connections.map((c) => c.id);
    expect(ids).toEqual(Array.from({ length: slow.stats.connections }, (_, i) => i + 1));
    const states = new Set(slow.connections.map((c) => c.connState));
    for (const s of ['SF', 'REJ', 'RSTO', 'RSTR', 'S1']) expect(states).toContain(s);
    expect(slow.connections.some((c) => c.flagCounts['reused-ports'])).toBe(true);
  });

  it('streams the same summary text as the collected summaries, whatever the reorder buffer', async () => {
    const whole = renderSummaryText(slow.connections, slow.stats);
    for (const maxPending of [1, 3, 1000]) {
      const parts: Uint8Array[] = [];
      // A tiny reorder buffer writes rows early (out of order): same rows, same tally.
      const run = startSummary((b) => parts.push(b), { maxPending });
      records.forEach((r) => run.analyzer.addBytes(r.data, 0, r.caplen, r.linkType, r.tsSec, r.tsFracNs));
      run.end();
      const text = Buffer.concat(parts).toString('utf8');
      const sortRows = (s: string) => s.split('\n').sort();
      if (maxPending === 1000) expect(text.replace(/\n$/, '')).toBe(whole);
      else expect(sortRows(text)).toEqual(sortRows(whole + '\n'));
    }
    const viaPackets = await runSummary(records.map((r) => decodePacket(r)));
    expect(viaPackets.text).toBe(whole);
  });
});
