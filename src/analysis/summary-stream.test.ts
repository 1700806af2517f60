/**
 * @module analysis/summary-stream.test
 * The reorder buffer under orders a real capture rarely produces in a small test: rows held
 * while an early row stays pending for the whole run (so the arena of held rows fills with rows
 * already written and must be compacted), verdicts travelling with held rows, and JSON.
 */
import { describe, expect, it } from 'vitest';
import { TcpAnalyzer } from './engine.js';
import { SummaryStream, type RowFields } from './summary-stream.js';
import type { AnalyzerStats } from './types.js';

const stats: AnalyzerStats = new TcpAnalyzer().stats;

function row(id: number): RowFields {
  return {
    id,
    orig: '',
    resp: '',
    orig4: 0x0a000001 + (id % 251),
    origPort: 1024 + (id % 60000),
    resp4: 0x0a000101,
    respPort: 80,
    startSec: 1_700_000_000 + Math.floor(id / 1000),
    startUs: (id * 37) % 1_000_000,
    durationNs: id * 1013,
    pktsOrig: 5 + (id % 3),
    bytesOrig: 60 + id,
    pktsResp: 5,
    bytesResp: 145,
    state: id % 7 === 0 ? 'S3' : 'SF',
    history: 'ShADadfF',
    rttUs: id % 500,
    flags: id % 11 === 0 ? 'retransmission:1' : '',
  };
}

function render(order: readonly number[], maxPending = 1_000_000): string {
  const parts: Uint8Array[] = [];
  // Every verdict line printed: which 1000 come first depends on the order rows are written.
  const s = new SummaryStream((b) => parts.push(b), { maxPending, maxVerdictLines: Infinity });
  for (const id of order) s.addFields(row(id), id % 7 === 0 ? `verdict of ${id}` : undefined);
  s.end({ ...stats, connections: order.length });
  return Buffer.concat(parts).toString('utf8');
}

describe('SummaryStream reorder buffer', () => {
  const n = 60_000; // ~100 bytes a row: several MB pass through the arena of held rows
  const inOrder = Array.from({ length: n }, (_, i) => i + 1);
  const want = render(inOrder);

  it('writes rows in id order when the arena of held rows is compacted under a long-pending row', () => {
    // The last row comes early and stays pending to the end; meanwhile every even row is held
    // until its odd predecessor arrives, then written: the arena fills with written rows.
    // Row n is held behind row 2 (not at the arena's start), so compaction must move it.
    const order = [2, n, 1];
    for (let i = 3; i < n; i += 2) {
      if (i + 1 < n) order.push(i + 1, i);
      else order.push(i);
    }
    expect(new Set(order).size).toBe(n);
    const text = render(order);
    expect(text).toBe(want);
    expect(text).toContain('\n#59997 verdict of 59997\n'); // 59997 = 7 * 8571, held like the others
  });

  it('keeps every row and verdict when the buffer overflows, rows then out of order', () => {
    const reversed = [...inOrder].reverse();
    const text = render(reversed, 1000);
    const sorted = (s: string) => s.split('\n').sort();
    expect(sorted(text)).toEqual(sorted(want));
  });
});
