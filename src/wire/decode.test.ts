import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket } from './decode.js';
import { ipv6String } from './addr.js';
import { seqDiff, seqGt, seqLt, seqAdd } from './seq.js';
import { TcpdumpFormatter } from '../format/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// 11:55:35.724646 IP 127.0.0.1.56710 > 127.0.0.1.8006: Flags [S], seq 1652959375, win 43690,
//   options [mss 65495,sackOK,TS val 8433172 ecr 0,nop,wscale 7], length 0
const SYN = hex(`
  000000000000 000000000000 0800
  4500 003c 1a2b 4000 4006 0000 7f000001 7f000001
  dd86 1f46 6286 288f 00000000 a002 aaaa fe30 0000
  020405b4 0402 080a 0080ae14 00000000 01 030307`);
// Fix the MSS bytes to 65495 (0xffd7) as the seed capture has it.
SYN.set([0xff, 0xd7], 56);

describe('decodePacket on the seed SYN', () => {
  const p = decodePacket({ tsNs: 1n, data: SYN, linkType: 1 });
  it('decodes every layer', () => {
    expect(p.stop).toBeUndefined();
    expect(p.link).toMatchObject({ linkType: 1, etherType: 0x0800 });
    expect(p.ip).toMatchObject({
      version: 4,
      src: '127.0.0.1',
      dst: '127.0.0.1',
      protocol: 6,
      ttl: 64,
      headerLength: 20,
      payloadLength: 40,
      id: 0x1a2b,
      fragmentOffset: 0,
      moreFragments: false,
    });
    expect(p.tcp).toMatchObject({
      srcPort: 56710,
      dstPort: 8006,
      seq: 1652959375,
      ack: 0,
      headerLength: 40,
      flags: 0x002,
      window: 43690,
      checksum: 0xfe30,
      urgentPointer: 0,
    });
    expect(p.tcp?.options).toEqual([
      { kind: 'mss', mss: 65495 },
      { kind: 'sackOK' },
      { kind: 'ts', val: 8433172, ecr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 7 },
    ]);
    expect(p.payloadOffset).toBe(74);
    expect(p.payloadLength).toBe(0);
  });
  it('prints like tcpdump', () => {
    const f = new TcpdumpFormatter({ timestampMode: 1 });
    expect(f.format({ tsSec: 0, tsFracNs: 0, data: SYN, origLen: SYN.length, linkType: 1 })).toBe(
      'IP 127.0.0.1.56710 > 127.0.0.1.8006: Flags [S], seq 1652959375, win 43690, options [mss 65495,sackOK,TS val 8433172 ecr 0,nop,wscale 7], length 0',
    );
  });
  it('reports the exact issue at every cut', () => {
    for (let n = 0; n < SYN.length; n++) {
      const q = decodePacket({ tsNs: 1n, data: SYN.subarray(0, n), linkType: 1 });
      const st = q.stop?.issue;
      expect(st, `cut at ${n}`).toBeDefined();
      if (n < 14) expect(st).toMatchObject({ layer: 'ethernet', offset: 0, needed: 14, available: n });
      else if (n < 34) expect(st).toMatchObject({ layer: 'ipv4', offset: 14, needed: 20, available: n - 14 });
      else if (n < 54)
        expect(st).toMatchObject({
          layer: 'tcp',
          offset: 34,
          needed: 20,
          available: n - 34,
          code: 'truncated',
        });
      else {
        expect(st).toMatchObject({ layer: 'tcp-option', code: 'truncated', lengthSource: 'caplen' });
        expect(q.tcp?.srcPort).toBe(56710);
        expect(st!.offset).toBeGreaterThanOrEqual(54);
        expect(st!.offset).toBeLessThanOrEqual(n);
      }
    }
  });
  it('flags a bad data offset and a bad option length', () => {
    const bad = SYN.slice();
    bad[46] = 0x40; // data offset 16 bytes
    expect(decodePacket({ tsNs: 1n, data: bad, linkType: 1 }).stop?.issue).toMatchObject({
      layer: 'tcp',
      code: 'bad-length',
      lengthSource: 'tcp-data-offset',
      offset: 46,
    });
    const badOpt = SYN.slice();
    badOpt[55] = 3; // mss length 3
    expect(decodePacket({ tsNs: 1n, data: badOpt, linkType: 1 }).stop?.issue).toMatchObject({
      layer: 'tcp-option',
      code: 'bad-length',
      offset: 55,
    });
  });
});

/** Test encoder: Ethernet + IPv4 + TCP with the given options bytes. */
function encode(h: {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  opts: number[];
  payload: number;
}): Uint8Array {
  const optLen = (h.opts.length + 3) & ~3;
  const tcpLen = 20 + optLen;
  const total = 20 + tcpLen + h.payload;
  const b = new Uint8Array(14 + total);
  const dv = new DataView(b.buffer);
  dv.setUint16(12, 0x0800);
  b[14] = 0x45;
  dv.setUint16(16, total);
  b[22] = 64;
  b[23] = 6;
  b.set([10, 0, 0, 1, 10, 0, 0, 2], 26);
  dv.setUint16(34, h.sport);
  dv.setUint16(36, h.dport);
  dv.setUint32(38, h.seq);
  dv.setUint32(42, h.ack);
  b[46] = (tcpLen / 4) << 4;
  b[47] = h.flags;
  dv.setUint16(48, h.win);
  b.set(h.opts, 54);
  return b;
}

describe('properties', () => {
  it('encode → decode gives the fields back', () => {
    fc.assert(
      fc.property(
        fc.record({
          sport: fc.integer({ min: 0, max: 65535 }),
          dport: fc.integer({ min: 0, max: 65535 }),
          seq: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          ack: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          flags: fc.integer({ min: 0, max: 255 }),
          win: fc.integer({ min: 0, max: 65535 }),
          mss: fc.integer({ min: 0, max: 65535 }),
          shift: fc.integer({ min: 0, max: 255 }),
          payload: fc.integer({ min: 0, max: 100 }),
        }),
        (h) => {
          const opts = [2, 4, h.mss >> 8, h.mss & 255, 1, 3, 3, h.shift];
          const p = decodePacket({ tsNs: 0n, data: encode({ ...h, opts }), linkType: 1 });
          expect(p.stop).toBeUndefined();
          expect(p.tcp).toMatchObject({
            srcPort: h.sport,
            dstPort: h.dport,
            seq: h.seq,
            ack: h.ack,
            flags: h.flags,
            window: h.win,
          });
          expect(p.tcp?.options).toEqual([
            { kind: 'mss', mss: h.mss },
            { kind: 'nop' },
            { kind: 'wscale', shift: Math.min(h.shift, 14) },
          ]);
          expect(p.payloadLength).toBe(h.payload);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bytes never throw, for every link type, in the decoder and the printer', () => {
    const fmt = new TcpdumpFormatter({ verbose: 1 });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(0, 1, 12, 101, 108, 113, 276, 999),
        (data, linkType) => {
          const p = decodePacket({ tsNs: 0n, data, linkType });
          if (p.stop) expect(p.stop.issue.available).toBeGreaterThanOrEqual(0);
          expect(typeof fmt.format({ tsSec: 0, tsFracNs: 0, data, origLen: data.length, linkType })).toBe(
            'string',
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated valid packets never throw', () => {
    const fmt = new TcpdumpFormatter({ verbose: 1 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(SYN.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(SYN.length),
        (muts, cut) => {
          const d = SYN.slice(0, cut);
          for (const [i, v] of muts) if (i < d.length) d[i] = v;
          decodePacket({ tsNs: 0n, data: d, linkType: 1 });
          fmt.format({ tsSec: 0, tsFracNs: 0, data: d, origLen: SYN.length, linkType: 1 });
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('IPv6 and sequence arithmetic', () => {
  it('prints IPv6 addresses as inet_ntop does', () => {
    const a = (h: string): string => ipv6String(hex(h), 0);
    expect(a('00000000000000000000000000000001')).toBe('::1');
    expect(a('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(a('00000000000000000000ffff7f000001')).toBe('::ffff:127.0.0.1');
    expect(a('20010db8000100000001000000000001')).toBe('2001:db8:1:0:1::1');
    expect(a('fe800000000000000000000000000000')).toBe('fe80::');
  });
  it('compares sequence numbers modulo 2^32', () => {
    expect(seqLt(0xfffffff0, 5)).toBe(true);
    expect(seqGt(5, 0xfffffff0)).toBe(true);
    expect(seqDiff(5, 0xfffffff0)).toBe(21);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
  });
});
