/**
 * @module capture/samples
 * Three synthetic packets (odd sizes, a truncated one, a nanosecond stamp) used by the capture
 * tests and handy for examples. Not network traffic: the bytes are a counting pattern. Pure.
 */
import type { WritablePacket } from './writer.js';

const pattern = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** @example writePcap(SAMPLE_PACKETS, { linkType: 1 }) */
export const SAMPLE_PACKETS: readonly WritablePacket[] = [
  { tsNs: 1_700_000_000_123_456_789n, data: pattern(60, 1), origLen: 60 },
  { tsNs: 1_700_000_001_000_001_000n, data: pattern(54, 2), origLen: 1514 },
  { tsNs: 1_700_000_002_999_999_999n, data: pattern(1, 3) },
];
