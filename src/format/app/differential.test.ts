/**
 * @module format/app/differential.test
 * formatTcpPayload against the installed tcpdump: (1) every TCP payload in the conformance captures
 * cut at many lengths, (2) thousands of synthetic segments (text lines, DNS messages with
 * compression and odd records, SSH banners, BGP and OpenFlow headers) on each dispatched port,
 * some cut inside the payload. Each set is written to a temporary pcap, read back by
 * `tcpdump -n -r` (and -v/-vv), and every packet's text after `length N` must be equal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../capture/index.js';
import { decodePacket } from '../../wire/index.js';
import { formatTcpPayload } from './index.js';

const CONFORMANCE = '/work/shared/conformance/tcpdump-tests';
/**
 * Ports whose synthetic segments are compared under -v too. BGP and OpenFlow -v bodies are decoded
 * only for the message kinds the conformance captures hold, so random ones are compared at -n only.
 */
const VERBOSE_PORTS = new Set([21, 22, 23, 25, 43, 53, 80, 554, 8080, 5555]);
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  readonly data: Uint8Array;
  readonly origLen: number;
}

function writePcap(name: string, linkType: number, recs: readonly Rec[]): string {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(linkType, 20);
  parts.push(h);
  recs.forEach((r, i) => {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(i, 0);
    rh.writeUInt32LE(r.data.length, 8);
    rh.writeUInt32LE(r.origLen, 12);
    parts.push(rh, Buffer.from(r.data));
  });
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** tcpdump's text for each packet (a block starts with its timestamp). */
function tcpdumpBlocks(file: string, verbose: number): string[] {
  const args = ['-n', '-r', file];
  if (verbose > 0) args.push(`-${'v'.repeat(verbose)}`);
  const r = spawnSync('tcpdump', args, {
    env: { ...process.env, TZ: 'UTC' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  const blocks: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (/^\d\d:\d\d:\d\d\.\d{6} /.test(line)) blocks.push(line);
    else if (line !== '' && blocks.length > 0) blocks[blocks.length - 1] += `\n${line}`;
  }
  return blocks;
}

/**
 * Compare every TCP packet with payload in `file`; returns readable mismatches. `skip` drops
 * packets the test does not cover (e.g. -v bodies not implemented).
 */
function compareFile(
  file: string,
  verbose: number,
  skip: (sport: number, dport: number) => boolean,
): { bad: string[]; compared: number } {
  const blocks = tcpdumpBlocks(file, verbose);
  const res = readCaptureBuffer(new Uint8Array(readFileSync(file)));
  const bad: string[] = [];
  let compared = 0;
  res.records.forEach((rec, i) => {
    const d = decodePacket(rec);
    if (!d.tcp || d.payloadLength <= 0 || d.payloadOffset < 0) return;
    if (verbose > 0 && (d.tcp.flags & 0x04) !== 0) return; // RST data under -v: the TCP printer's
    if (skip(d.tcp.srcPort, d.tcp.dstPort)) return;
    const text = blocks[i] ?? '';
    const flagsAt = text.indexOf('Flags [');
    const key = `, length ${d.payloadLength}`;
    const at = flagsAt < 0 ? -1 : text.indexOf(key, flagsAt);
    if (at < 0) return; // tcpdump stopped inside the TCP header: the app printer is not reached
    const want = text.slice(at + key.length);
    const capEnd = Math.min(rec.data.length, d.payloadOffset + d.payloadLength);
    const { srcPort, dstPort } = d.tcp;
    const got = formatTcpPayload(
      rec.data,
      d.payloadOffset,
      d.payloadLength,
      capEnd,
      srcPort,
      dstPort,
      verbose,
    );
    compared++;
    if (got !== want && bad.length < 5) {
      const hex = Buffer.from(rec.data.subarray(d.payloadOffset, capEnd)).toString('hex').slice(0, 200);
      bad.push(
        `#${i + 1} ${srcPort}>${dstPort} -v${verbose} payload ${hex}\n want ${JSON.stringify(want)}\n got  ${JSON.stringify(got)}`,
      );
    }
  });
  return { bad, compared };
}

const conformanceFiles = readdirSync(CONFORMANCE).filter((f) => /\.pcap(ng)?$/.test(f));

/** Each TCP payload packet of a capture, cut at the first 48 payload lengths and 16 more spread out. */
function cutsOf(file: string): Map<number, Rec[]> {
  const res = readCaptureBuffer(new Uint8Array(readFileSync(join(CONFORMANCE, file))));
  const byLink = new Map<number, Rec[]>();
  for (const rec of res.records) {
    const d = decodePacket(rec);
    if (!d.tcp || d.payloadLength <= 0 || d.capturedPayloadLength <= 0) continue;
    const cuts = new Set<number>();
    const n = d.capturedPayloadLength;
    for (let k = 0; k <= Math.min(n, 48); k++) cuts.add(k);
    for (let k = 1; k <= 16; k++) cuts.add(Math.floor((n * k) / 16));
    const list = byLink.get(rec.linkType) ?? [];
    for (const k of cuts)
      list.push({ data: rec.data.subarray(0, d.payloadOffset + k), origLen: rec.origLen });
    byLink.set(rec.linkType, list);
  }
  return byLink;
}

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, a: readonly T[]): T => a[int(r, a.length)] as T;
const bytes = (s: string): number[] => Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);
const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

const WORDS = [
  'GET',
  'get',
  'POST',
  'HTTP/1.1',
  '200',
  'OK',
  '404',
  '1234',
  'PLAY',
  'OPTIONS',
  '220',
  'x',
  '/',
  '',
];
const ENDS = ['\r\n', '\n', '\r', '\r\n', '', '\x01', '\xe9', '\t\r\n'];
function textPayload(r: Rand): number[] {
  if (r() < 0.1) return bytes(`${'A'.repeat(120 + int(r, 16))} 200 x\r\n`);
  let s = '';
  for (let i = 0, n = 1 + int(r, 6); i < n; i++)
    s += `${pick(r, WORDS)}${pick(r, [' ', '  ', '\t', ''])}${pick(r, WORDS)} ${pick(r, WORDS)}${pick(r, ENDS)}`;
  return bytes(s);
}

/** A domain name: labels (sometimes odd bytes), then a backward or bad pointer, a bad label or root. */
function dnsName(r: Rand, at: number, seen: number[]): number[] {
  const out: number[] = [];
  for (let i = 0, n = int(r, 4); i < n; i++) {
    const l = 1 + int(r, r() < 0.05 ? 70 : 8);
    out.push(l);
    for (let j = 0; j < l; j++) out.push(r() < 0.05 ? int(r, 256) : 97 + int(r, 26));
  }
  const p = seen.length > 0 && r() < 0.5 ? pick(r, seen) : -1;
  const odd = r();
  if (p >= 0) out.push(0xc0 | (p >> 8), p & 0xff);
  else if (odd < 0.03)
    out.push(0x41, int(r, 20)); // bit-string label
  else if (odd < 0.06)
    out.push(0xc0 | int(r, 4), int(r, 256)); // pointer anywhere
  else out.push(0);
  seen.push(at);
  return out;
}

const RR_TYPES = [1, 28, 5, 15, 16, 2, 12, 6, 41, 33, 38, 256, 104, 250, 39, 47, 99];
function rdata(r: Rand, t: number, at: number, seen: number[]): number[] {
  if (t === 1) return [10, 0, 0, int(r, 256)];
  if (t === 28) return Array.from({ length: 16 }, (_, k) => (k < 10 ? 0 : int(r, 3)));
  if ([5, 2, 12, 39].includes(t)) return dnsName(r, at, seen);
  if (t === 15) return [0, int(r, 20), ...dnsName(r, at + 2, seen)];
  if (t === 33) return [0, 1, 0, 2, 0x1f, 0x90, ...dnsName(r, at + 6, seen)];
  if (t === 6) {
    const m = dnsName(r, at, seen);
    return [...m, ...dnsName(r, at + m.length, seen), ...Array.from({ length: 20 }, () => int(r, 256))];
  }
  if (t === 16) {
    const out: number[] = [];
    for (let j = 0, k = 1 + int(r, 3); j < k; j++) {
      const l = int(r, 6);
      out.push(l, ...Array.from({ length: l }, () => 32 + int(r, 100)));
    }
    return out;
  }
  if (t === 41) {
    const out: number[] = [];
    for (let j = 0, k = int(r, 3); j < k; j++) {
      const code = pick(r, [3, 8, 10, 12, 5, 15, 99]);
      if (code === 8) out.push(0, 8, 0, 7, 0, 1, 24, 0, 192, 168, 1);
      else {
        const l = int(r, 10);
        out.push(0, code, 0, l, ...Array.from({ length: l }, () => int(r, 256)));
      }
    }
    return out;
  }
  return Array.from({ length: int(r, 12) }, () => int(r, 256));
}

function dnsPayload(r: Rand): number[] {
  const qd = r() < 0.8 ? 1 : int(r, 3);
  const [an, ns, ar] = [int(r, 4), int(r, 2), int(r, 3)];
  const m = [...u16(int(r, 65536)), ...u16(int(r, 65536)), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
  const seen: number[] = [];
  for (let i = 0; i < qd; i++)
    m.push(
      ...dnsName(r, m.length, seen),
      ...u16(pick(r, [1, 28, 5, 15, 16, 255, 33, 41, 300])),
      0,
      pick(r, [1, 3, 255]),
    );
  for (let i = 0; i < an + ns + ar; i++) {
    m.push(...dnsName(r, m.length, seen));
    const t = pick(r, RR_TYPES);
    m.push(...u16(t), ...u16(t === 41 ? 512 + int(r, 4000) : pick(r, [1, 1, 3, 0x8001])));
    m.push(int(r, 256), int(r, 256), int(r, 256), int(r, 256));
    const rd = rdata(r, t, m.length + 2, seen);
    m.push(...u16(r() < 0.05 ? int(r, 40) : rd.length), ...rd);
  }
  if (r() < 0.1) m[int(r, m.length)] = int(r, 256);
  if (r() < 0.05) m.length = int(r, m.length);
  return [...u16(r() < 0.05 ? int(r, 65536) : m.length), ...m];
}

const BANNERS = [
  'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
  'SSH-1.99-x\n',
  'SSH-2.0-x\r',
  'SSH-2.0-\x01x\r\n',
  'SSX-',
];
function records(
  r: Rand,
  marker: number[],
  sizes: readonly number[],
  head: (l: number) => number[],
): number[] {
  const m: number[] = [];
  for (let i = 0, k = 1 + int(r, 3); i < k; i++) {
    const l = pick(r, sizes);
    m.push(
      ...marker,
      ...head(l),
      ...Array.from({ length: Math.max(0, l - marker.length - 4) }, () => int(r, 256)),
    );
  }
  if (r() < 0.2) m.length = int(r, m.length);
  return m;
}

/** Payload generators per port (23 and 5555 check that unimplemented/unknown ports print nothing). */
const PORT_GENERATORS: readonly (readonly [number, (r: Rand) => number[]])[] = [
  ...[80, 8080, 554, 21, 25, 43, 23, 5555].map((p) => [p, textPayload] as const),
  [53, dnsPayload],
  [53, dnsPayload],
  [22, (r) => bytes(pick(r, BANNERS))],
  [
    179,
    (r) => records(r, new Array<number>(16).fill(0xff), [19, 23, 30, 18], (l) => [...u16(l), 1 + int(r, 6)]),
  ],
  ...[6633, 6653].map(
    (p) =>
      [
        p,
        (r: Rand) =>
          records(r, [pick(r, [1, 4, 9]), int(r, 25)], [8, 12, 16, 4, 0, 24], (l) => [...u16(l), 0, 0]),
      ] as const,
  ),
];

/** An Ethernet/IPv4/TCP frame carrying `payload` between `port` and an ephemeral port. */
function frameFor(port: number, payload: number[], r: Rand, seq: number): Uint8Array {
  if (payload.length === 0) payload = [0x41];
  const other = 40000 + int(r, 1000);
  const [sport, dport] = r() < 0.5 ? [other, port] : [port, other];
  const f = Buffer.alloc(54 + payload.length);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(40 + payload.length, 16);
  f[22] = 64;
  f[23] = 6;
  f.writeUInt32BE(0x0a000001, 26);
  f.writeUInt32BE(0x0a000002, 30);
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt32BE(1000 + seq, 38);
  f.writeUInt32BE(5, 42);
  f[46] = 0x50;
  f[47] = 0x18;
  f.writeUInt16BE(1000, 48);
  Buffer.from(payload).copy(f, 54);
  return new Uint8Array(f);
}

describe('formatTcpPayload equals tcpdump 4.99.3', () => {
  it.each(conformanceFiles)('%s: every payload packet, -n to -vvv, whole and cut', (file) => {
    const bad: string[] = [];
    let compared = 0;
    const cuts = [...cutsOf(file)].map(([linkType, recs]) =>
      writePcap(`${file}-${linkType}-cut.pcap`, linkType, recs),
    );
    for (const v of [0, 1, 2, 3]) {
      for (const f of [join(CONFORMANCE, file), ...cuts]) {
        const r = compareFile(f, v, () => false);
        bad.push(...r.bad);
        compared += r.compared;
      }
    }
    expect(bad).toEqual([]);
    // Captures whose TCP payloads the printers see must have been compared at all.
    if (cuts.length > 0 && !/heapoverflow/.test(file)) expect(compared).toBeGreaterThan(0);
  });

  it.each([0, 1, 2, 3])('synthetic segments on every dispatched port, -v x%i', (verbose) => {
    const rand = rng(0x5eed + verbose);
    const recs: Rec[] = [];
    for (let i = 0; i < 3000; i++) {
      const [port, gen] = PORT_GENERATORS[Math.floor(rand() * PORT_GENERATORS.length)] ?? PORT_GENERATORS[0]!;
      const frame = frameFor(port, gen(rand), rand, i);
      const cutAt = rand() < 0.3 ? 54 + Math.floor(rand() * (frame.length - 54)) : frame.length;
      recs.push({ data: frame.subarray(0, cutAt), origLen: frame.length });
    }
    const file = writePcap(`synthetic-${verbose}.pcap`, 1, recs);
    const skip = (s: number, d: number): boolean =>
      verbose > 0 && !VERBOSE_PORTS.has(s) && !VERBOSE_PORTS.has(d);
    const r = compareFile(file, verbose, skip);
    expect(r.bad).toEqual([]);
    expect(r.compared).toBeGreaterThan(verbose > 0 ? 1500 : 2500);
  });
});
