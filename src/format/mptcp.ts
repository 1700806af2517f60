/**
 * @module format/mptcp
 * MPTCP option (kind 30, RFC 8684) as tcpdump prints it: `mptcp LEN SUBTYPE details`. Returns
 * false where tcpdump reports the option as bad. Reads go through the cursor, so a short capture
 * throws its truncation sentinel with the protocol set to `mptcp`, as tcpdump does.
 */
import { hex } from '../wire/bytes.js';
import { ipv4String, ipv6String } from '../wire/addr.js';
import type { PrintCursor } from './cursor.js';

const SYN = 0x02;
const ACK = 0x10;
const SUBTYPES = ['capable', 'join', 'dss', 'add-addr', 'rem-addr', 'prio', 'fail', 'fast-close', 'unknown'];
const ADD_ADDR_ECHO: Record<number, string> = { 6: 'v0-ip6', 4: 'v0-ip4', 1: 'v1-echo', 0: 'v1' };
const ADD_ADDR_LENGTHS = [8, 10, 16, 18, 20, 22, 28, 30];

const x64 = (c: PrintCursor, o: number): string => c.u64(o).toString(16);

function capable(c: PrintCursor, o: number, len: number, flags: number): boolean {
  if (!(
    ((len === 12 || len === 4) && flags & SYN) ||
    ((len === 20 || len === 22) && (flags & (SYN | ACK)) === ACK)
  )) {
    return false;
  }
  const v = c.u8(o + 2) & 0xf;
  if (v > 1) {
    c.s(` Unknown Version (${v})`);
    return true;
  }
  c.s(` v${v}`);
  if (c.u8(o + 3) & 0x80) c.s(' csum');
  if (len === 12 || len >= 20) {
    c.s(` {0x${x64(c, o + 4)}`);
    if (len >= 20) c.s(`,0x${x64(c, o + 12)}`);
    c.s('}');
  }
  return true;
}

function join(c: PrintCursor, o: number, len: number, flags: number): boolean {
  if (
    !(len === 12 && flags & SYN) &&
    !(len === 16 && (flags & (SYN | ACK)) === (SYN | ACK)) &&
    !(len === 24 && flags & ACK)
  ) {
    return false;
  }
  if (len !== 24) {
    if (c.u8(o + 2) & 1) c.s(' backup');
    c.s(` id ${c.u8(o + 3)}`);
  }
  if (len === 12) c.s(` token 0x${c.u32(o + 4).toString(16)} nonce 0x${c.u32(o + 8).toString(16)}`);
  else if (len === 16) c.s(` hmac 0x${x64(c, o + 4)} nonce 0x${c.u32(o + 12).toString(16)}`);
  else c.s(` hmac 0x${hex(c.b, o + 4, o + 24)}`);
  return true;
}

function dss(c: PrintCursor, o: number, len: number, flags: number): boolean {
  if (len < 4 || flags & SYN) return false;
  const f = c.u8(o + 3);
  if (f & 0x10) c.s(' fin');
  let p = o + 4;
  let left = len - 4;
  const num = (wide: boolean): boolean => {
    if (wide) {
      if (left < 8) return false;
      c.s(c.u64(p).toString());
      p += 8;
      left -= 8;
    } else {
      if (left < 4) return false;
      c.s(String(c.u32(p)));
      p += 4;
      left -= 4;
    }
    return true;
  };
  if (f & 0x01) {
    c.s(' ack ');
    if (!num((f & 0x02) !== 0)) return false;
  }
  if (f & 0x04) {
    c.s(' seq ');
    if (!num((f & 0x08) !== 0)) return false;
    if (left < 4) return false;
    c.s(` subseq ${c.u32(p)}`);
    p += 4;
    left -= 4;
    if (left < 2) return false;
    c.s(` len ${c.u16(p)}`);
    p += 2;
    left -= 2;
    if (left >= 2) {
      c.s(` csum 0x${c.u16(p).toString(16)}`);
      left -= 2;
    }
  }
  return left === 0;
}

function addAddr(c: PrintCursor, o: number, len: number): boolean {
  if (!ADD_ADDR_LENGTHS.includes(len)) return false;
  c.s(` ${ADD_ADDR_ECHO[c.u8(o + 2) & 0xf] ?? '[bad version/echo]'}`);
  c.s(` id ${c.u8(o + 3)}`);
  if (len <= 18) {
    c.need(o + 4, 4);
    c.s(` ${ipv4String(c.b, o + 4)}`);
    if (len === 10 || len === 18) c.s(`:${c.u16(o + 8)}`);
    if (len === 16) c.s(` hmac 0x${x64(c, o + 8)}`);
    if (len === 18) c.s(` hmac 0x${x64(c, o + 10)}`);
  } else {
    c.need(o + 4, 16);
    c.s(` ${ipv6String(c.b, o + 4)}`);
    if (len === 22 || len === 30) c.s(`:${c.u16(o + 20)}`);
    if (len === 28) c.s(` hmac 0x${x64(c, o + 20)}`);
    if (len === 30) c.s(` hmac 0x${x64(c, o + 22)}`);
  }
  return true;
}

/**
 * Print one MPTCP option starting at its kind byte `o`, of total length `len`.
 * @example formatMptcpOption(c, 54, 12, 0x02) // appends ' 12 capable v1 {0x…}'
 */
export function formatMptcpOption(c: PrintCursor, o: number, len: number, flags: number): boolean {
  c.proto = 'mptcp';
  if (len < 3) return false;
  const sub = Math.min(c.u8(o + 2) >> 4, 8);
  c.s(` ${len} ${SUBTYPES[sub]}`);
  switch (sub) {
    case 0:
      return capable(c, o, len, flags);
    case 1:
      return join(c, o, len, flags);
    case 2:
      return dss(c, o, len, flags);
    case 3:
      return addAddr(c, o, len);
    case 4:
      if (len < 4) return false;
      c.s(' id');
      for (let i = 0; i < len - 3; i++) c.s(` ${c.u8(o + 3 + i)}`);
      return true;
    case 5:
      if (len !== 3 && len !== 4) return false;
      c.s(c.u8(o + 2) & 1 ? ' backup' : ' non-backup');
      if (len === 4) c.s(` id ${c.u8(o + 3)}`);
      return true;
    case 6:
      if (len !== 12) return false;
      c.s(` seq ${c.u64(o + 4).toString()}`);
      return true;
    case 7:
      if (len !== 12) return false;
      c.s(` key 0x${x64(c, o + 4)}`);
      return true;
    default:
      return true;
  }
}
