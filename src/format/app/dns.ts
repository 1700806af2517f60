/**
 * @module format/app/dns
 * DNS over TCP (port 53) as tcpdump 4.99.3 prints it: the 2-byte length prefix must equal the
 * payload length minus 2, then the query (`id[+%] [Na] [Nq] [Nn] [Nau] TYPE? name. (len)`) or
 * the response (`id[op][rcode][*][-][|][$] [Nq] an/ns/ar RR, RR (len)`). `-v` prints owner names
 * of answers, `-vv` the question and the authority/additional sections, `-vvv` the TTLs.
 */
import { ipv4String, ipv6String } from '../../wire/addr.js';
import type { PrintCursor } from '../cursor.js';
import { printEscaped, printName, skipName } from './dns-names.js';
import { printEdnsOption } from './dns-edns.js';

const OPS = [
  '', ' inv_q', ' stat', ' op3', ' notify', ' update', ' op6', ' op7', ' op8', ' updateA', ' updateD',
  ' updateDA', ' updateM', ' updateMA', ' zoneInit', ' zoneRef',
]; // prettier-ignore
const RCODES = [
  '', ' FormErr', ' ServFail', ' NXDomain', ' NotImp', ' Refused', ' YXDomain', ' YXRRSet', ' NXRRSet',
  ' NotAuth', ' NotZone', ' Resp11', ' Resp12', ' Resp13', ' Resp14', ' NoChange', ' BadVers', 'Resp17',
  ' Resp18', ' Resp19', ' Resp20', 'Resp21', ' Resp22', ' BadCookie',
]; // prettier-ignore
const TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25',
  20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAP_PTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS',
  28: 'AAAA', 29: 'LOC', 30: 'NXT', 31: 'EID', 32: 'NIMLOC', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR',
  36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP',
  45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 99: 'SPF', 100: 'UINFO', 101: 'UID',
  102: 'GID', 103: 'UNSPEC', 104: 'UNSPECA', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR', 252: 'AXFR',
  253: 'MAILB', 254: 'MAILA', 255: 'ANY', 256: 'URI',
}; // prettier-ignore
const CLASSES: Record<number, string> = { 1: 'IN', 3: 'CHAOS', 4: 'HS', 255: 'ANY' };
const T_OPT = 41;
const HEADER_BYTES = 12;

const typeName = (t: number): string => TYPES[t] ?? `Type${t}`;
const className = (k: number): string => CLASSES[k] ?? `(Class ${k})`;

function relTime(secs: number): string {
  if (secs === 0) return '0s';
  let s = '';
  for (const [unit, n] of [
    ['y', 31536000],
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (secs >= n) {
      s += `${Math.floor(secs / n)}${unit}`;
      secs %= n;
    }
  }
  return s;
}

function question(c: PrintCursor, o: number, msg: number): number | null {
  const name = o;
  const after = skipName(c, o);
  if (after === null || !c.has(after, 4)) return null;
  c.out += ` ${typeName(c.u16(after))}`;
  const cls = c.u16(after + 2);
  if (cls !== 1) c.out += ` ${className(cls)}`;
  c.out += '? ';
  const end = printName(c, name, msg);
  return end === null ? null : end + 4;
}

/** One resource record; returns where tcpdump continues (c.end stops the walk), null to stop. */
function record(c: PrintCursor, o: number, msg: number, verbose: number): number | null {
  let p: number | null;
  if (verbose) {
    c.out += ' ';
    p = printName(c, o, msg);
    if (p === null) return null;
  } else p = skipName(c, o);
  if (p === null || !c.has(p, 10)) return c.end;
  const type = c.u16(p);
  const cls = c.u16(p + 2);
  p += 4;
  if (cls !== 1 && type !== T_OPT) c.out += ` ${className(cls)}`;
  let optFlags = 0;
  if (type === T_OPT) optFlags = c.u16(p + 2);
  else if (verbose > 2) c.out += ` [${relTime(c.u32(p))}]`;
  p += 4;
  const len = c.u16(p);
  p += 2;
  const rp = p + len;
  c.out += ` ${typeName(type)}`;
  if (rp > c.end) return null;
  switch (type) {
    case 1:
      if (!c.has(p, 4)) return null;
      c.out += ` ${ipv4String(c.b, p)}`;
      break;
    case 2:
    case 5:
    case 12:
    case 39:
      c.out += ' ';
      if (printName(c, p, msg) === null) return null;
      break;
    case 6: {
      if (!verbose) break;
      c.out += ' ';
      let q = printName(c, p, msg);
      if (q === null) return null;
      c.out += ' ';
      q = printName(c, q, msg);
      if (q === null || !c.has(q, 20)) return null;
      for (let i = 0; i < 5; i++) c.out += ` ${c.u32(q + 4 * i)}`;
      break;
    }
    case 15:
      c.out += ' ';
      if (!c.has(p, 2) || printName(c, p + 2, msg) === null) return null;
      c.out += ` ${c.u16(p)}`;
      break;
    case 16:
      while (p < rp) {
        c.out += ' "';
        const n = c.u8(p);
        if (!printEscaped(c, p + 1, n)) return null;
        p += 1 + n;
        c.out += '"';
      }
      break;
    case 33:
      c.out += ' ';
      if (!c.has(p, 6) || printName(c, p + 6, msg) === null) return null;
      c.out += `:${c.u16(p + 4)} ${c.u16(p)} ${c.u16(p + 2)}`;
      break;
    case 28:
      if (!c.has(p, 16)) return null;
      c.out += ` ${ipv6String(c.b, p)}`;
      break;
    case 38: {
      const pbit = c.u8(p);
      const pbyte = pbit >> 3;
      if (pbit > 128) {
        c.out += ` ${pbit}(bad plen)`;
        break;
      }
      if (pbit < 128) {
        c.need(p + 1, 16 - pbyte);
        const a = new Uint8Array(16);
        a.set(c.b.subarray(p + 1, p + 1 + 16 - pbyte), pbyte);
        c.out += ` ${pbit} ${ipv6String(a, 0)}`;
      }
      if (pbit > 0) {
        c.out += ' ';
        if (printName(c, p + 1 + 16 - pbyte, msg) === null) return null;
      }
      break;
    }
    case 256:
      if (!c.has(p, len)) return null;
      c.out += ` ${c.u16(p)} ${c.u16(p + 2)} `;
      // tcpdump computes len - 4 unsigned: a short record prints up to the capture end.
      if (!printEscaped(c, p + 4, (len - 4) >>> 0)) return null;
      break;
    case T_OPT:
      c.out += ` UDPsize=${cls}`;
      if (optFlags & 0x8000) c.out += ' DO';
      if (p < rp) {
        c.out += ' [';
        while (p < rp) {
          const next = printEdnsOption(c, p);
          if (next === null) return null;
          p = next;
          if (p < rp) c.out += ',';
        }
        c.out += ']';
      }
      break;
    case 104:
      if (!c.has(p, len) || !printEscaped(c, p, len)) return null;
      break;
    case 250:
      if (!verbose) break;
      return tsig(c, p, msg) === null ? null : rp;
    default:
      break;
  }
  return rp;
}

function tsig(c: PrintCursor, p: number, msg: number): number | null {
  c.out += ' ';
  const q = printName(c, p, msg);
  if (q === null) return null;
  let o = q + 6;
  const field = (name: string): boolean => {
    if (!c.has(o, 2)) return false;
    c.out += ` ${name}=${c.u16(o)}`;
    return true;
  };
  if (!field('fudge')) return null;
  o += 2;
  if (!field('maclen')) return null;
  o += 2 + c.u16(o);
  for (const name of ['origid', 'error', 'otherlen']) {
    if (!field(name)) return null;
    o += 2;
  }
  return o;
}

/** The response code, extended by the OPT record's high bits when there is one. */
function extendedRcode(c: PrintCursor, msg: number, flags: number, counts: number[]): number {
  const [qd = 0, an = 0, ns = 0, ar = 0] = counts;
  const rcode = flags & 0xf;
  let o: number | null = msg + HEADER_BYTES;
  for (let i = 0; i < qd; i++) {
    if ((o = skipName(c, o)) === null) return rcode;
    o += 4;
    if (o >= c.end) return rcode;
  }
  for (let i = 0; i < an + ns; i++) {
    if ((o = skipName(c, o)) === null) return rcode;
    o += 8;
    if (o + 2 > c.end) return rcode;
    o += 2 + c.u16(o);
    if (o >= c.end) return rcode;
  }
  for (let i = 0; i < ar; i++) {
    if ((o = skipName(c, o)) === null || o + 2 > c.end) return rcode;
    const type = c.u16(o);
    o += 4;
    if (o + 1 > c.end) return rcode;
    if (type === T_OPT) return rcode | (c.u8(o) << 4);
    o += 4;
    if (o + 2 > c.end) return rcode;
    o += 2 + c.u16(o);
    if (o >= c.end) return rcode;
  }
  return rcode;
}

/** Print `count` records, comma-separated, after `label`; false when tcpdump stops (truncation). */
function section(
  c: PrintCursor,
  o: { p: number },
  count: number,
  msg: number,
  v: number,
  label: string,
): boolean {
  if (!count) return true;
  if (label) {
    if (o.p >= c.end) return false;
    c.out += label;
  }
  let left = count;
  do {
    if (left !== count) c.out += ',';
    const next = record(c, o.p, msg, v);
    if (next === null) return false;
    o.p = next;
    left--;
  } while (o.p < c.end && left);
  return left === 0;
}

function response(c: PrintCursor, msg: number, flags: number, counts: number[], v: number): boolean {
  const [qd = 0, an = 0, ns = 0, ar = 0] = counts;
  const rcode = extendedRcode(c, msg, flags, counts);
  c.out += `${c.u16(msg)}${OPS[(flags >> 11) & 0xf]}${RCODES[rcode] ?? ` Resp${rcode & 0xfff}`}`;
  c.out += `${flags & 0x400 ? '*' : ''}${flags & 0x80 ? '' : '-'}${flags & 0x200 ? '|' : ''}${flags & 0x20 ? '$' : ''}`;
  if (qd !== 1) c.out += ` [${qd}q]`;
  const o = { p: msg + HEADER_BYTES };
  for (let i = 0; i < qd; i++) {
    if (i) c.out += ',';
    let next: number | null;
    if (v > 1) {
      c.out += ' q:';
      next = question(c, o.p, msg);
    } else {
      next = skipName(c, o.p);
      if (next !== null) next += 4;
    }
    if (next === null) return false;
    o.p = next;
  }
  c.out += ` ${an}/${ns}/${ar}`;
  if (!section(c, o, an, msg, v, '')) return false;
  if (v > 1) return section(c, o, ns, msg, v, ' ns:') && section(c, o, ar, msg, v, ' ar:');
  return true;
}

function query(c: PrintCursor, msg: number, flags: number, counts: number[], v: number): boolean {
  const [qd = 0, an = 0, ns = 0, ar = 0] = counts;
  c.out += `${c.u16(msg)}${OPS[(flags >> 11) & 0xf]}${flags & 0x100 ? '+' : ''}${flags & 0x10 ? '%' : ''}`;
  if (flags & 0x6cf) c.out += ` [b2&3=0x${flags.toString(16)}]`;
  if (((flags >> 11) & 0xf) === 1) {
    if (qd) c.out += ` [${qd}q]`;
    if (an !== 1) c.out += ` [${an}a]`;
  } else {
    if (an) c.out += ` [${an}a]`;
    if (qd !== 1) c.out += ` [${qd}q]`;
  }
  if (ns) c.out += ` [${ns}n]`;
  if (ar) c.out += ` [${ar}au]`;
  let p: number | null = msg + HEADER_BYTES;
  let left = qd;
  while (left && (left === qd || p < c.end)) {
    p = question(c, p, msg);
    if (p === null) return false;
    left--;
  }
  if (left) return false;
  if (v > 1) {
    const o = { p };
    return (
      section(c, o, an, msg, v, '') && section(c, o, ns, msg, v, ' ns:') && section(c, o, ar, msg, v, ' ar:')
    );
  }
  return true;
}

/**
 * tcpdump's DNS-over-TCP printer (port 53): appends the text after `length N`.
 * @example formatDns(c, 54, 58, 0) // appends ' 17177+ [1au] A? www.tcpdump.org. (56)'
 */
export function formatDns(c: PrintCursor, s: number, length: number, verbose: number): void {
  c.proto = 'domain';
  if (length < 2) {
    c.out += ` [DNS over TCP: length ${length} < 2] (invalid)`;
    return;
  }
  length -= 2;
  const prefix = c.u16(s);
  if (prefix !== length) {
    c.out += ` [prefix length(${prefix}) != length(${length})] (invalid)`;
    return;
  }
  const msg = s + 2;
  c.out += ' ';
  if (length < HEADER_BYTES) {
    c.out += `domain [length ${length} < ${HEADER_BYTES}] (invalid)`;
    return;
  }
  c.need(msg, HEADER_BYTES);
  const flags = c.u16(msg + 2);
  const counts = [c.u16(msg + 4), c.u16(msg + 6), c.u16(msg + 8), c.u16(msg + 10)];
  const ok =
    flags & 0x8000 ? response(c, msg, flags, counts, verbose) : query(c, msg, flags, counts, verbose);
  c.out += ok ? ` (${length})` : ' [|domain]';
}
