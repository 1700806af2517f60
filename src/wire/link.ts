/**
 * @module wire/link
 * Link-layer headers: where the network-layer packet starts and what it is. Ethernet (with
 * 802.1Q/802.1ad tags), Linux cooked v1 (SLL, 113) and v2 (SLL2, 276), BSD NULL (0) and LOOP
 * (108), raw IP (101, 12, 14). Pure: no allocation on the success path beyond the result object
 * the caller passes in.
 */
import type { DecodeIssue, Layer } from './packet.js';
import { be16, be32 } from './bytes.js';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD: 12,
  RAW_OLD2: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
} as const;

const ETH_HDR_LEN = 14;
const VLAN_TAG_LEN = 4;
const SLL_HDR_LEN = 16;
const SLL_PROTOCOL_OFFSET = 14;
const SLL_PKTTYPE_OFFSET = 0;
const SLL2_HDR_LEN = 20;
const SLL2_PROTOCOL_OFFSET = 0;
const SLL2_IFINDEX_OFFSET = 4;
const SLL2_PKTTYPE_OFFSET = 10;
const NULL_HDR_LEN = 4;

/** What the link layer says about a frame. Reused across packets on hot paths. */
export interface LinkInfo {
  linkType: number;
  /** Offset of the network-layer header, or -1 when the link header did not decode. */
  netOffset: number;
  /** EtherType of the payload (0x0800, 0x86dd, …), or -1 when unknown (NULL families map to it). */
  etherType: number;
  /** SLL/SLL2 packet type, -1 otherwise. */
  packetType: number;
  /** SLL2 interface index, -1 otherwise. */
  interfaceIndex: number;
  /** Up to two VLAN ids seen (Ethernet), -1 when absent. */
  vlan0: number;
  vlan1: number;
  /** BSD NULL/LOOP family after byte-order correction, -1 otherwise. */
  family: number;
  issue: DecodeIssue | undefined;
}

export function newLinkInfo(): LinkInfo {
  return {
    linkType: -1,
    netOffset: -1,
    etherType: -1,
    packetType: -1,
    interfaceIndex: -1,
    vlan0: -1,
    vlan1: -1,
    family: -1,
    issue: undefined,
  };
}

function truncated(
  layer: Layer,
  offset: number,
  needed: number,
  available: number,
  reason: string,
): DecodeIssue {
  return { code: 'truncated', layer, offset, needed, available, lengthSource: 'caplen', reason };
}

/** BSD AF_ values tcpdump maps to IPv4/IPv6 in NULL/LOOP headers. */
function familyToEtherType(family: number): number {
  if (family === 2) return ETHERTYPE.IPV4;
  if (family === 24 || family === 28 || family === 30) return ETHERTYPE.IPV6;
  return -1;
}

/**
 * Decode the link header of `frame` (captured bytes `[0, caplen)`) into `out`.
 * @example
 * const li = newLinkInfo(); decodeLink(frame, frame.length, 1, li); // li.netOffset === 14 for IPv4 over Ethernet
 */
export function decodeLink(frame: Uint8Array, caplen: number, linkType: number, out: LinkInfo): LinkInfo {
  out.linkType = linkType;
  out.netOffset = -1;
  out.etherType = -1;
  out.packetType = -1;
  out.interfaceIndex = -1;
  out.vlan0 = -1;
  out.vlan1 = -1;
  out.family = -1;
  out.issue = undefined;
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (caplen < ETH_HDR_LEN) {
        out.issue = truncated('ethernet', 0, ETH_HDR_LEN, caplen, 'Ethernet header cut short');
        return out;
      }
      let off = 12;
      let type = be16(frame, off);
      let tags = 0;
      while (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_OLD) {
        if (caplen < off + 2 + VLAN_TAG_LEN) {
          out.issue = truncated(
            'vlan',
            off + 2,
            VLAN_TAG_LEN,
            Math.max(0, caplen - off - 2),
            '802.1Q tag cut short',
          );
          return out;
        }
        const vid = be16(frame, off + 2) & 0x0fff;
        if (tags === 0) out.vlan0 = vid;
        else if (tags === 1) out.vlan1 = vid;
        tags++;
        off += VLAN_TAG_LEN;
        type = be16(frame, off);
      }
      out.etherType = type;
      out.netOffset = off + 2;
      return out;
    }
    case LINKTYPE.LINUX_SLL: {
      if (caplen < SLL_HDR_LEN) {
        out.issue = truncated('sll', 0, SLL_HDR_LEN, caplen, 'Linux cooked header cut short');
        return out;
      }
      out.packetType = be16(frame, SLL_PKTTYPE_OFFSET);
      out.etherType = be16(frame, SLL_PROTOCOL_OFFSET);
      out.netOffset = SLL_HDR_LEN;
      return out;
    }
    case LINKTYPE.LINUX_SLL2: {
      if (caplen < SLL2_HDR_LEN) {
        out.issue = truncated('sll2', 0, SLL2_HDR_LEN, caplen, 'Linux cooked v2 header cut short');
        return out;
      }
      out.etherType = be16(frame, SLL2_PROTOCOL_OFFSET);
      out.interfaceIndex = be32(frame, SLL2_IFINDEX_OFFSET);
      out.packetType = frame[SLL2_PKTTYPE_OFFSET] as number;
      out.netOffset = SLL2_HDR_LEN;
      return out;
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (caplen < NULL_HDR_LEN) {
        out.issue = truncated('null', 0, NULL_HDR_LEN, caplen, 'loopback family header cut short');
        return out;
      }
      // Host order of the capturing machine; LOOP is network order. Like tcpdump: if the upper
      // 16 bits are set, the value is byte-swapped.
      let family =
        ((frame[0] as number) |
          ((frame[1] as number) << 8) |
          ((frame[2] as number) << 16) |
          ((frame[3] as number) << 24)) >>>
        0;
      if ((family & 0xffff0000) !== 0) {
        family =
          (((family & 0xff) << 24) |
            ((family & 0xff00) << 8) |
            ((family >>> 8) & 0xff00) |
            (family >>> 24)) >>>
          0;
      }
      out.family = family;
      out.etherType = familyToEtherType(family);
      out.netOffset = NULL_HDR_LEN;
      return out;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
    case LINKTYPE.RAW_OLD2: {
      out.netOffset = 0;
      if (caplen < 1) {
        out.issue = truncated('raw', 0, 1, caplen, 'empty raw IP packet');
        out.netOffset = -1;
        return out;
      }
      const v = (frame[0] as number) >> 4;
      out.etherType = v === 4 ? ETHERTYPE.IPV4 : v === 6 ? ETHERTYPE.IPV6 : -1;
      return out;
    }
    default:
      out.issue = {
        code: 'unsupported',
        layer: 'raw',
        offset: 0,
        needed: 0,
        available: caplen,
        reason: `link type ${linkType} is not supported`,
      };
      return out;
  }
}
