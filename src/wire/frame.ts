/**
 * @module wire/frame
 * The hot-path decoder (gopacket's "decode into preallocated layers"): one {@link FrameDecoder}
 * is reused for every frame and its plain numeric fields are overwritten in place, so decoding
 * a well-formed frame allocates nothing. Addresses stay as offsets into the frame (IPv4 ones
 * also as 32-bit numbers); TCP options stay as the byte range `[optionsStart, optionsEnd)`, with
 * {@link decodeTcpOptions} for the structured form on request.
 *
 * It stops exactly where {@link decodePacket} stops (same checks, same order, proved by
 * `frame.test.ts` over real captures, every cut and random bytes). On a stop, `stopLayer` is
 * set at once; the full typed issue is built only when asked for ({@link FrameDecoder.issue}).
 */
import type { DecodeIssue, DecodedPacket, Layer } from './packet.js';
import { be16, be32 } from './bytes.js';
import { decodeLink, ETHERTYPE, LINKTYPE, newLinkInfo, type LinkInfo } from './link.js';
import { decodePacket, IPPROTO } from './decode.js';
import { TCPOPT } from './tcp-options.js';

// IPv4 field offsets (RFC 791 §3.1).
const V4_TOTAL_LENGTH = 2;
const V4_ID = 4;
const V4_FRAG = 6;
const V4_TTL = 8;
const V4_PROTOCOL = 9;
const V4_SRC = 12;
const V4_DST = 16;
const V4_MIN_HDR = 20;
// IPv6 field offsets (RFC 8200 §3).
const V6_PAYLOAD_LENGTH = 4;
const V6_NEXT = 6;
const V6_HOP_LIMIT = 7;
const V6_SRC = 8;
const V6_DST = 24;
const V6_HDR = 40;
const V6_FRAG_HDR = 8;
// TCP field offsets (RFC 9293 §3.1).
const TCP_SRC_PORT = 0;
const TCP_DST_PORT = 2;
const TCP_SEQ = 4;
const TCP_ACK = 8;
const TCP_OFFSET_FLAGS = 12;
const TCP_WINDOW = 14;
const TCP_CHECKSUM = 16;
const TCP_URGENT = 18;
const TCP_MIN_HDR = 20;

const FIXED_OPTION_LENGTH = new Int8Array(256).fill(-1);
FIXED_OPTION_LENGTH[TCPOPT.MSS] = 4;
FIXED_OPTION_LENGTH[TCPOPT.WSCALE] = 3;
FIXED_OPTION_LENGTH[TCPOPT.SACK_PERMITTED] = 2;
FIXED_OPTION_LENGTH[TCPOPT.TIMESTAMP] = 10;
FIXED_OPTION_LENGTH[TCPOPT.MD5] = 18;
FIXED_OPTION_LENGTH[TCPOPT.UTO] = 4;

/** True when the options area would stop the structured option decode with an issue. */
function optionsHaveIssue(f: Uint8Array, start: number, end: number, capEnd: number): boolean {
  const limit = Math.min(end, capEnd);
  let o = start;
  while (o < end) {
    if (o >= capEnd) return true;
    const kind = f[o] as number;
    if (kind === TCPOPT.EOL) return false;
    if (kind === TCPOPT.NOP) {
      o++;
      continue;
    }
    if (o + 1 >= limit) return true;
    const len = f[o + 1] as number;
    if (len < 2 || o + len > end || o + len > capEnd) return true;
    const fixed = FIXED_OPTION_LENGTH[kind] as number;
    if (fixed >= 0 && len !== fixed) return true;
    o += len;
  }
  return false;
}

/**
 * A reusable, mutable decode state. Fields hold the last decoded frame; -1 or 0 mean absent.
 * @example
 * const d = new FrameDecoder();
 * for (const rec of records) {
 *   if (d.decode(rec.data, rec.caplen, rec.linkType) && d.hasTcp) count[d.dstPort]++;
 * }
 */
export class FrameDecoder {
  /** Link-layer result (reused). */
  readonly link: LinkInfo = newLinkInfo();
  frame: Uint8Array = new Uint8Array(0);
  /** Offset of the frame's first byte in `frame` (0 unless decoded with `decodeAt`). */
  base = 0;
  /** End of the captured bytes in `frame`. */
  capEnd = 0;
  /** 4, 6, or 0 when there is no IP layer. */
  ipVersion = 0;
  ipOffset = -1;
  ipHeaderLength = 0;
  /** Upper-layer bytes the IP header declares (after IPv6 extension headers). */
  ipPayloadLength = 0;
  /** End of the IP datagram as declared, clipped to the captured bytes. */
  ipEnd = 0;
  protocol = -1;
  ttl = 0;
  ipId = 0;
  fragmentOffset = 0;
  moreFragments = false;
  /** Absolute offsets of the source and destination addresses (4 or 16 bytes). */
  srcAddrOffset = -1;
  dstAddrOffset = -1;
  /** IPv4 addresses as unsigned 32-bit numbers (0 for IPv6). */
  src4 = 0;
  dst4 = 0;
  hasTcp = false;
  tcpOffset = -1;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  tcpHeaderLength = 0;
  /** The nine flag bits (TCP_FLAG). */
  flags = 0;
  window = 0;
  checksum = 0;
  urgentPointer = 0;
  optionsStart = -1;
  optionsEnd = -1;
  payloadOffset = -1;
  payloadLength = 0;
  capturedPayloadLength = 0;
  /** Layer of the first problem, or undefined when every present layer decoded. */
  stopLayer: Layer | undefined = undefined;
  private tsNs = 0n;
  private linkType = -1;

  /**
   * Decode `data[0, caplen)` of link type `linkType` into this object. Returns false when the
   * frame stopped with an issue (layers before it are kept, as in {@link decodePacket}).
   */
  decode(data: Uint8Array, caplen: number, linkType: number, tsNs = 0n): boolean {
    const f = data;
    const capEnd = Math.min(caplen, f.length);
    this.frame = f;
    this.base = 0;
    this.capEnd = capEnd;
    this.tsNs = tsNs;
    this.linkType = linkType;
    this.reset();
    const li = decodeLink(f, capEnd, linkType, this.link);
    if (li.issue || li.netOffset < 0) return this.stop(li.issue ? li.issue.layer : 'raw');
    return this.decodeNet(f, li.netOffset, li.etherType, capEnd);
  }

  /**
   * `decode` for the frame `buf[base, base + caplen)` without a view per frame: offsets stay
   * absolute in `buf` (`frame` is `buf`). Untagged Ethernet, Linux cooked v1/v2 and raw IP are
   * read inline; other link types go through `decode` on a subarray (offsets then relative to it).
   */
  decodeAt(buf: Uint8Array, base: number, caplen: number, linkType: number): boolean {
    const capEnd = Math.min(base + caplen, buf.length);
    let net = -1;
    let etherType = -1;
    let packetType = -1;
    let ifIndex = -1;
    // Same fields as decodeLink (link.ts) for these three layouts.
    if (linkType === LINKTYPE.ETHERNET && capEnd - base >= 14) {
      etherType = be16(buf, base + 12);
      if (etherType !== ETHERTYPE.VLAN && etherType !== ETHERTYPE.QINQ && etherType !== ETHERTYPE.QINQ_OLD)
        net = base + 14;
    } else if (linkType === LINKTYPE.LINUX_SLL2 && capEnd - base >= 20) {
      etherType = be16(buf, base);
      ifIndex = be32(buf, base + 4);
      packetType = buf[base + 10] as number;
      net = base + 20;
    } else if (linkType === LINKTYPE.LINUX_SLL && capEnd - base >= 16) {
      packetType = be16(buf, base);
      etherType = be16(buf, base + 14);
      net = base + 16;
    }
    if (net < 0) return this.decode(buf.subarray(base, base + caplen), caplen, linkType);
    this.frame = buf;
    this.base = base;
    this.capEnd = capEnd;
    this.tsNs = 0n;
    this.linkType = linkType;
    this.reset();
    const li = this.link;
    li.linkType = linkType;
    li.netOffset = net - base;
    li.etherType = etherType;
    li.packetType = packetType;
    li.interfaceIndex = ifIndex;
    li.vlan0 = -1;
    li.vlan1 = -1;
    li.family = -1;
    li.issue = undefined;
    return this.decodeNet(buf, net, etherType, capEnd);
  }

  private decodeNet(f: Uint8Array, o: number, etherType: number, capEnd: number): boolean {
    let upper: number;
    if (etherType === ETHERTYPE.IPV4) {
      if (capEnd - o < V4_MIN_HDR) return this.stop('ipv4');
      const ihl = ((f[o] as number) & 0x0f) * 4;
      const total = be16(f, o + V4_TOTAL_LENGTH);
      if (ihl < V4_MIN_HDR || total < ihl || capEnd - o < ihl) return this.stop('ipv4');
      const frag = be16(f, o + V4_FRAG);
      this.ipVersion = 4;
      this.ipOffset = o;
      this.ipHeaderLength = ihl;
      this.ipPayloadLength = total - ihl;
      this.ipEnd = Math.min(capEnd, o + total);
      this.protocol = f[o + V4_PROTOCOL] as number;
      this.ttl = f[o + V4_TTL] as number;
      this.ipId = be16(f, o + V4_ID);
      this.fragmentOffset = (frag & 0x1fff) * 8;
      this.moreFragments = (frag & 0x2000) !== 0;
      this.srcAddrOffset = o + V4_SRC;
      this.dstAddrOffset = o + V4_DST;
      this.src4 = be32(f, o + V4_SRC);
      this.dst4 = be32(f, o + V4_DST);
      upper = o + ihl;
    } else if (etherType === ETHERTYPE.IPV6) {
      upper = this.decodeIpv6(f, o, capEnd);
      if (upper < 0) return this.stop('ipv6');
    } else {
      return true;
    }
    if (this.protocol !== IPPROTO.TCP || this.fragmentOffset !== 0) return true;
    return this.decodeTcp(f, upper, upper + this.ipPayloadLength, this.ipEnd);
  }

  /** The typed issue of the last frame (built on request; undefined when it decoded fully). */
  issue(): DecodeIssue | undefined {
    if (this.stopLayer === undefined) return undefined;
    return this.toPacket().stop?.issue;
  }

  /** The allocating {@link DecodedPacket} of the last frame. */
  toPacket(): DecodedPacket {
    const data = this.base === 0 ? this.frame : this.frame.subarray(this.base, this.capEnd);
    return decodePacket({ tsNs: this.tsNs, data, caplen: this.capEnd - this.base, linkType: this.linkType });
  }

  private reset(): void {
    this.ipVersion = 0;
    this.ipOffset = -1;
    this.ipHeaderLength = 0;
    this.ipPayloadLength = 0;
    this.ipEnd = 0;
    this.protocol = -1;
    this.ttl = 0;
    this.ipId = 0;
    this.fragmentOffset = 0;
    this.moreFragments = false;
    this.srcAddrOffset = -1;
    this.dstAddrOffset = -1;
    this.src4 = 0;
    this.dst4 = 0;
    this.hasTcp = false;
    this.tcpOffset = -1;
    this.srcPort = this.dstPort = this.seq = this.ack = 0;
    this.tcpHeaderLength = this.flags = this.window = this.checksum = this.urgentPointer = 0;
    this.optionsStart = this.optionsEnd = this.payloadOffset = -1;
    this.payloadLength = this.capturedPayloadLength = 0;
    this.stopLayer = undefined;
  }

  private stop(layer: Layer): false {
    this.stopLayer = layer;
    return false;
  }

  /** IPv6 and its extension headers; returns the upper-layer offset or -1 on a stop. */
  private decodeIpv6(f: Uint8Array, o: number, capEnd: number): number {
    if (capEnd - o < V6_HDR) return -1;
    const plen = be16(f, o + V6_PAYLOAD_LENGTH);
    const end = Math.min(capEnd, o + V6_HDR + plen);
    let next = f[o + V6_NEXT] as number;
    let p = o + V6_HDR;
    // Each step advances by at least 8 bytes, so the walk is bounded by the frame length.
    for (;;) {
      if (
        next === IPPROTO.HOPOPTS ||
        next === IPPROTO.ROUTING ||
        next === IPPROTO.DSTOPTS ||
        next === IPPROTO.AH
      ) {
        if (end - p < 2) return -1;
        const len = next === IPPROTO.AH ? ((f[p + 1] as number) + 2) * 4 : ((f[p + 1] as number) + 1) * 8;
        if (end - p < len) return -1;
        next = f[p] as number;
        p += len;
      } else if (next === IPPROTO.FRAGMENT) {
        if (end - p < V6_FRAG_HDR) return -1;
        const fo = be16(f, p + 2);
        this.fragmentOffset = fo & 0xfff8;
        this.moreFragments = (fo & 1) !== 0;
        this.ipId = be32(f, p + 4);
        next = f[p] as number;
        p += V6_FRAG_HDR;
      } else break;
    }
    this.ipVersion = 6;
    this.ipOffset = o;
    this.ipHeaderLength = p - o;
    this.ipPayloadLength = Math.max(0, plen - (p - o - V6_HDR));
    this.ipEnd = end;
    this.protocol = next;
    this.ttl = f[o + V6_HOP_LIMIT] as number;
    this.srcAddrOffset = o + V6_SRC;
    this.dstAddrOffset = o + V6_DST;
    return p;
  }

  private decodeTcp(f: Uint8Array, o: number, segEnd: number, capEnd: number): boolean {
    if (capEnd - o < TCP_MIN_HDR) return this.stop('tcp');
    const hlen = ((f[o + TCP_OFFSET_FLAGS] as number) >> 4) * 4;
    if (hlen < TCP_MIN_HDR) return this.stop('tcp');
    this.hasTcp = true;
    this.tcpOffset = o;
    this.srcPort = be16(f, o + TCP_SRC_PORT);
    this.dstPort = be16(f, o + TCP_DST_PORT);
    this.seq = be32(f, o + TCP_SEQ);
    this.ack = be32(f, o + TCP_ACK);
    this.tcpHeaderLength = hlen;
    this.flags = be16(f, o + TCP_OFFSET_FLAGS) & 0x1ff;
    this.window = be16(f, o + TCP_WINDOW);
    this.checksum = be16(f, o + TCP_CHECKSUM);
    this.urgentPointer = be16(f, o + TCP_URGENT);
    this.optionsStart = o + TCP_MIN_HDR;
    this.optionsEnd = o + hlen;
    this.payloadOffset = o + hlen;
    this.payloadLength = Math.max(0, segEnd - this.payloadOffset);
    this.capturedPayloadLength = Math.max(0, Math.min(this.payloadLength, capEnd - this.payloadOffset));
    if (hlen > segEnd - o) return this.stop('tcp');
    if (optionsHaveIssue(f, o + TCP_MIN_HDR, o + hlen, capEnd)) return this.stop('tcp-option');
    return true;
  }
}
