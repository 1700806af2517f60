/**
 * @module wire/bytes
 * Big-endian readers over a Uint8Array. Callers check bounds first (views are checked once on
 * construction); these do no checking of their own so they stay cheap on the hot path.
 */

/** Unsigned 16-bit big-endian at `o`. */
export function be16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

/** Unsigned 32-bit big-endian at `o`. */
export function be32(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}

/** Unsigned 64-bit big-endian at `o`. */
export function be64(b: Uint8Array, o: number): bigint {
  return (BigInt(be32(b, o)) << 32n) | BigInt(be32(b, o + 4));
}

/** Unsigned 32-bit little-endian at `o`. */
export function le32(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) |
      ((b[o + 1] as number) << 8) |
      ((b[o + 2] as number) << 16) |
      ((b[o + 3] as number) << 24)) >>>
    0
  );
}

/** Byte at `o` (0 when out of range; callers check bounds first). */
export function u8(b: Uint8Array, o: number): number {
  return b[o] ?? 0;
}

const HEX = '0123456789abcdef';

/** Lower-case hex of `b[start..end)`, no separators. */
export function hex(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const v = b[i] as number;
    s += HEX[v >> 4]! + HEX[v & 15]!;
  }
  return s;
}
