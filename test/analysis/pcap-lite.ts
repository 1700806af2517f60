/**
 * @module test/analysis/pcap-lite
 * A deliberately small pcap (not pcapng) reader and Ethernet/IPv4/IPv6/TCP decoder for the
 * analysis integration tests, so they do not depend on the decoder/capture areas' progress.
 * Test-only; the product uses src/capture and src/wire.
 */
import { readFileSync } from 'node:fs';
import type { DecodedPacket, TcpOption } from '../../src/wire/packet.js';

function options(b: Buffer, start: number, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  let i = start;
  while (i < end) {
    const kind = b[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      out.push({ kind: 'nop' });
      i++;
      continue;
    }
    const len = b[i + 1] ?? 0;
    if (len < 2 || i + len > end) break;
    if (kind === 2) out.push({ kind: 'mss', mss: b.readUInt16BE(i + 2) });
    else if (kind === 3) out.push({ kind: 'wscale', shift: b[i + 2]! });
    else if (kind === 4) out.push({ kind: 'sackOK' });
    else if (kind === 8) out.push({ kind: 'ts', val: b.readUInt32BE(i + 2), ecr: b.readUInt32BE(i + 6) });
    else out.push({ kind: 'unknown', code: kind, data: '' });
    i += len;
  }
  return out;
}

/** Read every packet of a little-endian pcap file with Ethernet link type. */
export function readPcapLite(path: string): DecodedPacket[] {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nano) throw new Error(`not a little-endian pcap: ${magic.toString(16)}`);
  const linkType = b.readUInt32LE(20);
  if (linkType !== 1) throw new Error(`link type ${linkType} not supported by pcap-lite`);
  const out: DecodedPacket[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = b.readUInt32LE(off);
    const frac = b.readUInt32LE(off + 4);
    const caplen = b.readUInt32LE(off + 8);
    const origLen = b.readUInt32LE(off + 12);
    const p = off + 16;
    off = p + caplen;
    const tsNs = BigInt(sec) * 1_000_000_000n + BigInt(nano ? frac : frac * 1000);
    const etherType = b.readUInt16BE(p + 12);
    let ipOff = p + 14;
    let version: 4 | 6;
    let src: string, dst: string, proto: number, ipHeaderLength: number, ipPayload: number;
    if (etherType === 0x0800) {
      version = 4;
      ipHeaderLength = (b[ipOff]! & 0x0f) * 4;
      ipPayload = b.readUInt16BE(ipOff + 2) - ipHeaderLength;
      proto = b[ipOff + 9]!;
      src = [...b.subarray(ipOff + 12, ipOff + 16)].join('.');
      dst = [...b.subarray(ipOff + 16, ipOff + 20)].join('.');
    } else if (etherType === 0x86dd) {
      version = 6;
      ipHeaderLength = 40;
      ipPayload = b.readUInt16BE(ipOff + 4);
      proto = b[ipOff + 6]!;
      const v6 = (o: number) => {
        const groups: string[] = [];
        for (let k = 0; k < 16; k += 2) groups.push(b.readUInt16BE(o + k).toString(16));
        return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
      };
      src = v6(ipOff + 8);
      dst = v6(ipOff + 24);
    } else {
      out.push({
        tsNs,
        caplen,
        origLen,
        link: { linkType },
        payloadOffset: 0,
        payloadLength: 0,
        capturedPayloadLength: 0,
      });
      continue;
    }
    const ip = {
      version,
      src,
      dst,
      protocol: proto,
      ttl: 64,
      headerLength: ipHeaderLength,
      payloadLength: ipPayload,
      id: 0,
      fragmentOffset: 0,
      moreFragments: false,
    } as const;
    if (proto !== 6) {
      out.push({
        tsNs,
        caplen,
        origLen,
        link: { linkType },
        ip,
        payloadOffset: 0,
        payloadLength: 0,
        capturedPayloadLength: 0,
      });
      continue;
    }
    const t = ipOff + ipHeaderLength;
    ipOff = t;
    const hl = (b[t + 12]! >> 4) * 4;
    const payloadLength = ipPayload - hl;
    out.push({
      tsNs,
      caplen,
      origLen,
      link: { linkType },
      ip,
      tcp: {
        srcPort: b.readUInt16BE(t),
        dstPort: b.readUInt16BE(t + 2),
        seq: b.readUInt32BE(t + 4),
        ack: b.readUInt32BE(t + 8),
        headerLength: hl,
        flags: b.readUInt16BE(t + 12) & 0x1ff,
        window: b.readUInt16BE(t + 14),
        checksum: b.readUInt16BE(t + 16),
        urgentPointer: b.readUInt16BE(t + 18),
        options: options(b, t + 20, t + hl),
      },
      payloadOffset: t + hl - p,
      payloadLength,
      capturedPayloadLength: Math.min(payloadLength, caplen - (t + hl - p)),
    });
  }
  return out;
}
