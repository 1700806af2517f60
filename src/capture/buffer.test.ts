/**
 * @module capture/buffer.test
 * The buffer reader on files the writer makes (pcap both orders and precisions, pcapng with
 * several sections, SPB, OPB, unknown blocks), libpcap's length rules, exact issues at every cut,
 * and every capture of tcpdump's own test suite (packet counts checked against real tcpdump).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readCaptureBuffer } from './buffer.js';
import { SAMPLE_PACKETS } from './samples.js';
import { encodePcapngBlock, writePcap, writePcapng } from './writer.js';

const frame = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

const SAMPLE = SAMPLE_PACKETS;

describe('pcap', () => {
  for (const byteOrder of ['little', 'big'] as const) {
    for (const precision of ['micro', 'nano'] as const) {
      test(`${byteOrder}-endian ${precision}seconds`, () => {
        const buf = writePcap(SAMPLE, { linkType: 113, snaplen: 65535, byteOrder, precision });
        const r = readCaptureBuffer(buf);
        expect(r.stop).toBeUndefined();
        expect(r.info).toMatchObject({ format: 'pcap', byteOrder, precision, linkType: 113, snaplen: 65535 });
        expect(r.records).toHaveLength(3);
        let off = 24;
        SAMPLE.forEach((s, i) => {
          const rec = r.records[i]!;
          const want = precision === 'nano' ? s.tsNs : (s.tsNs / 1000n) * 1000n;
          expect(rec.tsNs).toBe(want);
          expect(BigInt(rec.tsSec) * 1_000_000_000n + BigInt(rec.tsFracNs)).toBe(want);
          expect(rec.caplen).toBe(s.data.length);
          expect(rec.origLen).toBe(s.origLen ?? s.data.length);
          expect(rec.offset).toBe(off + 16);
          expect([...rec.data]).toEqual([...s.data]);
          expect(rec.data.buffer).toBe(buf.buffer); // zero-copy view
          off += 16 + s.data.length;
        });
      });
    }
  }

  test('caplen > snaplen is truncated to the snaplen with a non-fatal issue (as libpcap does)', () => {
    const buf = writePcap(
      [
        { tsNs: 0n, data: frame(100, 0) },
        { tsNs: 1n, data: frame(10, 0) },
      ],
      {
        linkType: 1,
        snaplen: 64,
      },
    );
    const r = readCaptureBuffer(buf);
    expect(r.stop).toBeUndefined();
    expect(r.records.map((x) => x.caplen)).toEqual([64, 10]);
    expect(r.issues).toEqual([
      expect.objectContaining({
        code: 'bad-length',
        layer: 'pcap',
        offset: 32,
        needed: 100,
        available: 64,
        fatal: false,
      }),
    ]);
    expect(r.records[1]!.offset).toBe(24 + 16 + 100 + 16);
  });

  test('absurd caplen is rejected with a fatal typed issue; records before it are kept', () => {
    const buf = writePcap(SAMPLE, { linkType: 1, snaplen: 0 });
    const dv = new DataView(buf.buffer);
    const second = 24 + 16 + 60;
    dv.setUint32(second + 8, 0x7fffffff, true);
    const r = readCaptureBuffer(buf);
    expect(r.info?.snaplen).toBe(262144); // snaplen 0 means the link type's maximum
    expect(r.records).toHaveLength(1);
    expect(r.stop).toMatchObject({
      code: 'bad-length',
      layer: 'pcap',
      offset: second + 8,
      needed: 0x7fffffff,
      available: 262144,
      lengthSource: 'caplen',
      reason: 'invalid packet capture length 2147483647, bigger than snaplen of 262144',
    });
  });

  test('unknown magic, archaic and unsupported versions', () => {
    expect(readCaptureBuffer(Uint8Array.of(1, 2, 3, 4, 5)).stop).toMatchObject({
      code: 'bad-value',
      offset: 0,
    });
    const buf = writePcap([], { linkType: 1 });
    new DataView(buf.buffer).setUint16(4, 1, true);
    expect(readCaptureBuffer(buf).stop?.reason).toBe('archaic pcap savefile format');
    new DataView(buf.buffer).setUint16(4, 3, true);
    expect(readCaptureBuffer(buf).stop?.reason).toBe('unsupported pcap savefile version 3.4');
  });

  test('old formats: swapped length fields (2.2, 2.3 when caplen > len) and the Kuznetzov magic', () => {
    const buf = writePcap([SAMPLE[1]!], { linkType: 1 }); // caplen 54, len 1514
    const dv = new DataView(buf.buffer);
    const swap = () => {
      const c = dv.getUint32(32, true);
      dv.setUint32(32, dv.getUint32(36, true), true);
      dv.setUint32(36, c, true);
    };
    swap(); // caplen 1514, len 54 as pre-2.3 writers did
    dv.setUint16(6, 2, true);
    expect(readCaptureBuffer(buf).records[0]).toMatchObject({ caplen: 54, origLen: 1514 });
    dv.setUint16(6, 3, true); // 2.3: swapped only when caplen > len
    expect(readCaptureBuffer(buf).records[0]).toMatchObject({ caplen: 54, origLen: 1514 });
    swap();
    expect(readCaptureBuffer(buf).records[0]).toMatchObject({ caplen: 54, origLen: 1514 });
    // Kuznetzov: 24-byte record headers (ifindex, protocol, pkt_type, pad)
    const k = new Uint8Array(24 + 24 + 4);
    const kv = new DataView(k.buffer);
    kv.setUint32(0, 0xa1b2cd34, true);
    kv.setUint16(4, 2, true);
    kv.setUint16(6, 4, true);
    kv.setUint32(16, 100, true);
    kv.setUint32(20, 1, true);
    kv.setUint32(24, 7, true);
    kv.setUint32(32, 4, true);
    kv.setUint32(36, 4, true);
    k.set([1, 2, 3, 4], 48);
    const kr = readCaptureBuffer(k);
    expect(kr.stop).toBeUndefined();
    expect(kr.info?.snaplen).toBe(114); // +14 for Ethernet, as libpcap does
    expect(kr.records[0]).toMatchObject({ tsNs: 7_000_000_000n, caplen: 4, offset: 48 });
  });

  test('cut at every length: records before the cut kept, the exact truncation issue', () => {
    const buf = writePcap(SAMPLE, { linkType: 1, byteOrder: 'big' });
    const starts = [24, 24 + 16 + 60, 24 + 16 + 60 + 16 + 54];
    const ends = [...starts.slice(1), buf.length];
    for (let cut = 0; cut < buf.length; cut++) {
      const r = readCaptureBuffer(buf.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      expect(r.records).toHaveLength(complete);
      if (cut < 24) {
        const need = cut < 4 ? 4 : 24;
        expect(r.stop).toMatchObject({
          code: 'truncated',
          layer: 'pcap',
          offset: 0,
          needed: need,
          available: cut,
        });
        continue;
      }
      const k = starts.findIndex((s, i) => s <= cut && cut < ends[i]!);
      if (k < 0 || cut === starts[k]) {
        expect(r.stop).toBeUndefined();
        continue;
      }
      const start = starts[k]!;
      const needed = cut - start < 16 ? 16 : ends[k]! - start;
      expect(r.stop).toMatchObject({
        code: 'truncated',
        layer: 'pcap',
        offset: start,
        needed,
        available: cut - start,
      });
    }
  });
});

describe('pcapng', () => {
  const le32 = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(v.length * 4);
    v.forEach((x, i) => new DataView(b.buffer).setUint32(i * 4, x, true));
    return b;
  };

  for (const byteOrder of ['little', 'big'] as const) {
    test(`${byteOrder}-endian with µs, ns and binary if_tsresol`, () => {
      const interfaces = [
        { linkType: 1, tsResol: 6 },
        { linkType: 113, tsResol: 9, name: 'lo' },
        { linkType: 101, tsResol: 0x80 | 20 },
      ];
      const pkts = SAMPLE.map((s, i) => ({ ...s, interfaceIndex: i }));
      const r = readCaptureBuffer(writePcapng(pkts, { byteOrder, interfaces }));
      expect(r.stop).toBeUndefined();
      expect(r.info).toMatchObject({
        format: 'pcapng',
        byteOrder,
        linkType: 1,
        precision: 'micro',
        sections: 1,
      });
      expect(r.info?.interfaces.map((i) => i.name)).toEqual([undefined, 'lo', undefined]);
      expect(r.records.map((x) => x.linkType)).toEqual([1, 113, 101]);
      expect(r.records.map((x) => x.interfaceIndex)).toEqual([0, 1, 2]);
      expect(r.records[0]!.tsNs).toBe(1_700_000_000_123_456_000n);
      expect(r.records[1]!.tsNs).toBe(SAMPLE[1]!.tsNs);
      // 2^-20 s units: the error is below one unit (~954 ns)
      const err = SAMPLE[2]!.tsNs - r.records[2]!.tsNs;
      expect(err >= 0n && err < 954n).toBe(true);
      expect(r.records[1]!.origLen).toBe(1514);
    });
  }

  test('several sections with their own byte order and interfaces; SPB, OPB and unknown blocks', () => {
    const a = writePcapng([SAMPLE[0]!], { byteOrder: 'big', interfaces: [{ linkType: 1 }] });
    const b = writePcapng([SAMPLE[1]!], {
      byteOrder: 'little',
      interfaces: [{ linkType: 276, snaplen: 60 }],
    });
    const unknown = encodePcapngBlock(0x0bad, Uint8Array.of(1, 2, 3, 4, 5), 'big');
    const spb = encodePcapngBlock(3, new Uint8Array([...le32(100), ...frame(100, 9)]));
    const opbBody = new Uint8Array([0, 0, 0, 0, ...le32(0, 1_000_000, 4, 4), 9, 9, 9, 9]);
    const opb = encodePcapngBlock(2, opbBody);
    const file = new Uint8Array([...a, ...unknown, ...b, ...spb, ...opb]);
    const r = readCaptureBuffer(file);
    expect(r.stop).toBeUndefined();
    expect(r.info).toMatchObject({ byteOrder: 'big', sections: 2, linkType: 1 });
    expect(r.records.map((x) => x.linkType)).toEqual([1, 276, 276, 276]);
    // the SPB takes min(original length, IDB 0's snaplen); no time stamp
    expect(r.records[2]).toMatchObject({ caplen: 60, origLen: 100, tsNs: 0n });
    expect(r.records[3]).toMatchObject({ caplen: 4, origLen: 4, tsNs: 1_000_000_000n });
  });

  test('if_tsoffset (seconds) is added to every timestamp of its interface', () => {
    const shb = writePcapng([], { interfaces: [] });
    const idbBody = new Uint8Array(8 + 12 + 4);
    const dv = new DataView(idbBody.buffer);
    dv.setUint16(0, 1, true);
    dv.setUint32(4, 65535, true);
    dv.setUint16(8, 14, true); // if_tsoffset
    dv.setUint16(10, 8, true);
    dv.setBigInt64(12, 1_000_000_000n, true);
    const epbBody = new Uint8Array(20 + 4);
    const ev = new DataView(epbBody.buffer);
    ev.setUint32(8, 2_500_000, true); // 2.5 s in µs
    ev.setUint32(12, 4, true);
    ev.setUint32(16, 4, true);
    const file = new Uint8Array([...shb, ...encodePcapngBlock(1, idbBody), ...encodePcapngBlock(6, epbBody)]);
    const r = readCaptureBuffer(file);
    expect(r.stop).toBeUndefined();
    expect(r.info?.interfaces[0]?.tsOffsetSec).toBe(1_000_000_000n);
    expect(r.records[0]).toMatchObject({
      tsNs: 1_000_000_002_500_000_000n,
      tsSec: 1_000_000_002,
      tsFracNs: 500_000_000,
    });
  });

  test('block length errors are typed issues', () => {
    const good = writePcapng([SAMPLE[0]!], { interfaces: [{ linkType: 1 }] });
    const epbAt = 28 + 20;
    const bad = (mut: (dv: DataView) => void) => {
      const c = good.slice();
      mut(new DataView(c.buffer));
      return readCaptureBuffer(c);
    };
    expect(bad((dv) => dv.setUint32(epbAt + 4, 30, true)).stop).toMatchObject({
      code: 'bad-length',
      offset: epbAt + 4,
      lengthSource: 'block-length',
    });
    expect(bad((dv) => dv.setUint32(epbAt + 4, 8, true)).stop).toMatchObject({
      code: 'bad-length',
      needed: 32,
      available: 8,
    });
    expect(bad((dv) => dv.setUint32(good.length - 4, 4, true)).stop?.reason).toMatch(/trailer/);
    expect(bad((dv) => dv.setUint32(epbAt + 4, 0x7ffffff0, true)).stop?.reason).toMatch(/pcapng block size/);
    expect(bad((dv) => dv.setUint32(epbAt + 8, 3, true)).stop?.reason).toMatch(
      /no Interface Description Block/,
    );
    const r = bad((dv) => dv.setUint32(epbAt + 20, 200, true));
    expect(r.stop).toMatchObject({ code: 'bad-length', lengthSource: 'caplen' });
    expect(bad((dv) => dv.setUint32(8, 0x01020304, false)).stop?.reason).toMatch(/byte-order magic/);
    expect(bad((dv) => dv.setUint16(12, 2, true)).stop?.reason).toBe(
      'unsupported pcapng savefile version 2.0',
    );
    const withOpt = writePcapng([SAMPLE[0]!], { interfaces: [{ linkType: 1, tsResol: 9 }] });
    new DataView(withOpt.buffer).setUint16(28 + 18, 200, true); // if_tsresol length 200
    expect(readCaptureBuffer(withOpt).stop).toMatchObject({
      code: 'bad-length',
      lengthSource: 'option-length',
    });
    // EPB caplen above the interface's snaplen: fatal, as libpcap does for pcapng
    expect(bad((dv) => dv.setUint32(28 + 12, 10, true)).stop).toMatchObject({
      code: 'bad-length',
      lengthSource: 'snaplen',
      needed: 60,
      available: 10,
      reason: 'invalid packet capture length 60, bigger than snaplen of 10',
    });
  });

  test('cut at every length gives the exact issue', () => {
    const buf = writePcapng(SAMPLE, { byteOrder: 'big', interfaces: [{ linkType: 1, tsResol: 9 }] });
    const starts: number[] = [];
    for (let o = 0; o < buf.length; o += new DataView(buf.buffer).getUint32(o + 4, false)) starts.push(o);
    const ends = [...starts.slice(1), buf.length];
    for (let cut = 0; cut < buf.length; cut++) {
      const r = readCaptureBuffer(buf.subarray(0, cut));
      expect(r.records).toHaveLength(Math.max(0, ends.filter((e) => e <= cut).length - 2));
      if (cut < 4) {
        expect(r.stop).toMatchObject({
          code: 'truncated',
          layer: 'pcap',
          offset: 0,
          needed: 4,
          available: cut,
        });
        continue;
      }
      const k = starts.findIndex((s, i) => s <= cut && cut < ends[i]!);
      if (cut === starts[k]) {
        expect(r.stop).toBeUndefined();
        continue;
      }
      const start = starts[k]!;
      const needed = cut - start < 12 ? 12 : ends[k]! - start;
      expect(r.stop).toMatchObject({
        code: 'truncated',
        layer: 'pcapng',
        offset: start,
        needed,
        available: cut - start,
      });
    }
  });
});

describe("tcpdump's own test captures", () => {
  const dir = '/work/shared/conformance/tcpdump-tests';
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f));
  test.each(files)('%s: same packet count as tcpdump, no fatal issue', (f) => {
    const r = readCaptureBuffer(readFileSync(`${dir}/${f}`));
    const out = execFileSync('tcpdump', ['--count', '-r', `${dir}/${f}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const count = Number(/(\d+) packets?/.exec(out.toString())?.[1]);
    expect(r.stop).toBeUndefined();
    expect(r.records).toHaveLength(count);
  });
});
