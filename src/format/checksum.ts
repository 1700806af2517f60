/**
 * @module format/checksum
 * Internet checksums (RFC 1071) for tcpdump's `-v` verdicts: the one's-complement sum over
 * big-endian 16-bit words, and the value the checksum field should have held.
 */

/** One's-complement sum of `b[start, end)` added to `init`, not yet folded or inverted. */
export function onesSum(b: Uint8Array, start: number, end: number, init = 0): number {
  let sum = init;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (i < end) sum += (b[i] as number) << 8;
  return sum;
}

/** Fold a sum to 16 bits and invert it: 0 means the data (checksum included) is correct. */
export function finishSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** What the checksum field should have been, given its value and the computed result. */
export function checksumShouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s & 0xffff;
}
