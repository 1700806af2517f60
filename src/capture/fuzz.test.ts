/**
 * @module capture/fuzz.test
 * Hostile input: random bytes, mutated valid files and hostile headers into the buffer and stream
 * readers. They never throw, always terminate, and every issue is complete (layer, offset, needed,
 * available, reason). Time-capped so CI stays fast.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { readCaptureBuffer } from './buffer.js';
import { openCapture } from './stream.js';
import { SAMPLE_PACKETS as SAMPLE } from './samples.js';
import { encodePcapngBlock, writePcap, writePcapng } from './writer.js';
import type { CaptureIssue } from './types.js';

const seeds = [
  writePcap(SAMPLE, { linkType: 1 }),
  writePcap(SAMPLE, { linkType: 276, byteOrder: 'big', precision: 'nano' }),
  writePcapng(SAMPLE, { interfaces: [{ linkType: 1, tsResol: 9, name: 'eth0' }] }),
  writePcapng(SAMPLE, { byteOrder: 'big', interfaces: [{ linkType: 113, tsResol: 0x80 | 30 }] }),
  // two sections, an unknown block, an SPB and an OPB
  new Uint8Array([
    ...writePcapng(SAMPLE.slice(0, 1), { byteOrder: 'big', interfaces: [{ linkType: 1 }] }),
    ...encodePcapngBlock(0x0bad, Uint8Array.of(1, 2, 3), 'big'),
    ...writePcapng(SAMPLE.slice(1), { interfaces: [{ linkType: 276, snaplen: 80 }, { linkType: 1 }] }),
    ...encodePcapngBlock(3, Uint8Array.of(8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8)),
    ...encodePcapngBlock(2, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 9, 9)),
  ]),
];

function checkIssues(issues: readonly CaptureIssue[], len: number): void {
  for (const i of issues) {
    expect(['pcap', 'pcapng']).toContain(i.layer);
    expect(Number.isInteger(i.offset) && i.offset >= 0 && i.offset <= len).toBe(true);
    expect(Number.isInteger(i.needed) && i.needed >= 0).toBe(true);
    expect(Number.isInteger(i.available) && i.available >= 0).toBe(true);
    expect(i.reason.length).toBeGreaterThan(0);
  }
  expect(issues.filter((i) => i.fatal).length).toBeLessThanOrEqual(1);
}

const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    fc.nat(),
  )
  .map(([seed, flips, cut]) => {
    const b = seed.slice(0, seed.length - (cut % 8 === 0 ? cut % seed.length : 0));
    for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
    return b;
  });

const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  mutated,
  // a valid header followed by garbage
  fc
    .tuple(fc.constantFrom(...seeds), fc.uint8Array({ maxLength: 200 }))
    .map(([s, g]) => new Uint8Array([...s.subarray(0, 48), ...g])),
);

describe('hostile bytes', () => {
  test('buffer reader never throws, issues are complete, records stay inside the input', () => {
    fc.assert(
      fc.property(anyBytes, (buf) => {
        const r = readCaptureBuffer(buf);
        checkIssues(r.issues, buf.length);
        for (const rec of r.records) {
          expect(rec.offset + rec.caplen).toBeLessThanOrEqual(buf.length);
          expect(rec.data.length).toBe(rec.caplen);
        }
        // the read either ended cleanly or stopped with one fatal issue
        if (r.stop) expect(r.issues.at(-1)).toBe(r.stop);
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 8000 },
    );
  });

  test('stream reader agrees with the buffer reader on hostile bytes and random chunking', async () => {
    await fc.assert(
      fc.asyncProperty(anyBytes, fc.array(fc.nat(), { maxLength: 6 }), async (buf, cuts) => {
        const want = readCaptureBuffer(buf);
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, buf.length]) {
          parts.push(buf.slice(last, p));
          last = p;
        }
        const cap = openCapture(Readable.from(parts, { objectMode: true }));
        let n = 0;
        for await (const _r of cap) n++;
        expect(n).toBe(want.records.length);
        expect(cap.issues).toEqual(want.issues);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 8000 },
    );
  });

  test('huge declared lengths are refused before anything is buffered', async () => {
    const pcap = writePcap([{ tsNs: 0n, data: new Uint8Array(4) }], { linkType: 1 });
    new DataView(pcap.buffer).setUint32(24 + 8, 0xffffffff, true);
    const ng = writePcapng([{ tsNs: 0n, data: new Uint8Array(4) }], { interfaces: [{ linkType: 1 }] });
    new DataView(ng.buffer).setUint32(48 + 4, 0xfffffffc, true);
    for (const buf of [pcap, ng]) {
      // only the first 64 bytes arrive and the stream stays open: the reader must stop, not wait
      const cap = openCapture(Readable.from([buf.slice(0, 64)]));
      for await (const _r of cap) void _r;
      expect(cap.stop?.code).toBe('bad-length');
    }
  });
});
