/**
 * Segments loopback traffic rarely produces, written by hand into a pcap with our writer and
 * printed by the real tcpdump and by tcpscope: SACK blocks (tcpdump prints them relative to the
 * conversation's ISNs unless -S), URG with an urgent pointer, ECE/CWR, a zero window, data with
 * PSH, a RST carrying data, checksums right and wrong under -v. Every packet's output must be
 * identical for each option set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePcap } from '../../src/capture/index.js';
import type { TcpdumpFormatOptions } from '../../src/format/index.js';
import { diffTcp, HAVE_TCPDUMP, tcpdumpRead } from '../helpers/tcpdump.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];

function sum16(b: number[], start: number, end: number, init = 0): number {
  let s = init;
  for (let i = start; i < end; i += 2) s += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

interface Seg {
  from: 'a' | 'b';
  seq: number;
  ack: number;
  flags: number;
  win?: number;
  urg?: number;
  options?: number[];
  payload?: number;
  badSum?: boolean;
}

/** Ethernet + IPv4 + TCP with correct checksums (unless badSum). */
function frame(s: Seg): Uint8Array {
  const [src, dst, sp, dp] = s.from === 'a' ? [A, B, 40000, 9000] : [B, A, 9000, 40000];
  const opts = [...(s.options ?? [])];
  while (opts.length % 4) opts.push(1);
  const data = Array.from({ length: s.payload ?? 0 }, (_, i) => 0x41 + (i % 26));
  const tcp = [
    sp >> 8,
    sp & 255,
    dp >> 8,
    dp & 255,
    s.seq >>> 24,
    (s.seq >>> 16) & 255,
    (s.seq >>> 8) & 255,
    s.seq & 255,
    s.ack >>> 24,
    (s.ack >>> 16) & 255,
    (s.ack >>> 8) & 255,
    s.ack & 255,
    ((20 + opts.length) / 4) << 4,
    s.flags,
    (s.win ?? 512) >> 8,
    (s.win ?? 512) & 255,
    0,
    0,
    (s.urg ?? 0) >> 8,
    (s.urg ?? 0) & 255,
    ...opts,
    ...data,
  ];
  const pseudo = [...src, ...dst, 0, 6, tcp.length >> 8, tcp.length & 255];
  let ck = ~sum16(tcp, 0, tcp.length, sum16(pseudo, 0, 12)) & 0xffff;
  if (s.badSum) ck ^= 0x1111;
  tcp[16] = ck >> 8;
  tcp[17] = ck & 255;
  const total = 20 + tcp.length;
  const ip = [0x45, 0, total >> 8, total & 255, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, ...src, ...dst];
  const ipck = ~sum16(ip, 0, 20) & 0xffff;
  ip[10] = ipck >> 8;
  ip[11] = ipck & 255;
  const eth = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
  return Uint8Array.from([...eth, ...ip, ...tcp]);
}

const be32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const sack = (...blocks: [number, number][]) => [
  1,
  1,
  5,
  2 + 8 * blocks.length,
  ...blocks.flatMap(([l, r]) => [...be32(l), ...be32(r)]),
];
const ISN_A = 0xfffffff0; // wraps during the exchange
const ISN_B = 1000;
const segs: Seg[] = [
  { from: 'a', seq: ISN_A, ack: 0, flags: 0x02 | 0x40 | 0x80, options: [2, 4, 5, 0xb4, 4, 2, 3, 3, 7] },
  { from: 'b', seq: ISN_B, ack: ISN_A + 1, flags: 0x12 | 0x40, options: [2, 4, 5, 0xb4, 4, 2] },
  { from: 'a', seq: ISN_A + 1, ack: ISN_B + 1, flags: 0x10 },
  { from: 'a', seq: ISN_A + 1, ack: ISN_B + 1, flags: 0x18, payload: 100 },
  { from: 'b', seq: ISN_B + 1, ack: ISN_A + 1, flags: 0x10, options: sack([ISN_A + 201, ISN_A + 301]) },
  {
    from: 'b',
    seq: ISN_B + 1,
    ack: ISN_A + 1,
    flags: 0x10,
    options: sack([ISN_A + 201, ISN_A + 301], [(ISN_A + 401) >>> 0, (ISN_A + 501) >>> 0]),
  },
  { from: 'a', seq: (ISN_A + 101) >>> 0, ack: ISN_B + 1, flags: 0x38, urg: 5, payload: 10 },
  { from: 'b', seq: ISN_B + 1, ack: (ISN_A + 111) >>> 0, flags: 0x10 | 0x80, win: 0 },
  { from: 'a', seq: (ISN_A + 111) >>> 0, ack: ISN_B + 1, flags: 0x18, payload: 20, badSum: true },
  { from: 'b', seq: ISN_B + 1, ack: (ISN_A + 131) >>> 0, flags: 0x14, payload: 12 },
];

const path = join(dir, 'synthetic.pcap');
writeFileSync(
  path,
  writePcap(
    segs.map((s, i) => {
      const data = frame(s);
      return { tsNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, data, origLen: data.length };
    }),
    { linkType: 1, snaplen: 262144, byteOrder: 'little', precision: 'micro' },
  ),
);

const optionSets: [string, TcpdumpFormatOptions][] = [
  ['default', {}],
  ['-S', { absoluteSeq: true }],
  ['-v', { verbose: 1 }],
  ['-vv -S', { verbose: 2, absoluteSeq: true }],
];

describe.runIf(HAVE_TCPDUMP)('hand-made segments print as tcpdump prints them', () => {
  it.each(optionSets)('%s', (_label, opts) => {
    const { tcpPackets, diffs } = diffTcp(path, opts);

    expect(diffs).toEqual([]);
    expect(tcpPackets).toBe(segs.length);
  });

  it('covers what it claims (in the output of tcpdump itself)', () => {
    const plain = tcpdumpRead(path).join('\n');
    for (const s of [
      'Flags [SEW]',
      'sack 2 {201:301}{401:501}',
      'Flags [P.U]',
      'urg 5',
      'Flags [.W]',
      'win 0',
    ]) {
      expect(plain).toContain(s);
    }
    const verbose = tcpdumpRead(path, ['-v']).join('\n');
    expect(verbose).toMatch(/cksum 0x[0-9a-f]{4} \(incorrect -> 0x[0-9a-f]{4}\)/);
    expect(verbose).toContain('[RST ABCDEFGHIJKL]');
  });
});
