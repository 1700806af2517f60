/**
 * @module capture/stream.test
 * The stream reader gives exactly what the buffer reader gives, whatever the chunking (fast-check
 * splits), on cut files too; reads real files, `-` and child stdout; tees only whole units.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../util/errors.js';
import { readCaptureBuffer } from './buffer.js';
import { openCapture } from './stream.js';
import { decodedPackets } from './decoded.js';
import { SAMPLE_PACKETS as SAMPLE } from './samples.js';
import { writePcap, writePcapng } from './writer.js';
import type { CaptureRecord } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunked(buf: Uint8Array, cuts: number[]): AsyncIterable<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, buf.length]) {
    parts.push(buf.slice(last, p)); // copies: the reader must not depend on one big buffer
    last = p;
  }
  return Readable.from(parts, { objectMode: true });
}

const view = (r: CaptureRecord) => ({ ...r, data: [...r.data] });

async function collect(cap: ReturnType<typeof openCapture>) {
  const recs: CaptureRecord[] = [];
  for await (const r of cap) recs.push(r);
  return recs;
}

const files = {
  pcap: writePcap(SAMPLE, { linkType: 1, precision: 'nano' }),
  pcapBig: writePcap(SAMPLE, { linkType: 113, byteOrder: 'big' }),
  pcapng: new Uint8Array([
    ...writePcapng(SAMPLE, { byteOrder: 'big', interfaces: [{ linkType: 1, tsResol: 9 }] }),
    ...writePcapng(SAMPLE.slice(1), { interfaces: [{ linkType: 276 }] }),
  ]),
};

describe('stream reader = buffer reader under any chunking', () => {
  for (const [name, buf] of Object.entries(files)) {
    test(name, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(), { maxLength: 40 }),
          fc.nat({ max: buf.length }),
          async (cuts, cutAt) => {
            const part = buf.subarray(0, cutAt);
            const want = readCaptureBuffer(part);
            const teed: number[] = [];
            const cap = openCapture(chunked(part, cuts), { tee: (b) => teed.push(...b) });
            const got = await collect(cap);
            expect(got.map(view)).toEqual(want.records.map(view));
            expect(cap.issues).toEqual(want.issues);
            expect(cap.info).toEqual(want.info);
            // the tee holds exactly the whole units: a valid capture with the same records
            const again = readCaptureBuffer(Uint8Array.from(teed));
            expect(again.records.map(view)).toEqual(want.records.map(view));
            if (again.info) expect(again.stop).toBeUndefined();
          },
        ),
        { numRuns: 150, interruptAfterTimeLimit: 8000 },
      );
    });
  }
});

describe('sources', () => {
  test('a file path, and a missing file as an InputError', async () => {
    const path = join(dir, 'a.pcap');
    writeFileSync(path, files.pcapBig);
    const got = await collect(openCapture(path, { chunkBytes: 7 }));
    expect(got.map(view)).toEqual(readCaptureBuffer(files.pcapBig).records.map(view));
    await expect(collect(openCapture(join(dir, 'missing.pcap')))).rejects.toBeInstanceOf(InputError);
  });

  test("'-' reads the (injected) stdin", async () => {
    const stdin = Readable.from([files.pcapng.slice(0, 50), files.pcapng.slice(50)]);
    const got = await collect(openCapture('-', { stdin }));
    expect(got).toHaveLength(5);
  });

  test("a child's stdout that ends mid-record: an issue, records before it kept", async () => {
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, files.pcap.subarray(0, files.pcap.length - 1));
    const child = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const cap = openCapture(child.stdout);
      const got = await collect(cap);
      expect(got).toHaveLength(2);
      expect(cap.stop).toMatchObject({ code: 'truncated', layer: 'pcap', needed: 17, available: 16 });
    } finally {
      child.kill();
    }
  });

  test('breaking out of the loop early releases the source', async () => {
    const path = join(dir, 'b.pcap');
    writeFileSync(path, files.pcap);
    const src = Readable.from([files.pcap.slice(0, 30), files.pcap.slice(30)]);
    for await (const _r of openCapture(src)) break;
    expect(src.destroyed).toBe(true);
  });
});

describe('memory', () => {
  test('512 MB streamed in odd-sized chunks: peak RSS growth stays far below the input size', async () => {
    const period = writePcap(
      Array.from({ length: 1000 }, (_, i) => ({
        tsNs: BigInt(i) * 1000n,
        data: new Uint8Array(84 + (i % 17)),
      })),
      { linkType: 1 },
    ).subarray(24);
    const header = writePcap([], { linkType: 1 });
    const total = 512 * 1024 * 1024;
    function* source(): Generator<Uint8Array> {
      yield header.slice();
      let at = 0;
      for (let sent = 0; sent < total;) {
        const chunk = new Uint8Array(65537); // like a file read: fresh memory every time
        for (let o = 0; o < chunk.length;) {
          const n = Math.min(chunk.length - o, period.length - at);
          chunk.set(period.subarray(at, at + n), o);
          o += n;
          at = (at + n) % period.length;
        }
        sent += chunk.length;
        yield chunk;
      }
    }
    const base = process.memoryUsage().rss;
    let peak = base;
    let n = 0;
    const cap = openCapture(Readable.from(source()));
    for await (const batch of cap.batches()) {
      n += batch.length;
      if ((n & 0xffff) < batch.length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(n).toBeGreaterThan(4_000_000);
    expect(cap.stop).toMatchObject({ code: 'truncated' }); // the generator stops mid-record
    console.log(`stream memory: ${n} records, peak RSS growth ${((peak - base) / 2 ** 20).toFixed(1)} MB`);
    expect((peak - base) / 2 ** 20).toBeLessThan(160);
  });

  test('one 8 MB record arriving in 4 KB pieces', async () => {
    const big = Uint8Array.from({ length: 8 * 1024 * 1024 - 64 }, (_, i) => i & 0xff);
    const file = writePcapng([{ tsNs: 5n, data: big }], { interfaces: [{ linkType: 279, snaplen: 0 }] });
    const parts: Uint8Array[] = [];
    for (let o = 0; o < file.length; o += 4096) parts.push(file.slice(o, o + 4096));
    const got = await collect(openCapture(Readable.from(parts, { objectMode: true })));
    expect(got).toHaveLength(1);
    expect(got[0]!.caplen).toBe(big.length);
    expect(got[0]!.data[12345]).toBe(12345 & 0xff);
  });
});

test('decodedPackets: a conformance file decodes to TCP packets with the right ports', async () => {
  const file = '/work/shared/conformance/tcpdump-tests/tfo-5c1fa7f9ae91.pcap';
  const pkts = [];
  for await (const p of decodedPackets(openCapture(file))) pkts.push(p);
  expect(pkts).toHaveLength(14);
  expect(pkts.every((p) => p.tcp !== undefined)).toBe(true);
  expect(pkts[0]!.tcp!.flags & 0x002).toBe(0x002); // the first packet is a SYN
});
