/**
 * @module sockets/addr
 * Decoding of /proc/net/tcp{,6} hex addresses. The kernel prints each 32-bit word of an address
 * with `%08X` of the word as it sits in memory, read in the machine's byte order: on a
 * little-endian machine `0100007F` is 127.0.0.1. The byte order is a parameter, never assumed.
 * IPv6 text follows glibc's `inet_ntop` (what netstat and ss print): lower-case hex, the longest
 * run of two or more zero words becomes `::`, IPv4-mapped and IPv4-compatible addresses end in
 * dotted quad.
 */

/** Byte order of the machine whose /proc we read. */
export type ByteOrder = 'LE' | 'BE';

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return s.length > 0;
}

/** Parses an unsigned hex field; undefined when it is not hex or too long to be exact. */
export function parseHexField(s: string): number | undefined {
  if (!isHex(s) || s.length > 13) return undefined;
  return parseInt(s, 16);
}

/** The four bytes of one /proc address word, in memory order. */
function wordBytes(hex8: string, order: ByteOrder, out: number[]): void {
  const v = parseInt(hex8, 16);
  if (order === 'LE') out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
  else out.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

/**
 * Decodes an 8-digit /proc IPv4 address to dotted quad; undefined when malformed.
 * @example decodeProcAddr4('0100007F', 'LE') === '127.0.0.1'
 */
export function decodeProcAddr4(hex: string, order: ByteOrder): string | undefined {
  if (hex.length !== 8 || !isHex(hex)) return undefined;
  const b: number[] = [];
  wordBytes(hex, order, b);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/**
 * Decodes a 32-digit /proc IPv6 address to its 16 bytes; undefined when malformed.
 * @example decodeProcAddr6Bytes('00000000000000000000000001000000', 'LE') // ::1
 */
export function decodeProcAddr6Bytes(hex: string, order: ByteOrder): number[] | undefined {
  if (hex.length !== 32 || !isHex(hex)) return undefined;
  const b: number[] = [];
  for (let i = 0; i < 32; i += 8) wordBytes(hex.slice(i, i + 8), order, b);
  return b;
}

/**
 * Formats 16 address bytes the way glibc's inet_ntop does.
 * @example formatIPv6([0,0,0,0,0,0,0,0,0,0,0xff,0xff,127,0,0,1]) === '::ffff:127.0.0.1'
 */
export function formatIPv6(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // Embedded IPv4 (RFC 4291 2.5.5): ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible).
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/**
 * Decodes a 32-digit /proc IPv6 address to text; undefined when malformed.
 * @example decodeProcAddr6('00000000000000000000000001000000', 'LE') === '::1'
 */
export function decodeProcAddr6(hex: string, order: ByteOrder): string | undefined {
  const b = decodeProcAddr6Bytes(hex, order);
  return b ? formatIPv6(b) : undefined;
}
