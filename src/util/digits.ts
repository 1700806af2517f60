/**
 * @module util/digits
 * Decimal digits written straight into a byte buffer (the streaming reporters' hot path).
 */

/** Writes `v` (0 ≤ v < 2^31) right-aligned so that its last digit is at `end - 1`. */
export function putDigitsBefore(b: Uint8Array, end: number, v: number): void {
  let x = v;
  do {
    const q = (x / 10) | 0;
    b[--end] = 48 + x - q * 10;
    x = q;
  } while (x > 0);
}
