/**
 * @module wire/seq
 * 32-bit TCP sequence arithmetic (RFC 9293 §3.4): every comparison is modulo 2^32.
 */

/** `(a - b) mod 2^32` as a signed 32-bit number. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}
/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}
/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}
/** `a + n` wrapped to an unsigned 32-bit number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
