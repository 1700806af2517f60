/**
 * Differential tests against the real tcpdump: the suite makes its own captures on loopback with
 * real traffic (IPv4 and ::1; handshake, data both ways, a bulk transfer, FIN and RST closes, a
 * refused connect, window scaling and timestamps as Linux negotiates them, `-i any` for SLL2 and
 * SLL v1, nanosecond captures, a short snaplen), rewrites them as pcapng and big-endian pcap with
 * our writer (and the Ethernet one with 802.1Q and QinQ tags inserted), then requires every TCP packet printed identically by `tcpdump -n -r` and tcpscope, for
 * every timestamp style, -S and -v.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer, writePcap, writePcapng } from '../../src/capture/index.js';
import type { TcpdumpFormatOptions } from '../../src/format/index.js';
import { diffTcp, HAVE_TCPDUMP, IS_ROOT, startCapture, tcpdumpRead } from '../helpers/tcpdump.js';
import { closedPort, exchange, listen, refusedConnect, replyThenEnd, resetClose } from './traffic.js';

const canCapture = HAVE_TCPDUMP && IS_ROOT;
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-diff-'));
const servers: net.Server[] = [];

interface Made {
  name: string;
  path: string;
}
const captures: Made[] = [];

async function makeCapture(name: string, host: string, tcpdumpArgs: string[]): Promise<void> {
  const a = await listen(host, replyThenEnd(200));
  servers.push(a.server);
  const refused = await closedPort(host);
  const path = join(dir, `${name}.pcap`);
  const filter = ['tcp', 'and', '(', 'port', String(a.port), 'or', 'port', String(refused), ')'];
  const cap = await startCapture(path, [...tcpdumpArgs, ...filter]);
  try {
    await exchange(host, a.port, 58, 3 * 1024 * 1024);
    await resetClose(host, a.port);
    await refusedConnect(host, refused);
  } finally {
    await cap.stop();
  }
  captures.push({ name, path });
}

/** The frame with 802.1Q/802.1ad tags `[tpid, vid]` inserted after the Ethernet addresses. */
function withVlanTags(frame: Uint8Array, tags: readonly (readonly [number, number])[]): Uint8Array {
  const out = new Uint8Array(frame.length + 4 * tags.length);
  out.set(frame.subarray(0, 12));
  let o = 12;
  for (const [tpid, vid] of tags) {
    out.set([tpid >> 8, tpid & 0xff, vid >> 8, vid & 0xff], o);
    o += 4;
  }
  out.set(frame.subarray(12), o);
  return out;
}

const VLAN_TAGS = {
  vlan: [[0x8100, 5]],
  qinq: [
    [0x88a8, 100],
    [0x8100, 7],
  ],
} as const;

/** Rewrite a capture with our writer (pcapng, big-endian pcap, or Ethernet frames VLAN-tagged). */
function rewrite(src: Made, as: 'pcapng' | 'pcap-be' | 'vlan' | 'qinq'): Made {
  const res = readCaptureBuffer(new Uint8Array(readFileSync(src.path)));
  const info = res.info!;
  const tags = as === 'vlan' || as === 'qinq' ? VLAN_TAGS[as] : [];
  const packets = res.records.map((r) => ({
    tsNs: r.tsNs,
    data: tags.length ? withVlanTags(r.data, tags) : r.data,
    origLen: r.origLen + 4 * tags.length,
  }));
  const nano = info.precision === 'nano';
  const bytes =
    as === 'pcapng'
      ? writePcapng(packets, {
          byteOrder: 'big',
          interfaces: [{ linkType: info.linkType, snaplen: info.fileSnaplen, tsResol: nano ? 9 : 6 }],
        })
      : writePcap(packets, {
          linkType: info.linkType,
          snaplen: info.fileSnaplen,
          byteOrder: as === 'pcap-be' ? 'big' : 'little',
          precision: nano ? 'nano' : 'micro',
        });
  const path = join(dir, `${src.name}.${as}`);
  writeFileSync(path, bytes);
  return { name: `${src.name} as ${as}`, path };
}

beforeAll(async () => {
  if (!canCapture) return;
  await makeCapture('ipv4-lo', '127.0.0.1', ['-i', 'lo']);
  await makeCapture('ipv6-lo', '::1', ['-i', 'lo']);
  await makeCapture('ipv4-any-sll2', '127.0.0.1', ['-i', 'any', '-y', 'LINUX_SLL2']);
  await makeCapture('ipv6-any-sll', '::1', ['-i', 'any', '-y', 'LINUX_SLL']);
  await makeCapture('ipv6-nano', '::1', ['-i', 'lo', '--time-stamp-precision', 'nano']);
  await makeCapture('ipv4-snaplen-80', '127.0.0.1', ['-i', 'lo', '-s', '80']);
  const originals = [...captures];
  for (const c of originals) captures.push(rewrite(c, 'pcapng'), rewrite(c, 'pcap-be'));
  // Ethernet captures again with one 802.1Q tag and with an 802.1ad + 802.1Q pair (QinQ).
  const lo = originals.find((c) => c.name === 'ipv4-lo')!;
  captures.push(rewrite(lo, 'vlan'), rewrite(lo, 'qinq'));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  if (!process.env.KEEP_DIFF) rmSync(dir, { recursive: true, force: true });
});

const optionSets: [string, TcpdumpFormatOptions][] = [
  ['default', {}],
  ['-t', { timestampMode: 1 }],
  ['-tt', { timestampMode: 2 }],
  ['-ttt', { timestampMode: 3 }],
  ['-tttt', { timestampMode: 4 }],
  ['-ttttt', { timestampMode: 5 }],
  ['-S', { absoluteSeq: true }],
  ['-v', { verbose: 1 }],
  ['-vv', { verbose: 2 }],
  ['-ttt -S', { timestampMode: 3, absoluteSeq: true }],
  ['nano', { nano: true }],
  ['-tt nano -v -S', { timestampMode: 2, nano: true, verbose: 1, absoluteSeq: true }],
];

describe.runIf(canCapture)('tcpscope read vs tcpdump -n -r on captures of real loopback traffic', () => {
  it('made the captures it compares', () => {
    expect(captures.length).toBe(20);
    for (const c of captures) {
      const blocks = tcpdumpRead(c.path);
      // handshake, FIN, RST and the refused SYN/RST all present, window scaling negotiated
      const has = (re: RegExp): boolean => blocks.some((b) => re.test(b));
      const seen = {
        file: c.name,
        syn: has(/Flags \[S\]/),
        rst: has(/Flags \[R\.\]/),
        fin: has(/Flags \[F[P]?\.\]/),
        wscale: has(/wscale/),
      };
      expect(seen).toEqual({ file: c.name, syn: true, rst: true, fin: true, wscale: true });
    }
  });

  it('rewritten files print like the originals under tcpdump itself', () => {
    for (const c of captures.filter((x) => !x.name.includes(' as '))) {
      const orig = tcpdumpRead(c.path);
      expect(tcpdumpRead(join(dir, `${c.name}.pcapng`))).toEqual(orig);
      expect(tcpdumpRead(join(dir, `${c.name}.pcap-be`))).toEqual(orig);
    }
  });

  for (const [label, opts] of optionSets) {
    it(`every TCP packet identical with ${label}`, () => {
      let total = 0;
      for (const c of captures) {
        const { tcpPackets, diffs } = diffTcp(c.path, opts);
        total += tcpPackets;
        expect({ file: c.name, diffs: diffs.slice(0, 3) }).toEqual({ file: c.name, diffs: [] });
      }
      expect(total).toBeGreaterThan(100);
    });
  }
});

describe('capture prerequisites', () => {
  it('runs as root with tcpdump in CI', () => {
    if (!canCapture) console.warn('not root or no tcpdump: the differential captures were skipped');
    expect(canCapture || process.env.CI !== 'true').toBe(true);
  });
});
