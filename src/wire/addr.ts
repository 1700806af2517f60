/**
 * @module wire/addr
 * Addresses printed the way `tcpdump -n` prints them: dotted quads, and IPv6 in the inet_ntop
 * form (longest run of two or more zero groups compressed, first run on a tie, embedded IPv4 for
 * v4-mapped and v4-compatible addresses).
 */
import { be16 } from './bytes.js';

/** Dotted quad of the 4 bytes at `o`. */
export function ipv4String(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** Text form of the 16-byte IPv6 address at `o`. */
export function ipv6String(b: Uint8Array, o: number): string {
  const w: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = be16(b, o + 2 * i);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else {
      curBase = -1;
      curLen = 0;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // Embedded IPv4: ::a.b.c.d (compatible, not ::1) and ::ffff:a.b.c.d (mapped).
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLen === 6 || (bestLen === 7 && w[7] !== 1) || (bestLen === 5 && w[5] === 0xffff))
    ) {
      s += `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
      return s;
    }
    s += (w[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}
