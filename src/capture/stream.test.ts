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
