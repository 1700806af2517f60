/**
 * @module analysis/frame-path.test
 * The engine has two doors: `add` (decoded packets, used by `--explain`) and `addBytes` (frames
 * decoded in place, used by `--summary`). Both must reach the same conclusions on every packet
 * and connection: checked on the conformance captures, the seed capture, and a synthetic capture
 * of many connections with port reuse, resets, connections left open and a full flow table.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer, type CaptureRecord } from '../capture/index.js';
import { writePcap } from '../capture/writer.js';
import { decodePacket } from '../wire/decode.js';
import type { DecodedPacket } from '../wire/packet.js';
import { TcpAnalyzer, type AnalyzerOptions } from './engine.js';
import { renderSummaryText } from './summary-stream.js';
import { runSummary, startSummary } from './run.js';
import { Conversation } from './test-builder.js';

const root = resolve(import.meta.dirname, '../..');
const conformance = resolve(root, '../shared/conformance/tcpdump-tests');
if (!existsSync(conformance)) throw new Error(`conformance captures not found at ${conformance}`);

/** Ethernet + IPv4 + TCP bytes for a hand-made packet (options: MSS, wscale, SACK-permitted, TS). */
function encode(p: DecodedPacket): Uint8Array {
  const ip = p.ip!;
  const tcp = p.tcp!;
  const opts: number[] = [];
  for (const o of tcp.options) {
    if (o.kind === 'mss') opts.push(2, 4, o.mss >> 8, o.mss & 255);
    else if (o.kind === 'wscale') opts.push(1, 3, 3, o.shift);
    else if (o.kind === 'sackOK') opts.push(1, 1, 4, 2);
    else if (o.kind === 'ts') opts.push(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0);
  }
  while (opts.length % 4) opts.push(0);
  const thl = 20 + opts.length;
  const b = new Uint8Array(14 + 20 + thl + p.payloadLength);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800);
  const o = 14;
  b[o] = 0x45;
  v.setUint16(o + 2, 20 + thl + p.payloadLength);
  b[o + 8] = 64;
  b[o + 9] = 6;
  ip.src.split('.').forEach((x, i) => (b[o + 12 + i] = Number(x)));
  ip.dst.split('.').forEach((x, i) => (b[o + 16 + i] = Number(x)));
  const t = o + 20;
  v.setUint16(t, tcp.srcPort);
  v.setUint16(t + 2, tcp.dstPort);
  v.setUint32(t + 4, tcp.seq);
  v.setUint32(t + 8, tcp.ack);
  v.setUint16(t + 12, ((thl / 4) << 12) | tcp.flags);
  v.setUint16(t + 14, tcp.window);
  b.set(opts, t + 20);
  return b;
}

/** Many connections: normal closes, port reuse, resets, refused, data after FIN, open ones. */
function syntheticCapture(): Uint8Array {
  const packets: DecodedPacket[] = [];
  let t = 1_700_000_000_123_456_789n;
  for (let i = 0; i < 400; i++) {
    const port = 40000 + (i % 150); // ports come back: reuse with a new ISN
    const conv = new Conversation({
      client: { addr: `10.0.${i % 3}.1`, port },
      server: { addr: '10.0.9.9', port: 8080 },
      clientIsn: 1000 + i * 7919,
      startNs: t,
      stepNs: 7_000n + BigInt(i % 5) * 1_000_000n,
    });
    if (i % 11 === 0) conv.raw('c', 'S', conv.nxt.c - 1, 0).raw('s', 'R.', 0, conv.nxt.c);
    else {
      conv
        .handshake()
        .data('c', 100 + i)
        .ack('s')
        .data('s', 1000);
      if (i % 7 === 0) conv.rst('c');
      else if (i % 13 === 0) conv.fin('s').ack('c').data('c', 10).rst('s');
      else if (i % 17 !== 0) conv.fin('c').ack('s').fin('s').ack('c');
    }
    packets.push(...conv.packets);
    t = conv.tsNs + 300_000_000n;
  }
  return writePcap(
    packets.map((p) => {
      const data = encode(p);
      return { tsNs: p.tsNs, data, origLen: data.length };
    }),
    { linkType: 1, snaplen: 262144 },
  );
}

function bothWays(records: readonly CaptureRecord[], options: AnalyzerOptions = {}) {
  const slow = new TcpAnalyzer(options);
  const fast = new TcpAnalyzer(options);
  const slowPackets = records.map((r, i) => slow.add(decodePacket(r), i));
  const fastPackets = records.map((r) => {
    const buf = new Uint8Array(r.data.length + 16).fill(0x5a);
    buf.set(r.data, 9);
    return fast.addBytes(buf, 9, r.caplen, r.linkType, r.tsSec, r.tsFracNs);
  });
  return {
    slow: { packets: slowPackets, ...slow.finish() },
    fast: { packets: fastPackets, ...fast.finish() },
  };
}

const captures: [string, Uint8Array][] = [
  ...readdirSync(conformance)
    .sort()
    .map((n): [string, Uint8Array] => [n, new Uint8Array(readFileSync(join(conformance, n)))]),
  ['close-wait-client.pcap', new Uint8Array(readFileSync(join(root, 'fixtures/close-wait-client.pcap')))],
  ['synthetic', syntheticCapture()],
];

describe('add (decoded packets) and addBytes (frames in place) agree', () => {
  it.each(captures)('%s: every packet and every connection', (_name, bytes) => {
    const { records } = readCaptureBuffer(bytes);
    const { slow, fast } = bothWays(records);
    expect(fast.packets).toEqual(slow.packets);
    expect(fast.connections).toEqual(slow.connections);
    expect(fast.stats).toEqual(slow.stats);
  });

  it('with a small table: evictions of closed and open connections, same results', () => {
    const { records } = readCaptureBuffer(syntheticCapture());
    const { slow, fast } = bothWays(records, { maxConnections: 5, perPacket: false });
    expect(slow.stats.evictedOpen + slow.stats.evictedClosed).toBeGreaterThan(10);
    expect(fast.connections).toEqual(slow.connections);
    expect(fast.stats).toEqual(slow.stats);
  });
});

describe('the synthetic capture', () => {
  const { records } = readCaptureBuffer(syntheticCapture());
  const { slow } = bothWays(records);

  it('has every connection exactly once, in id order, with the expected variety', () => {
    const ids = slow.connections.map((c) => c.id);
    expect(ids).toEqual(Array.from({ length: slow.stats.connections }, (_, i) => i + 1));
    const states = new Set(slow.connections.map((c) => c.connState));
    for (const s of ['SF', 'REJ', 'RSTO', 'RSTR', 'S1']) expect(states).toContain(s);
    expect(slow.connections.some((c) => c.flagCounts['reused-ports'])).toBe(true);
  });

  it('streams the same summary text as the collected summaries, whatever the reorder buffer', async () => {
    const whole = renderSummaryText(slow.connections, slow.stats);
    for (const maxPending of [1, 3, 1000]) {
      const parts: Uint8Array[] = [];
      // A tiny reorder buffer writes rows early (out of order): same rows, same tally.
      const run = startSummary((b) => parts.push(b), { maxPending });
      records.forEach((r) => run.analyzer.addBytes(r.data, 0, r.caplen, r.linkType, r.tsSec, r.tsFracNs));
      run.end();
      const text = Buffer.concat(parts).toString('utf8');
      const sortRows = (s: string) => s.split('\n').sort();
      if (maxPending === 1000) expect(text.replace(/\n$/, '')).toBe(whole);
      else expect(sortRows(text)).toEqual(sortRows(whole + '\n'));
    }
    const viaPackets = await runSummary(records.map((r) => decodePacket(r)));
    expect(viaPackets.text).toBe(whole);
  });
});
