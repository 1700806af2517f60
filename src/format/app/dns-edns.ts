/**
 * @module format/app/dns-edns
 * EDNS(0) options inside an OPT record (printed by tcpdump at `-vv`, in the additional section).
 */
import { ipv4String, ipv6String } from '../../wire/addr.js';
import type { PrintCursor } from '../cursor.js';
import { printName } from './dns-names.js';

const NAMES: Record<number, string> = {
  1: 'LLQ', 2: 'UL', 3: 'NSID', 5: 'DAU', 6: 'DHU', 7: 'N3U', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE',
  11: 'KEEPALIVE', 12: 'PADDING', 13: 'CHAIN', 14: 'KEY-TAG', 16: 'CLIENT-TAG', 17: 'SERVER-TAG',
}; // prettier-ignore
const DAU: Record<number, string> = {
  0: 'DELETE', 1: 'RSAMD5', 2: 'DH', 3: 'DS', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1',
  8: 'RSASHA256', 10: 'RSASHA512', 12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384',
  15: 'ED25519', 16: 'ED448', 252: 'INDIRECT', 253: 'PRIVATEDNS', 254: 'PRIVATEOID',
}; // prettier-ignore
const DHU: Record<number, string> = { 1: 'SHA-1', 2: 'SHA-256', 3: 'GOST_R_34.11-94', 4: 'SHA-384' };
const N3U: Record<number, string> = { 1: 'SHA-1' };
const INVALID = ' (invalid)';
const hex2 = (v: number): string => v.toString(16).padStart(2, '0');

function ecs(c: PrintCursor, p: number, len: number): void {
  if (len < 4) return void (c.out += INVALID);
  const family = c.u16(p);
  const src = c.u8(p + 2);
  const scope = c.u8(p + 3);
  const bits = family === 1 ? 32 : family === 2 ? 128 : 0;
  if (!bits || len - 4 > bits / 8 || src > bits || scope > bits || (src + 7) >> 3 !== len - 4) {
    c.out += INVALID;
    return;
  }
  const padded = new Uint8Array(16);
  padded.set(c.b.subarray(p + 4, p + len));
  c.out += `${family === 1 ? ipv4String(padded, 0) : ipv6String(padded, 0)}/${src}/${scope}`;
}

function algorithms(c: PrintCursor, p: number, len: number, table: Record<number, string>): void {
  for (let i = 0; i < len; i++) c.out += (i ? ' ' : '') + (table[c.u8(p + i)] ?? `Alg_${c.u8(p + i)}`);
}

/** Print one EDNS option at `p`; the offset after it, or null when it is not captured. */
export function printEdnsOption(c: PrintCursor, p: number): number | null {
  if (!c.has(p, 2)) return null;
  const opt = c.u16(p);
  c.out += NAMES[opt] ?? `Opt${opt}`;
  if (!c.has(p + 2, 2)) return null;
  const len = c.u16(p + 2);
  p += 4;
  if (!c.has(p, len)) return null;
  if (len === 0) return p;
  c.out += ' ';
  switch (opt) {
    case 8:
      ecs(c, p, len);
      break;
    case 10:
      if (len < 8 || (len > 8 && len < 16) || len > 40) c.out += INVALID;
      else for (let i = 0; i < len; i++) c.out += (i === 8 ? ' ' : '') + hex2(c.u8(p + i));
      break;
    case 11:
      c.out += len !== 2 ? INVALID : `${(c.u16(p) / 10).toFixed(1)} sec`;
      break;
    case 9:
      c.out += len !== 4 ? INVALID : `${c.u32(p)} sec`;
      break;
    case 12:
      c.out += `(${len})`;
      break;
    case 14:
      if (len % 2) c.out += INVALID;
      else for (let i = 0; i < len; i += 2) c.out += (i ? ' ' : '') + String(c.u16(p + i));
      break;
    case 5:
      algorithms(c, p, len, DAU);
      break;
    case 6:
      algorithms(c, p, len, DHU);
      break;
    case 7:
      algorithms(c, p, len, N3U);
      break;
    case 13:
      printName(c, p, p + len);
      break;
    default:
      for (let i = 0; i < len; i++) c.out += hex2(c.u8(p + i));
  }
  return p + len;
}
