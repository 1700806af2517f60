/**
 * @module sockets/addr
 * Decoding of /proc/net/tcp{,6} hex addresses. The kernel prints each 32-bit word of an address
 * with `%08X` of the word as it sits in memory, read in the machine's byte order: on a
 * little-endian machine `0100007F` is 127.0.0.1. The byte order is a parameter, never assumed.
 * IPv6 text follows glibc's `inet_ntop` (what netstat and ss print): lower-case hex, the longest
 * run of two or more zero words becomes `::`, IPv4-mapped and IPv4-compatible addresses end in
 * dotted quad.
 */
import { ipv6String } from '../wire/addr.js';

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
 * Formats 16 address bytes the way glibc's inet_ntop does (the wire layer's formatter).
 * @example formatIPv6([0,0,0,0,0,0,0,0,0,0,0xff,0xff,127,0,0,1]) === '::ffff:127.0.0.1'
 */
export function formatIPv6(bytes: readonly number[]): string {
  return ipv6String(Uint8Array.from(bytes), 0);
}

/**
 * Decodes a 32-digit /proc IPv6 address to text; undefined when malformed.
 * @example decodeProcAddr6('00000000000000000000000001000000', 'LE') === '::1'
 */
export function decodeProcAddr6(hex: string, order: ByteOrder): string | undefined {
  const b = decodeProcAddr6Bytes(hex, order);
  return b ? formatIPv6(b) : undefined;
}
