/**
 * @module format/ip
 * tcpdump's IPv4 and IPv6 printers as far as a TCP line needs them: the `IP `/`IP6 ` prefix,
 * length sanity messages, the `-v` header line, cutting the readable bytes to the datagram's
 * end, and handing the first fragment to the TCP printer. Other protocols get a short summary.
 */
import { ipv4String, ipv6String } from '../wire/addr.js';
import { TRUNC_GET, type PrintCursor } from './cursor.js';
import { finishSum, onesSum, checksumShouldBe } from './checksum.js';
import { printTcp, type SeqTable, type TcpContext, type TcpPrintOptions } from './tcp.js';

const PROTO_NAMES: Record<number, string> = {
  0: 'Options',
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPIP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  43: 'Routing',
  44: 'Frag',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  59: 'NONE',
  60: 'DSTOPTS',
  132: 'SCTP',
};
const IPPROTO_TCP = 6;
const SHOWS_PORTS = new Set([6, 17, 33, 132]);

/** Result of printing one network-layer packet: whether it carried a TCP segment we printed. */
export interface IpPrintResult {
  tcp: boolean;
}
// Shared results and TCP context: no allocation per packet (printTcp does not keep its context).
const tcpCtx: TcpContext = { ipOffset: 0, version: 4, ipNextIsTcp: true, length: 0, fragmented: false };
const TCP: IpPrintResult = Object.freeze({ tcp: true });
const NOT_TCP: IpPrintResult = Object.freeze({ tcp: false });

function ipFlags(off: number): string {
  const parts: string[] = [];
  if (off & 0x2000) parts.push('+');
  if (off & 0x4000) parts.push('DF');
  if (off & 0x8000) parts.push('rsvd');
  return parts.length ? parts.join(', ') : 'none';
}

function otherSummary(c: PrintCursor, proto: number, upper: number, len: number): void {
  if (proto === 17 && c.has(upper, 4)) {
    c.dropTrailingArrow();
    c.s(`UDP, length ${Math.max(0, len - 8)}`);
    return;
  }
  c.s(`ip-proto-${proto} ${len}`);
}

/**
 * Print the IPv4 packet at `o` whose link layer announced `length` bytes.
 */
export function printIpv4(
  c: PrintCursor,
  o: number,
  length: number,
  table: SeqTable,
  opts: TcpPrintOptions,
): IpPrintResult {
  c.proto = 'ip';
  const v = c.u8(o) >> 4;
  if (v !== 4) {
    c.s(v === 6 ? 'IP6, wrong link-layer encapsulation' : `IP${v}`);
    c.s(' (invalid)');
    return NOT_TCP;
  }
  c.s('IP ');
  c.need(o, 20);
  if (length < 20) {
    c.s(`truncated-ip ${length}`);
    return NOT_TCP;
  }
  const hlen = (c.u8(o) & 0x0f) * 4;
  if (hlen < 20) {
    c.s(`bad-hlen ${hlen}`);
    return NOT_TCP;
  }
  let len = c.u16(o + 2);
  if (length < len) c.s(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    c.s(`bad-len ${len}`);
    return NOT_TCP;
  }
  c.end = Math.min(c.end, o + len);
  len -= hlen;
  const off = c.u16(o + 6);
  const proto = c.u8(o + 9);
  if (opts.verbose) {
    const tos = c.u8(o + 1);
    c.s(`(tos 0x${tos.toString(16)}`);
    const ecn = tos & 3;
    if (ecn) c.s(ecn === 1 ? ',ECT(1)' : ecn === 2 ? ',ECT(0)' : ',CE');
    const ttl = c.u8(o + 8);
    if (ttl >= 1) c.s(`, ttl ${ttl}`);
    c.s(
      `, id ${c.u16(o + 4)}, offset ${(off & 0x1fff) * 8}, flags [${ipFlags(off)}], proto ${PROTO_NAMES[proto] ?? 'unknown'} (${proto})`,
    );
    c.s(`, length ${c.u16(o + 2)}`);
    if (hlen > 20) c.s(`, options (${ipOptionSummary(c, o + 20, o + hlen)})`);
    if (o + hlen <= c.end) {
      const sum = finishSum(onesSum(c.b, o, o + hlen));
      if (sum !== 0) {
        const field = c.u16(o + 10);
        c.s(`, bad cksum ${field.toString(16)} (->${checksumShouldBe(field, sum).toString(16)})!`);
      }
    }
    c.s(')\n    ');
  }
  if ((off & 0x1fff) === 0) {
    if (!SHOWS_PORTS.has(proto)) {
      c.ip4(o + 12);
      c.s(' > ');
      c.ip4(o + 16);
      c.s(': ');
    }
    if (!c.has(o, hlen)) {
      c.s(` [remaining caplen(${Math.max(0, c.end - o)}) < header length(${hlen})]`);
      throw TRUNC_GET;
    }
    if (proto === IPPROTO_TCP) {
      const ctx = tcpCtx;
      ctx.ipOffset = o;
      ctx.version = 4;
      ctx.ipNextIsTcp = true;
      ctx.length = len;
      ctx.fragmented = (off & 0x2000) !== 0;
      printTcp(c, o + hlen, ctx, table, opts);
      return TCP;
    }
    if (SHOWS_PORTS.has(proto)) {
      c.need(o + 12, 8);
      if (c.has(o + hlen, 4)) {
        c.s(
          `${ipv4String(c.b, o + 12)}.${c.u16(o + hlen)} > ${ipv4String(c.b, o + 16)}.${c.u16(o + hlen + 2)}: `,
        );
      } else c.s(`${ipv4String(c.b, o + 12)} > ${ipv4String(c.b, o + 16)}: `);
    }
    otherSummary(c, proto, o + hlen, len);
    return NOT_TCP;
  }
  c.s(`${ipv4String(c.b, o + 12)} > ${ipv4String(c.b, o + 16)}: ip-proto-${proto}`);
  return NOT_TCP;
}

function ipOptionSummary(c: PrintCursor, start: number, end: number): string {
  const names: Record<number, string> = {
    0: 'EOL',
    1: 'NOP',
    7: 'RR',
    68: 'TS',
    131: 'LSRR',
    137: 'SSRR',
    148: 'RA',
  };
  const parts: string[] = [];
  let p = start;
  while (p < end && p < c.end) {
    const t = c.b[p] as number;
    parts.push(names[t] ?? `unknown ${t}`);
    if (t === 0) break;
    if (t === 1) {
      p++;
      continue;
    }
    const l = c.b[p + 1] ?? 0;
    if (l < 2) break;
    p += l;
  }
  return parts.join(',');
}

const EXT_NAMES: Record<number, string> = { 0: 'HBH ', 60: 'DSTOPT ', 43: 'srcrt ', 51: 'AH ' };

/**
 * Print the IPv6 packet at `o` whose link layer announced `length` bytes.
 */
export function printIpv6(
  c: PrintCursor,
  o: number,
  length: number,
  table: SeqTable,
  opts: TcpPrintOptions,
): IpPrintResult {
  c.proto = 'ip6';
  c.need(o, 40);
  if (length < 40) {
    c.s(`truncated-ip6 ${length}`);
    return NOT_TCP;
  }
  c.s('IP6 ');
  const v = c.u8(o) >> 4;
  if (v !== 6) {
    c.s(`version error: ${v} != 6`);
    return NOT_TCP;
  }
  const plen = c.u16(o + 4);
  let len: number;
  if (plen !== 0) {
    len = plen + 40;
    if (length < len) c.s(`truncated-ip6 - ${len - length} bytes missing!`);
  } else len = length + 40;
  let nh = c.u8(o + 6);
  if (opts.verbose) {
    const flow = c.u32(o);
    c.s('(');
    if (flow & 0x0ff00000) c.s(`class 0x${((flow & 0x0ff00000) >>> 20).toString(16).padStart(2, '0')}, `);
    if (flow & 0x000fffff) c.s(`flowlabel 0x${(flow & 0x000fffff).toString(16).padStart(5, '0')}, `);
    c.s(`hlim ${c.u8(o + 7)}, next-header ${PROTO_NAMES[nh] ?? 'unknown'} (${nh}) payload length: ${plen}) `);
  }
  c.end = Math.min(c.end, o + len);
  let p = o + 40;
  len -= 40;
  let fragmented = false;
  if (!SHOWS_PORTS.has(nh)) {
    c.ip6(o + 8);
    c.s(' > ');
    c.ip6(o + 24);
    c.s(': ');
  }
  // Extension headers (printed briefly; tcpdump's detailed option dumps are not reproduced).
  for (let guard = 0; guard < 16; guard++) {
    if (nh === 0 || nh === 60 || nh === 43 || nh === 51) {
      const adv = nh === 51 ? (c.u8(p + 1) + 2) * 4 : (c.u8(p + 1) + 1) * 8;
      c.s(EXT_NAMES[nh] ?? '');
      if (len < adv) throw TRUNC_GET;
      nh = c.u8(p);
      p += adv;
      len -= adv;
      continue;
    }
    if (nh === 44) {
      const fo = c.u16(p + 2);
      c.s(`frag (${c.u32(p + 4)}|${fo & 0xfff8}) `);
      fragmented = true;
      nh = c.u8(p);
      p += 8;
      len -= 8;
      if ((fo & 0xfff8) !== 0) return NOT_TCP;
      continue;
    }
    break;
  }
  if (nh === IPPROTO_TCP) {
    const ctx = tcpCtx;
    ctx.ipOffset = o;
    ctx.version = 6;
    ctx.ipNextIsTcp = p === o + 40;
    ctx.length = len;
    ctx.fragmented = fragmented;
    printTcp(c, p, ctx, table, opts);
    return TCP;
  }
  if (SHOWS_PORTS.has(nh) && c.has(p, 4)) {
    c.s(`${ipv6String(c.b, o + 8)}.${c.u16(p)} > ${ipv6String(c.b, o + 24)}.${c.u16(p + 2)}: `);
  }
  otherSummary(c, nh, p, len);
  return NOT_TCP;
}
