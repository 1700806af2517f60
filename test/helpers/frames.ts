/**
 * @module test/helpers/frames
 * Hand-built Ethernet/IPv4/TCP frames for differential tests against tcpdump: a TCP header with a
 * chosen option area, flags, sequence numbers, ports and payload, and a pcap writer around them.
 */
import { writeFileSync } from 'node:fs';
import { writePcap, type WritablePacket } from '../../src/capture/index.js';

export const ETH_BYTES = 14;
export const IPV4_BYTES = 20;

export interface FrameSpec {
  /** TCP option bytes (padded with NOPs to a multiple of 4, at most 40 used). */
  opts?: readonly number[];
  flags: number;
  payload?: readonly number[] | Uint8Array;
  seq?: number;
  ack?: number;
  sport?: number;
  dport?: number;
}

/** One Ethernet/IPv4/TCP frame (127.0.0.1 -> 127.0.0.2; checksums left zero). */
export function tcpFrame(spec: FrameSpec): Uint8Array {
  const o = [...(spec.opts ?? [])];
  while (o.length % 4) o.push(1);
  const tcpLen = 20 + Math.min(o.length, 40);
  const payload = spec.payload ?? [];
  const f = new Uint8Array(ETH_BYTES + IPV4_BYTES + tcpLen + payload.length);
  const dv = new DataView(f.buffer);
  f.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00]);
  f[ETH_BYTES] = 0x45;
  dv.setUint16(ETH_BYTES + 2, IPV4_BYTES + tcpLen + payload.length);
  f[ETH_BYTES + 8] = 64;
  f[ETH_BYTES + 9] = 6;
  f.set([127, 0, 0, 1, 127, 0, 0, 2], ETH_BYTES + 12);
  const t = ETH_BYTES + IPV4_BYTES;
  dv.setUint16(t, spec.sport ?? 40000);
  dv.setUint16(t + 2, spec.dport ?? 8000);
  dv.setUint32(t + 4, spec.seq ?? 1000);
  dv.setUint32(t + 8, spec.ack ?? 5000);
  f[t + 12] = (tcpLen / 4) << 4;
  f[t + 13] = spec.flags;
  dv.setUint16(t + 14, 512);
  f.set(o.slice(0, 40), t + 20);
  f.set(payload, t + tcpLen);
  return f;
}

/** Write frames (each optionally cut to `cut` captured bytes) as an Ethernet pcap at `file`. */
export function writeFrames(file: string, packets: readonly { data: Uint8Array; cut?: number }[]): void {
  const recs: WritablePacket[] = packets.map((p, i) => ({
    tsNs: BigInt(1_700_000_000 + i) * 1_000_000_000n,
    data: p.cut === undefined ? p.data : p.data.subarray(0, p.cut),
    origLen: p.data.length,
  }));
  writeFileSync(file, writePcap(recs, { linkType: 1 }));
}
