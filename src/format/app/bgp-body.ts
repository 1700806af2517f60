/**
 * @module format/app/bgp-body
 * The BGP message bodies tcpdump prints at `-v`: OPEN (version, AS, hold time, ID, capabilities)
 * and UPDATE (withdrawn routes, path attributes Origin / AS Path / Next Hop / MED / Local
 * Preference / Atomic Aggregate / Aggregator / Large Community, unknown attributes as hex, IPv4
 * NLRI with tcpdump's add-path guess, End-of-Rib). Attributes tcpdump decodes in more depth
 * (communities, MP_REACH/UNREACH, extended communities, …) fall back to the unknown-attribute
 * text here, so they differ from tcpdump; NOTIFICATION and ROUTE-REFRESH bodies are not printed.
 */
import { ipv4String } from '../../wire/addr.js';
import type { PrintCursor } from '../cursor.js';

const AFI: Record<number, string> = {
  1: 'IPv4', 2: 'IPv6', 3: 'NSAP', 4: 'HDLC', 5: 'BBN 1822', 6: '802', 7: 'E.163', 8: 'E.164', 9: 'F.69',
  10: 'X.121', 11: 'Novell IPX', 12: 'Appletalk', 13: 'Decnet IV', 14: 'Banyan Vines',
  15: 'E.164 with NSAP subaddress', 196: 'Layer-2 VPN', 25: 'VPLS',
}; // prettier-ignore
const SAFI: Record<number, string> = {
  0: 'Reserved', 1: 'Unicast', 2: 'Multicast', 3: 'Unicast+Multicast', 4: 'labeled Unicast', 64: 'Tunnel',
  65: 'VPLS', 66: 'MDT', 70: 'EVPN', 128: 'labeled VPN Unicast', 129: 'labeled VPN Multicast',
  130: 'labeled VPN Unicast+Multicast', 132: 'Route Target Routing Information', 5: 'Multicast VPN',
}; // prettier-ignore
const CAPS: Record<number, string> = {
  1: 'Multiprotocol Extensions', 2: 'Route Refresh', 3: 'Cooperative Route Filtering',
  4: 'Multiple Routes to a Destination', 5: 'Extended Next Hop Encoding', 8: 'Multiple Labels',
  64: 'Graceful Restart', 65: '32-Bit AS Number', 67: 'Dynamic Capability', 68: 'Multisession BGP',
  69: 'Multiple Paths', 70: 'Enhanced Route Refresh', 71: 'Long-lived Graceful Restart',
  128: 'Route Refresh (Cisco)',
}; // prettier-ignore
const ATTRS: Record<number, string> = {
  1: 'Origin', 2: 'AS Path', 17: 'AS4 Path', 3: 'Next Hop', 4: 'Multi Exit Discriminator',
  5: 'Local Preference', 6: 'Atomic Aggregate', 7: 'Aggregator', 18: 'Aggregator4', 8: 'Community',
  9: 'Originator ID', 10: 'Cluster List', 11: 'DPA', 12: 'Advertisers', 13: 'RCID Path / Cluster ID',
  14: 'Multi-Protocol Reach NLRI', 15: 'Multi-Protocol Unreach NLRI', 16: 'Extended Community',
  22: 'PMSI Tunnel', 23: 'Tunnel Encapsulation', 24: 'Traffic Engineering', 25: 'IPv6 Extended Community',
  26: 'Accumulated IGP Metric', 27: 'PE Distinguisher Label', 28: 'Entropy Label', 32: 'Large Community',
  128: 'Attribute Set', 255: 'Reserved for development',
}; // prettier-ignore
const ORIGINS = ['IGP', 'EGP', 'Incomplete'];
const SEG_OPEN = ['', '{ ', '', '( ', '({ '];
const SEG_CLOSE = ['', '}', '', ')', '})'];
const SEND_RECV: Record<number, string> = { 1: 'Receive', 2: 'Send', 3: 'Both' };
const OPEN_BYTES = 29;
const HEADER_BYTES = 19;

/** An error the caller reports as tcpdump's truncation marker. */
class BgpTrunc extends Error {}
const TRUNC = new BgpTrunc('bgp body truncated');

/** tcpdump's ND_TCHECK in the BGP printer: a local truncation (the printer reports and returns). */
function tcheck(c: PrintCursor, p: number, n: number): void {
  if (!c.has(p, n)) throw TRUNC;
}

/** tcpdump's hex dump of unknown data (`0x0000:  0a64 6f6e …`, 16 bytes a line). */
export function hexDump(c: PrintCursor, p: number, len: number, indent: string): void {
  if (!c.has(p, 1)) {
    c.out += `${indent}Dissector error: print_unknown_data called with pointer past end of packet`;
    return;
  }
  len = Math.min(len, c.end - p);
  let i = 0;
  for (; i + 1 < len; i += 2) {
    if (i % 16 === 0) c.out += `${indent}0x${i.toString(16).padStart(4, '0')}: `;
    c.out += ` ${c
      .u16(p + i)
      .toString(16)
      .padStart(4, '0')}`;
  }
  if (len & 1) {
    if (i % 16 === 0) c.out += `${indent}0x${i.toString(16).padStart(4, '0')}: `;
    c.out += ` ${c
      .u8(p + i)
      .toString(16)
      .padStart(2, '0')}`;
  }
}

const afiSafi = (c: PrintCursor, p: number): string =>
  `AFI ${AFI[c.u16(p)] ?? 'Unknown'} (${c.u16(p)}), SAFI ${SAFI[c.u8(p + 2)] ?? 'Unknown'} (${c.u8(p + 2)})`;

function capabilities(c: PrintCursor, p: number, capsLen: number, verbose: number): void {
  try {
    capabilityList(c, p, capsLen, verbose);
  } catch (e) {
    if (e !== TRUNC) throw e;
    c.out += ' [|bgp]';
  }
}

function capabilityList(c: PrintCursor, p: number, capsLen: number, verbose: number): void {
  for (let i = 0; i < capsLen;) {
    tcheck(c, p + i, 2);
    const type = c.u8(p + i);
    const len = c.u8(p + i + 1);
    c.out += `\n\t      ${CAPS[type] ?? 'Unknown'} (${type}), length: ${len}`;
    tcheck(c, p + i + 2, len);
    const v = p + i + 2;
    switch (type) {
      case 1:
        if (len < 4) return void (c.out += ' (too short, < 4)');
        c.out += `\n\t\tAFI ${AFI[c.u16(v)] ?? 'Unknown'} (${c.u16(v)}), SAFI ${SAFI[c.u8(v + 3)] ?? 'Unknown'} (${c.u8(v + 3)})`;
        break;
      case 8:
        for (let o = 0; len - o >= 4; o += 4)
          c.out += `\n\t\t${afiSafi(c, v + o)}, Count: ${c.u8(v + o + 3)}`;
        break;
      case 64:
        if (len < 2) return void (c.out += ' (too short, < 2)');
        c.out += `\n\t\tRestart Flags: [${c.u8(v) & 0x80 ? 'R' : 'none'}], Restart Time ${c.u16(v) & 0xfff}s`;
        for (let o = 2; len - o >= 4; o += 4) {
          c.out += `\n\t\t  ${afiSafi(c, v + o)}, Forwarding state preserved: ${c.u8(v + o + 3) & 0x80 ? 'yes' : 'no'}`;
        }
        break;
      case 2:
      case 71:
      case 128:
        break;
      case 65:
        if (len < 4) return void (c.out += ' (too short, < 4)');
        c.out += `\n\t\t 4 Byte AS ${c.u32(v)}`;
        break;
      case 69:
        if (len === 0) c.out += ' (bogus)';
        for (let o = 0; o < len; o += 4) {
          if (len - o < 4) {
            c.out += ' (invalid)';
            break;
          }
          const sr = c.u8(v + o + 3);
          c.out += `\n\t\t${afiSafi(c, v + o)}, Send/Receive: ${SEND_RECV[sr] ?? `Bogus (0x${sr.toString(16).padStart(2, '0')})`}`;
        }
        break;
      default:
        c.out += `\n\t\tno decoder for Capability ${type}`;
        if (verbose <= 1) hexDump(c, v, len, '\n\t\t');
    }
    if (verbose > 1 && len !== 0) hexDump(c, v, len, '\n\t\t');
    i += 2 + len;
  }
}

/** OPEN body after the 19-byte header. */
export function formatBgpOpen(c: PrintCursor, p: number, length: number, verbose: number): void {
  tcheck(c, p, OPEN_BYTES);
  if (length < OPEN_BYTES) throw TRUNC;
  c.out += `\n\t  Version ${c.u8(p + 19)}, my AS ${c.u16(p + 20)}, Holdtime ${c.u16(p + 22)}s, ID ${ipv4String(c.b, p + 24)}`;
  const optsLen = c.u8(p + 28);
  c.out += `\n\t  Optional parameters, length: ${optsLen}`;
  const opt = p + OPEN_BYTES;
  length -= OPEN_BYTES;
  for (let i = 0; i < optsLen;) {
    tcheck(c, opt + i, 2);
    if (length < 2 + i) throw TRUNC;
    const type = c.u8(opt + i);
    const len = c.u8(opt + i + 1);
    if (2 + i + len > optsLen) {
      c.out += `\n\t     Option ${type}, length: ${len}, goes past the end of the options`;
      break;
    }
    const name =
      type === 1 ? 'Authentication Information' : type === 2 ? 'Capabilities Advertisement' : 'Unknown';
    c.out += `\n\t    Option ${name} (${type}), length: ${len}`;
    if (type === 2) capabilities(c, opt + i + 2, len, verbose);
    else c.out += `\n\t      no decoder for option ${type}`;
    i += 2 + len;
  }
}

/** tcpdump's guess whether NLRI carry add-path identifiers. */
function looksAddPath(c: PrintCursor, p: number, length: number): boolean {
  if (length < 5) return false;
  let o = 0;
  while (o < length) {
    o += 4;
    if (!c.has(p + o, 1)) break;
    const plen = c.u8(p + o);
    if (plen > 32) return false;
    o += 1 + ((plen + 7) >> 3);
  }
  if (o > length) return false;
  for (o = 0; o < length;) {
    if (!c.has(p + o, 1)) break;
    const plen = c.u8(p + o);
    if (plen < 1 || plen > 32) return true;
    o += 1 + ((plen + 7) >> 3);
  }
  return o > length;
}

/** One IPv4 prefix: its text and size, or -1 (illegal length) / -2 (not enough bytes). */
function prefix4(c: PrintCursor, p: number, itemLen: number): [string, number] | -1 | -2 {
  if (itemLen < 1) return -2;
  const plen = c.u8(p);
  if (plen > 32) return -1;
  const bytes = (plen + 7) >> 3;
  if (itemLen - 1 < bytes) return -2;
  const a = new Uint8Array(4);
  for (let i = 0; i < bytes; i++) a[i] = c.u8(p + 1 + i);
  if (plen % 8) a[bytes - 1] = (a[bytes - 1] as number) & ((0xff00 >> (plen % 8)) & 0xff);
  return [`${ipv4String(a, 0)}/${plen}`, 1 + bytes];
}

/** Prefix list (withdrawn or updated routes): where tcpdump stops and the bytes left unread. */
function prefixes(c: PrintCursor, p: number, len: number, updated: boolean): { p: number; left: number } {
  const addPath = looksAddPath(c, p, len);
  while (len !== 0) {
    let id = 0;
    if (addPath) {
      if (updated) tcheck(c, p, 4);
      if (len < 4) {
        if (updated) throw TRUNC;
        return { p: p + len, left: len };
      }
      id = c.u32(p);
      p += 4;
      len -= 4;
    }
    const r = prefix4(c, p, len);
    if (r === -1) {
      c.out += '\n\t    (illegal prefix length)';
      return { p, left: len };
    }
    if (r === -2) throw TRUNC;
    c.out += `\n\t    ${r[0]}${addPath ? `   Path Id: ${id}` : ''}`;
    p += r[1];
    len -= r[1];
  }
  return { p, left: 0 };
}

function asPath(c: PrintCursor, p: number, len: number, type: number): void {
  if (len % 2) return void (c.out += 'invalid len');
  if (!len) return void (c.out += 'empty');
  let size = 4;
  if (type !== 17) {
    let t = p;
    let ok = true;
    while (t < p + len) {
      const seg = c.u8(t);
      if (seg < 1 || seg > 4) {
        ok = false;
        break;
      }
      t += 2 + c.u8(t + 1) * 2;
    }
    if (ok && t === p + len) size = 2;
  }
  for (let t = p; t < p + len;) {
    const seg = c.u8(t);
    const n = c.u8(t + 1);
    c.out += SEG_OPEN[seg] ?? '?';
    for (let i = 0; i < n * size; i += size) {
      tcheck(c, t + 2 + i, size);
      c.out += `${size === 2 ? c.u16(t + 2 + i) : c.u32(t + 2 + i)} `;
    }
    c.out += SEG_CLOSE[seg] ?? '?';
    t += 2 + n * size;
  }
}

function attribute(c: PrintCursor, type: number, p: number, len: number, verbose: number): void {
  switch (type) {
    case 1:
      c.out += len !== 1 ? 'invalid len' : (ORIGINS[c.u8(p)] ?? 'Unknown Origin Typecode');
      break;
    case 2:
    case 17:
      asPath(c, p, len, type);
      break;
    case 3:
      if (len !== 4) c.out += 'invalid len';
      else {
        tcheck(c, p, 4);
        c.out += ipv4String(c.b, p);
      }
      break;
    case 4:
    case 5:
      c.out += len !== 4 ? 'invalid len' : String(c.u32(p));
      break;
    case 6:
      if (len !== 0) c.out += 'invalid len';
      break;
    case 7:
    case 18:
      if ((type === 7 && len !== 6 && len !== 8) || (type === 18 && len !== 8)) {
        c.out += 'invalid len';
        break;
      }
      tcheck(c, p, len);
      c.out +=
        len === 6
          ? ` AS #${c.u16(p)}, origin ${ipv4String(c.b, p + 2)}`
          : ` AS #${c.u32(p)}, origin ${ipv4String(c.b, p + 4)}`;
      break;
    case 32:
      if (len === 0 || len % 12) {
        c.out += 'invalid len';
        break;
      }
      c.out += '\n\t    ';
      for (let o = 0; o < len; o += 12) {
        c.out += `${c.u32(p + o)}:${c.u32(p + o + 4)}:${c.u32(p + o + 8)}${len - o > 12 ? ', ' : ''}`;
      }
      return; // tcpdump counts len down to 0 here, so -vv adds no hex dump
    default:
      tcheck(c, p, len);
      c.out += `\n\t    no Attribute ${type} decoder`;
      if (verbose <= 1) hexDump(c, p, len, '\n\t    ');
  }
  if (verbose > 1 && len) {
    tcheck(c, p, len);
    hexDump(c, p, len, '\n\t    ');
  }
}

/** UPDATE body; `dat` is the message start (header included), `length` the message length. */
export function formatBgpUpdate(c: PrintCursor, dat: number, length: number, verbose: number): void {
  tcheck(c, dat, HEADER_BYTES);
  let p = dat + HEADER_BYTES;
  length -= HEADER_BYTES;
  tcheck(c, p, 2);
  if (length < 2) throw TRUNC;
  let withdrawn = c.u16(p);
  p += 2;
  length -= 2;
  tcheck(c, p, withdrawn);
  if (length < withdrawn) throw TRUNC;
  if (withdrawn > 1) {
    c.out += '\n\t  Withdrawn routes:';
    const end = prefixes(c, p, withdrawn, false);
    length -= end.p - p;
    p = end.p;
    withdrawn = end.left;
  } else {
    p += withdrawn;
    length -= withdrawn;
  }
  tcheck(c, p, 2);
  if (length < 2) throw TRUNC;
  let len = c.u16(p);
  p += 2;
  length -= 2;
  if (withdrawn === 0 && len === 0 && length === 0) {
    c.out += '\n\t  End-of-Rib Marker (empty NLRI)';
    return;
  }
  if (len) {
    if (length < len) throw TRUNC;
    while (len) {
      tcheck(c, p, 2);
      if (length < 2) throw TRUNC;
      if (len < 2) {
        c.out += '\n\t  [path attrs too short]';
        p += len;
        length -= len;
        break;
      }
      const flags = c.u8(p);
      const type = c.u8(p + 1);
      p += 2;
      len -= 2;
      length -= 2;
      const lenLen = flags & 0x10 ? 2 : 1;
      tcheck(c, p, lenLen);
      if (length < lenLen) throw TRUNC;
      if (len < lenLen) {
        c.out += '\n\t  [path attrs too short]';
        p += len;
        length -= len;
        break;
      }
      const alen = lenLen === 2 ? c.u16(p) : c.u8(p);
      p += lenLen;
      len -= lenLen;
      length -= lenLen;
      c.out += `\n\t  ${ATTRS[type] ?? 'Unknown Attribute'} (${type}), length: ${alen}`;
      if (flags) {
        c.out += `, Flags [${flags & 0x80 ? 'O' : ''}${flags & 0x40 ? 'T' : ''}${flags & 0x20 ? 'P' : ''}${flags & 0x10 ? 'E' : ''}`;
        if (flags & 0xf) c.out += `+${(flags & 0xf).toString(16)}`;
        c.out += ']: ';
      }
      if (len < alen) {
        c.out += ' [path attrs too short]';
        p += len;
        length -= len;
        break;
      }
      if (length < alen) throw TRUNC;
      attribute(c, type, p, alen, verbose);
      p += alen;
      len -= alen;
      length -= alen;
    }
  }
  if (length) {
    c.out += '\n\t  Updated routes:';
    prefixes(c, p, length, true);
  }
}

/** True for the error {@link formatBgpOpen} / {@link formatBgpUpdate} throw on truncation. */
export const isBgpTrunc = (e: unknown): boolean => e === TRUNC;
