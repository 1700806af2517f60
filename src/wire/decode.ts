/**
 * @module wire/decode
 * The lax decoder: link → IPv4/IPv6 (with extension headers) → TCP, keeping every layer that
 * decoded and stopping at the first that did not with a typed {@link DecodeIssue} (etherparse's
 * "lax" model). Offsets in issues are absolute from the frame's first byte.
 */
import type { DecodeIssue, DecodedPacket, IpHeader, LengthSource, LinkHeader, TcpHeader } from './packet.js';
import { be16, be32 } from './bytes.js';
import { ipv4String, ipv6String } from './addr.js';
import { decodeLink, ETHERTYPE, newLinkInfo, type LinkInfo } from './link.js';
import { decodeTcpOptions } from './tcp-options.js';

/** The minimum a decoder needs from a capture record. */
export interface FrameInput {
  readonly tsNs: bigint;
  readonly data: Uint8Array;
  readonly caplen?: number;
  readonly origLen?: number;
  readonly linkType: number;
}

export const IPPROTO = {
  HOPOPTS: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NONE: 59,
  DSTOPTS: 60,
} as const;

const IPV4_MIN_HDR = 20;
const IPV6_HDR = 40;
const TCP_MIN_HDR = 20;

function issue(
  code: DecodeIssue['code'],
  layer: DecodeIssue['layer'],
  offset: number,
  needed: number,
  available: number,
  reason: string,
  lengthSource?: LengthSource,
): DecodeIssue {
  return lengthSource === undefined
    ? { code, layer, offset, needed, available, reason }
    : { code, layer, offset, needed, available, lengthSource, reason };
}

interface IpResult {
  ip?: IpHeader;
  /** Offset of the upper-layer header. */
  upper: number;
  /** End of the IP datagram as declared, clipped to the captured bytes. */
  end: number;
  issue?: DecodeIssue;
}

function decodeIpv4(f: Uint8Array, o: number, capEnd: number): IpResult {
  if (capEnd - o < IPV4_MIN_HDR) {
    return {
      upper: -1,
      end: capEnd,
      issue: issue('truncated', 'ipv4', o, IPV4_MIN_HDR, capEnd - o, 'IPv4 header cut short', 'caplen'),
    };
  }
  const ihl = ((f[o] as number) & 0x0f) * 4;
  if (ihl < IPV4_MIN_HDR) {
    return {
      upper: -1,
      end: capEnd,
      issue: issue(
        'bad-length',
        'ipv4',
        o,
        IPV4_MIN_HDR,
        ihl,
        `IPv4 header length ${ihl} < 20`,
        'ipv4-header-length',
      ),
    };
  }
  const total = be16(f, o + 2);
  if (total < ihl) {
    return {
      upper: -1,
      end: capEnd,
      issue: issue(
        'bad-length',
        'ipv4',
        o + 2,
        ihl,
        total,
        `IPv4 total length ${total} < header length ${ihl}`,
        'ipv4-total-length',
      ),
    };
  }
  if (capEnd - o < ihl) {
    return {
      upper: -1,
      end: capEnd,
      issue: issue('truncated', 'ipv4', o, ihl, capEnd - o, 'IPv4 options cut short', 'caplen'),
    };
  }
  const frag = be16(f, o + 6);
  const ip: IpHeader = {
    version: 4,
    src: ipv4String(f, o + 12),
    dst: ipv4String(f, o + 16),
    protocol: f[o + 9] as number,
    ttl: f[o + 8] as number,
    headerLength: ihl,
    payloadLength: total - ihl,
    id: be16(f, o + 4),
    fragmentOffset: (frag & 0x1fff) * 8,
    moreFragments: (frag & 0x2000) !== 0,
  };
  return { ip, upper: o + ihl, end: Math.min(capEnd, o + total) };
}

function decodeIpv6(f: Uint8Array, o: number, capEnd: number): IpResult {
  if (capEnd - o < IPV6_HDR) {
    return {
      upper: -1,
      end: capEnd,
      issue: issue('truncated', 'ipv6', o, IPV6_HDR, capEnd - o, 'IPv6 header cut short', 'caplen'),
    };
  }
  const plen = be16(f, o + 4);
  const end = Math.min(capEnd, o + IPV6_HDR + plen);
  let next = f[o + 6] as number;
  let p = o + IPV6_HDR;
  let fragOffset = 0;
  let more = false;
  let fragId = 0;
  // Walk extension headers (bounded: each step advances by at least 8 bytes).
  for (;;) {
    if (
      next === IPPROTO.HOPOPTS ||
      next === IPPROTO.ROUTING ||
      next === IPPROTO.DSTOPTS ||
      next === IPPROTO.AH
    ) {
      if (end - p < 2) {
        return {
          upper: -1,
          end,
          issue: issue(
            'truncated',
            'ipv6',
            p,
            2,
            Math.max(0, end - p),
            `extension header ${next} cut short`,
            'caplen',
          ),
        };
      }
      const len = next === IPPROTO.AH ? ((f[p + 1] as number) + 2) * 4 : ((f[p + 1] as number) + 1) * 8;
      if (end - p < len) {
        return {
          upper: -1,
          end,
          issue: issue(
            'truncated',
            'ipv6',
            p,
            len,
            end - p,
            `extension header ${next} cut short`,
            'ipv6-extension-length',
          ),
        };
      }
      next = f[p] as number;
      p += len;
      continue;
    }
    if (next === IPPROTO.FRAGMENT) {
      if (end - p < 8) {
        return {
          upper: -1,
          end,
          issue: issue(
            'truncated',
            'ipv6',
            p,
            8,
            Math.max(0, end - p),
            'fragment header cut short',
            'caplen',
          ),
        };
      }
      const fo = be16(f, p + 2);
      fragOffset = fo & 0xfff8;
      more = (fo & 1) !== 0;
      fragId = be32(f, p + 4);
      next = f[p] as number;
      p += 8;
      continue;
    }
    break;
  }
  const ip: IpHeader = {
    version: 6,
    src: ipv6String(f, o + 8),
    dst: ipv6String(f, o + 24),
    protocol: next,
    ttl: f[o + 7] as number,
    headerLength: p - o,
    payloadLength: Math.max(0, plen - (p - o - IPV6_HDR)),
    id: fragId,
    fragmentOffset: fragOffset,
    moreFragments: more,
  };
  return { ip, upper: p, end };
}

function decodeTcp(
  f: Uint8Array,
  o: number,
  segEnd: number,
  capEnd: number,
  version: 4 | 6,
): { tcp?: TcpHeader; issue?: DecodeIssue } {
  if (capEnd - o < TCP_MIN_HDR) {
    const declared: LengthSource = version === 4 ? 'ipv4-total-length' : 'ipv6-payload-length';
    const src: LengthSource = segEnd - o < TCP_MIN_HDR ? declared : 'caplen';
    return {
      issue: issue('truncated', 'tcp', o, TCP_MIN_HDR, Math.max(0, capEnd - o), 'TCP header cut short', src),
    };
  }
  const hlen = ((f[o + 12] as number) >> 4) * 4;
  if (hlen < TCP_MIN_HDR) {
    return {
      issue: issue(
        'bad-length',
        'tcp',
        o + 12,
        TCP_MIN_HDR,
        hlen,
        `TCP data offset ${hlen} < 20`,
        'tcp-data-offset',
      ),
    };
  }
  const opts = decodeTcpOptions(f, o + TCP_MIN_HDR, o + hlen, capEnd);
  // One object literal of fixed shape (object spreads cost more than the decode itself).
  const tcp: TcpHeader = {
    srcPort: be16(f, o),
    dstPort: be16(f, o + 2),
    seq: be32(f, o + 4),
    ack: be32(f, o + 8),
    headerLength: hlen,
    flags: be16(f, o + 12) & 0x1ff,
    window: be16(f, o + 14),
    checksum: be16(f, o + 16),
    urgentPointer: be16(f, o + 18),
    options: opts.options,
  };
  if (hlen > segEnd - o) {
    return {
      tcp,
      issue: issue(
        'bad-length',
        'tcp',
        o + 12,
        hlen,
        segEnd - o,
        `TCP data offset ${hlen} beyond the segment`,
        'tcp-data-offset',
      ),
    };
  }
  return opts.issue ? { tcp, issue: opts.issue } : { tcp };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function linkHeader(li: LinkInfo): LinkHeader {
  const h: Mutable<LinkHeader> = { linkType: li.linkType };
  if (li.etherType >= 0) h.etherType = li.etherType;
  if (li.vlan0 >= 0) h.vlan = li.vlan1 < 0 ? [li.vlan0] : [li.vlan0, li.vlan1];
  if (li.interfaceIndex >= 0) h.interfaceIndex = li.interfaceIndex;
  if (li.packetType >= 0) h.packetType = li.packetType;
  return h;
}

/** The packet object, keys in the documented order; absent layers and `stop` are left out. */
function packet(
  rec: FrameInput,
  capEnd: number,
  link: LinkHeader,
  ip: IpHeader | undefined,
  tcp: TcpHeader | undefined,
  payloadOffset: number,
  payloadLength: number,
  capturedPayloadLength: number,
  stop: DecodeIssue | undefined,
): DecodedPacket {
  const tsNs = rec.tsNs;
  const origLen = rec.origLen ?? capEnd;
  const p: Mutable<DecodedPacket> =
    ip === undefined
      ? { tsNs, caplen: capEnd, origLen, link, payloadOffset, payloadLength, capturedPayloadLength }
      : tcp === undefined
        ? { tsNs, caplen: capEnd, origLen, link, ip, payloadOffset, payloadLength, capturedPayloadLength }
        : {
            tsNs,
            caplen: capEnd,
            origLen,
            link,
            ip,
            tcp,
            payloadOffset,
            payloadLength,
            capturedPayloadLength,
          };
  if (stop) p.stop = { layer: stop.layer, issue: stop };
  return p;
}

/**
 * Decode one frame as far as it goes.
 * @example
 * const p = decodePacket(record);
 * if (p.tcp) console.log(p.ip?.src, p.tcp.srcPort, p.payloadLength);
 */
export function decodePacket(rec: FrameInput): DecodedPacket {
  const f = rec.data;
  const capEnd = Math.min(rec.caplen ?? f.length, f.length);
  const li = decodeLink(f, capEnd, rec.linkType, newLinkInfo());
  const link = linkHeader(li);
  if (li.issue || li.netOffset < 0) {
    const stop = li.issue ?? issue('unsupported', 'raw', 0, 0, capEnd, 'no network layer');
    return packet(rec, capEnd, link, undefined, undefined, -1, 0, 0, stop);
  }
  let ipr: IpResult;
  if (li.etherType === ETHERTYPE.IPV4) ipr = decodeIpv4(f, li.netOffset, capEnd);
  else if (li.etherType === ETHERTYPE.IPV6) ipr = decodeIpv6(f, li.netOffset, capEnd);
  else return packet(rec, capEnd, link, undefined, undefined, -1, 0, 0, undefined);
  const ip = ipr.ip;
  if (!ip) return packet(rec, capEnd, link, undefined, undefined, -1, 0, 0, ipr.issue);
  if (ip.protocol !== IPPROTO.TCP || ip.fragmentOffset !== 0) {
    return packet(rec, capEnd, link, ip, undefined, -1, 0, 0, ipr.issue);
  }
  const segEnd = ipr.upper + ip.payloadLength;
  const t = decodeTcp(f, ipr.upper, segEnd, ipr.end, ip.version);
  if (!t.tcp) return packet(rec, capEnd, link, ip, undefined, -1, 0, 0, t.issue);
  const payloadOffset = ipr.upper + t.tcp.headerLength;
  const payloadLength = Math.max(0, segEnd - payloadOffset);
  const capturedPayloadLength = Math.max(0, Math.min(payloadLength, ipr.end - payloadOffset));
  return packet(rec, capEnd, link, ip, t.tcp, payloadOffset, payloadLength, capturedPayloadLength, t.issue);
}
