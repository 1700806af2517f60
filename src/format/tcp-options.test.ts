/**
 * Differential tests of the TCP option printer against the installed tcpdump: hand-built option
 * areas for every option kind tcpdump names (valid, bad lengths, MPTCP subtypes for the flags they
 * need), each cut at every captured length, and fast-check generated option areas, are written as
 * a pcap, read by `tcpdump -n` and by our formatter, and must print identical lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ETH_BYTES, IPV4_BYTES, tcpFrame, writeFrames } from '../../test/helpers/frames.js';
import { diffTcp, HAVE_TCPDUMP, tcpdumpRead } from '../../test/helpers/tcpdump.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const ETH = ETH_BYTES;
const IP = IPV4_BYTES;

/** An Ethernet/IPv4/TCP frame whose option area is `opts` (padded with NOPs to 4 bytes). */
const frame = (opts: readonly number[], flags: number, payload = 0, seq = 1000, ack = 5000): Uint8Array =>
  tcpFrame({ opts, flags, payload: new Uint8Array(payload), seq, ack });

let fileNo = 0;
/** Write the frames (each cut to `cut` captured bytes when given) and diff tcpdump vs us. */
function diffFrames(packets: readonly { data: Uint8Array; cut?: number }[]) {
  const file = join(dir, `opts-${fileNo++}.pcap`);
  writeFrames(file, packets);
  return { ...diffTcp(file, { timestampMode: 1 }), file };
}

const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const seqBytes = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** [name, option bytes, flags]: every kind tcpdump prints, valid and malformed. */
const CASES: readonly (readonly [string, number[], number])[] = [
  ['mss', [2, 4, 0xff, 0xd7], SYN],
  ['wscale', [1, 3, 3, 7], SYN],
  ['sackOK', [4, 2, 1, 1], SYN],
  ['sack 2 blocks', [1, 1, 5, 18, ...u32(5100), ...u32(5200), ...u32(5300), ...u32(5400)], ACK],
  ['sack invalid', [5, 7, 1, 2, 3, 4, 5], ACK],
  ['TS', [1, 1, 8, 10, ...u32(123456), ...u32(654321)], ACK],
  ['eol stops', [1, 0, 2, 4, 5, 180], ACK],
  ['echo/echoreply/cc', [6, 6, ...u32(7), 7, 6, ...u32(8), 11, 6, ...u32(9), 12, 6, ...u32(10)], ACK],
  ['md5', [19, 18, ...seqBytes(16), 1, 1], ACK],
  ['scps', [20, 4, 0xab, 3], ACK],
  ['uto minutes', [28, 4, 0x80, 0x0b], ACK],
  ['uto seconds', [28, 4, 0x00, 0x20], ACK],
  ['tcp-ao', [29, 16, 7, 9, ...seqBytes(12, 0xa0)], ACK],
  ['tcp-ao keys only', [29, 4, 1, 2], ACK],
  ['tcp-ao invalid', [29, 3, 1], ACK],
  ['tfo cookiereq', [34, 2], SYN],
  ['tfo cookie', [34, 10, ...seqBytes(8, 9)], SYN],
  ['tfo invalid', [34, 5, 1, 2, 3], SYN],
  ['exp-tfo cookie', [254, 12, 0xf9, 0x89, ...seqBytes(8, 0x30)], SYN],
  ['exp other magic', [254, 6, 0x12, 0x34, 1, 2], SYN],
  ['exp too short', [254, 3, 0xf9], SYN],
  ['unknown kind', [99, 5, 1, 2, 3], ACK],
  ['unknown empty', [77, 2], ACK],
  ['len < 2', [2, 1, 0, 0], SYN],
  ['len > area', [3, 9, 1, 1], SYN],
  ['mss wrong len', [2, 6, 1, 2, 3, 4], SYN],
  ['mptcp capable v0 syn', [30, 12, 0x00, 0x81, ...seqBytes(8, 0x11)], SYN],
  ['mptcp capable v1 syn', [30, 4, 0x01, 0x81], SYN],
  ['mptcp capable ack keys', [30, 20, 0x00, 0x81, ...seqBytes(16, 0x20)], ACK],
  ['mptcp capable v1 data', [30, 22, 0x01, 0x81, ...seqBytes(18, 0x40)], ACK],
  ['mptcp capable bad version', [30, 12, 0x05, 0x00, ...seqBytes(8)], SYN],
  ['mptcp capable wrong flags', [30, 12, 0x00, 0x81, ...seqBytes(8)], ACK],
  ['mptcp join syn', [30, 12, 0x11, 3, ...u32(0xdeadbeef), ...u32(0x01020304)], SYN],
  ['mptcp join synack', [30, 16, 0x10, 4, ...seqBytes(8, 0x50), ...u32(77)], SYN | ACK],
  ['mptcp join ack', [30, 24, 0x10, 0, ...seqBytes(20, 0x60)], ACK],
  ['mptcp dss ack4 seq4', [30, 20, 0x20, 0x05, ...u32(1), ...u32(2), ...u32(3), 0, 9, 0x12, 0x34], ACK],
  ['mptcp dss ack8 fin', [30, 12, 0x20, 0x13, ...seqBytes(8, 0x70)], ACK],
  ['mptcp dss seq8 no csum', [30, 18, 0x20, 0x0c, ...seqBytes(8, 1), ...u32(5), 0, 3], ACK],
  ['mptcp dss bad length', [30, 7, 0x20, 0x01, 1, 2, 3], ACK],
  ['mptcp add-addr v0 ip4', [30, 8, 0x34, 1, 10, 1, 2, 2], ACK],
  ['mptcp add-addr v1 port hmac', [30, 18, 0x30, 2, 10, 0, 0, 1, 0x1f, 0x90, ...seqBytes(8)], ACK],
  ['mptcp add-addr echo', [30, 10, 0x31, 5, 192, 168, 0, 1, 0x00, 0x50], ACK],
  [
    'mptcp add-addr v1 ip6',
    [30, 28, 0x30, 6, 0x20, 1, 0x0d, 0xb8, ...Array<number>(12).fill(0), ...seqBytes(8)],
    ACK,
  ],
  ['mptcp add-addr bad length', [30, 9, 0x30, 1, 1, 2, 3, 4, 5], ACK],
  ['mptcp remove-addr', [30, 6, 0x40, 1, 2, 3], ACK],
  ['mptcp prio', [30, 4, 0x51, 7], ACK],
  ['mptcp prio short', [30, 3, 0x50], ACK],
  ['mptcp fail', [30, 12, 0x60, 0, ...seqBytes(8, 0x90)], ACK],
  ['mptcp fclose', [30, 12, 0x70, 0, ...seqBytes(8, 0xa0)], ACK],
  ['mptcp tcprst', [30, 4, 0x81, 0x02], ACK],
  ['mptcp unknown subtype', [30, 4, 0xf0, 0x00], ACK],
  ['mptcp too short', [30, 2], ACK],
];

describe.runIf(HAVE_TCPDUMP)('TCP options against tcpdump -n', () => {
  it('prints every option kind exactly like tcpdump', () => {
    const { tcpPackets, diffs, file } = diffFrames(CASES.map(([, o, f]) => ({ data: frame(o, f) })));
    expect(tcpPackets).toBe(CASES.length);
    expect(diffs).toEqual([]);
    // The frames really exercise the option printer (tcpdump's own text for a few of them).
    const text = tcpdumpRead(file, ['-t']).join('\n');
    for (const s of [
      'sack 2 {',
      'mptcp 12 capable v0 csum {0x',
      'exp-tfo cookie 303132',
      'tfo  cookiereq',
      'md5 ',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toContain('[bad opt]');
  });

  it('prints every cut of every case (truncation inside the option area) like tcpdump', () => {
    const packets: { data: Uint8Array; cut: number }[] = [];
    for (const [, o, f] of CASES) {
      const data = frame(o, f);
      for (let cut = ETH + IP + 20; cut < data.length; cut++) packets.push({ data, cut });
    }
    const { tcpPackets, diffs } = diffFrames(packets);
    expect(tcpPackets).toBe(packets.length);
    expect(diffs.slice(0, 5)).toEqual([]);
  });

  it('prints SACK blocks relative to the connection like tcpdump (and payload-bearing segments)', () => {
    const sack = [1, 1, 5, 10, ...u32(3_000_000_100), ...u32(3_000_000_200)];
    const packets = [
      { data: frame([2, 4, 5, 180], SYN, 0, 2_000_000_000, 0) },
      { data: frame([2, 4, 5, 180], SYN | ACK, 0, 3_000_000_000, 2_000_000_001) },
      { data: frame(sack, ACK | PSH, 10, 2_000_000_001, 3_000_000_001) },
      {
        data: frame(
          [1, 1, 5, 10, ...u32(2_000_000_050), ...u32(2_000_000_060)],
          ACK,
          0,
          3_000_000_001,
          2_000_000_011,
        ),
      },
    ];
    // The fourth goes the other way: swap the addresses and ports.
    const back = packets[3]?.data;
    if (!back) throw new Error('unreachable');
    back.set([127, 0, 0, 2, 127, 0, 0, 1], ETH + 12);
    back.set([0x1f, 0x40, 0x9c, 0x40], ETH + IP);
    const { tcpPackets, diffs } = diffFrames(packets);
    expect(tcpPackets).toBe(4);
    expect(diffs).toEqual([]);
  });

  it('matches tcpdump on generated option areas (fast-check, cut at random lengths)', () => {
    const KINDS = [0, 1, 2, 3, 4, 5, 8, 19, 20, 28, 29, 30, 34, 254, 6, 99];
    const option = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...KINDS),
          fc.integer({ min: 0, max: 40 }),
          fc.array(fc.nat(255), { maxLength: 38 }),
        )
        .map(([k, l, d]) => (k <= 1 ? [k] : [k, l, ...d.slice(0, Math.max(0, l - 2))])),
      fc
        .tuple(fc.nat(255), fc.array(fc.nat(255), { maxLength: 24 }))
        .map(([sub, d]) => [30, d.length + 3, sub, ...d]),
    );
    const packet = fc.record({
      opts: fc.array(option, { maxLength: 5 }).map((os) => os.flat().slice(0, 40)),
      flags: fc.constantFrom(SYN, ACK, SYN | ACK, ACK | PSH, 0),
      cut: fc.nat(80),
    });
    fc.assert(
      fc.property(fc.array(packet, { minLength: 150, maxLength: 150 }), (ps) => {
        const frames = ps.map(({ opts, flags, cut }) => {
          const data = frame(opts, flags);
          return { data, cut: Math.min(data.length, ETH + IP + 20 + cut) };
        });
        const { diffs } = diffFrames(frames);
        expect(diffs.slice(0, 3)).toEqual([]);
      }),
      { numRuns: 4 },
    );
  });
});
