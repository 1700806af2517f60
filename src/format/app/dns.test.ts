/**
 * Differential tests of the DNS-over-TCP printer against the installed tcpdump: hand-built
 * queries and responses (every record type printed specially, compression pointers, EDNS
 * options, bad pointers, wrong length prefixes, header flags and opcodes) on port 53, whole and
 * cut at every captured length, at -n, -v, -vv and -vvv.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ETH_BYTES, IPV4_BYTES, tcpFrame, writeFrames } from '../../../test/helpers/frames.js';
import { diffTcp, HAVE_TCPDUMP, tcpdumpRead } from '../../../test/helpers/tcpdump.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-dns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [...u16(v >>> 16), ...u16(v & 0xffff)];
const name = (n: string): number[] =>
  n === '.' ? [0] : [...n.split('.').flatMap((l) => [l.length, ...[...l].map((ch) => ch.charCodeAt(0))]), 0];
const PTR_QNAME = [0xc0, 12]; // the question's name, right after the header
const rr = (owner: number[], type: number, cls: number, ttl: number, rdata: number[]): number[] => [
  ...owner,
  ...u16(type),
  ...u16(cls),
  ...u32(ttl),
  ...u16(rdata.length),
  ...rdata,
];
const header = (id: number, flags: number, qd: number, an: number, ns: number, ar: number): number[] => [
  ...u16(id),
  ...u16(flags),
  ...u16(qd),
  ...u16(an),
  ...u16(ns),
  ...u16(ar),
];
const question = (n: string, type: number, cls = 1): number[] => [...name(n), ...u16(type), ...u16(cls)];
const opt = (options: number[], flags = 0): number[] => rr([0], 41, 1232, flags, options);
/** A DNS message with its TCP length prefix. */
const tcp = (msg: number[]): number[] => [...u16(msg.length), ...msg];

const MESSAGES: readonly (readonly [string, number[]])[] = [
  [
    'query with EDNS cookie',
    tcp([
      ...header(17177, 0x0120, 1, 0, 0, 1),
      ...question('www.tcpdump.org', 1),
      ...opt([...u16(10), ...u16(8), 1, 2, 3, 4, 5, 6, 7, 8]),
    ]),
  ],
  [
    'response with every printed type',
    tcp([
      ...header(4660, 0x8580, 1, 9, 1, 2),
      ...question('example.com', 255),
      ...rr(PTR_QNAME, 1, 1, 300, [192, 0, 2, 1]),
      ...rr(PTR_QNAME, 28, 1, 3600, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1]),
      ...rr(PTR_QNAME, 5, 1, 60, [3, 0x77, 0x77, 0x77, ...PTR_QNAME]),
      ...rr(PTR_QNAME, 15, 1, 86400, [...u16(10), 4, 0x6d, 0x61, 0x69, 0x6c, ...PTR_QNAME]),
      ...rr(PTR_QNAME, 16, 1, 1, [5, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 3, 0x01, 0x7f, 0xe9]),
      ...rr(PTR_QNAME, 33, 1, 100000, [...u16(1), ...u16(2), ...u16(5060), ...name('sip.example.com')]),
      ...rr(PTR_QNAME, 12, 1, 9, name('ptr.example.net')),
      ...rr(PTR_QNAME, 2, 3, 9, name('ns1.example.com')),
      ...rr(PTR_QNAME, 99, 1, 9, [1, 2, 3]),
      ...rr(PTR_QNAME, 6, 1, 7200, [...name('ns.example.com'), ...name('admin.example.com'), ...u32(2024), ...u32(7200), ...u32(900), ...u32(1209600), ...u32(300)]),
      ...rr(PTR_QNAME, 1, 1, 0, [198, 51, 100, 7]),
      ...opt([...u16(8), ...u16(7), ...u16(1), 24, 0, 10, 1, 2, ...u16(12), ...u16(3), 0, 0, 0], 0x8000),
    ]),
  ],
  ['NXDomain, truncated, authoritative, no recursion', tcp([...header(7, 0x8603, 1, 0, 0, 0), ...question('nope.test', 28)])],
  ['inverse query', tcp([...header(8, 0x0800, 0, 1, 0, 0), ...rr([0], 1, 1, 0, [10, 0, 0, 1])])],
  ['forward compression pointer', tcp([...header(9, 0x8180, 1, 1, 0, 0), ...question('a.b', 1), ...rr([0xc0, 40], 1, 1, 0, [1, 2, 3, 4])])],
  ['two questions, CHAOS class', tcp([...header(10, 0x0100, 2, 0, 0, 0), ...question('version.bind', 16, 3), ...question('x', 1)])],
  ['wrong length prefix', [...u16(99), ...header(11, 0, 1, 0, 0, 0), ...question('x', 1)]],
  ['shorter than a header', tcp([1, 2, 3, 4, 5])],
  ['binary label', tcp([...header(12, 0x0100, 1, 0, 0, 0), 3, 0x61, 0x00, 0xff, 0, ...u16(1), ...u16(1)])],
]; // prettier-ignore

let fileNo = 0;
function diffDns(packets: readonly { data: Uint8Array; cut?: number }[], verbose: number) {
  const file = join(dir, `dns-${fileNo++}.pcap`);
  writeFrames(file, packets);
  return { ...diffTcp(file, { timestampMode: 1, verbose }), file };
}
const frames = MESSAGES.map(([, payload]) => ({ data: tcpFrame({ flags: 0x18, payload, dport: 53 }) }));

describe.runIf(HAVE_TCPDUMP)('DNS over TCP against tcpdump', () => {
  for (const verbose of [0, 1, 2, 3]) {
    it(`prints every hand-built message like tcpdump${verbose ? ` -${'v'.repeat(verbose)}` : ''}`, () => {
      const { tcpPackets, diffs, file } = diffDns(frames, verbose);
      expect(tcpPackets).toBe(MESSAGES.length);
      expect(diffs).toEqual([]);
      if (verbose === 2) {
        // The messages really reach the DNS printer's sections (tcpdump's own text).
        const text = tcpdumpRead(file, ['-t', '-vv']).join('\n');
        for (const s of [
          '17177+ [1au] A? www.tcpdump.org.',
          'SRV sip.example.com.:5060 1 2',
          '<BAD PTR>',
          'ar: . OPT',
        ]) {
          expect(text).toContain(s);
        }
      }
    });
  }

  it('prints every cut of every message like tcpdump (-n and -vv)', () => {
    const cuts: { data: Uint8Array; cut: number }[] = [];
    for (const { data } of frames) {
      for (let cut = ETH_BYTES + IPV4_BYTES + 20; cut < data.length; cut++) cuts.push({ data, cut });
    }
    for (const verbose of [0, 2]) {
      const { tcpPackets, diffs } = diffDns(cuts, verbose);
      expect(tcpPackets).toBe(cuts.length);
      expect(diffs.slice(0, 5)).toEqual([]);
    }
  });
});
