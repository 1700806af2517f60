import { describe, expect, it } from 'vitest';
import { decodeLink, ETHERTYPE, LINKTYPE, newLinkInfo } from './link.js';
import { decodePacket } from './decode.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S], seq 1, win 512, length 0
const IPV4_SYN = hex(`4500 0028 0001 0000 4006 0000 0a000001 0a000002
  04d2 0050 00000001 00000000 5002 0200 0000 0000`);
// IP6 ::1.1234 > ::1.80: Flags [S], seq 1, win 512, length 0 (next header filled in per test)
const ipv6 = (next: number, ext: Uint8Array): Uint8Array => {
  const h = hex(`6000 0000 0000 0040 00000000000000000000000000000001 00000000000000000000000000000001`);
  h[6] = next;
  const tcp = IPV4_SYN.subarray(20);
  h[4] = 0;
  h[5] = ext.length + tcp.length;
  return Uint8Array.from([...h, ...ext, ...tcp]);
};
const ETH = (type: string) => hex(`020000000002 020000000001 ${type}`);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('link layers', () => {
  const li = newLinkInfo();
  it('Ethernet, one 802.1Q tag, and QinQ (802.1ad + 802.1Q)', () => {
    expect(decodeLink(cat(ETH('0800'), IPV4_SYN), 54, LINKTYPE.ETHERNET, li)).toMatchObject({
      netOffset: 14,
      etherType: ETHERTYPE.IPV4,
      vlan0: -1,
    });
    const one = cat(ETH('8100'), hex('0005 0800'), IPV4_SYN);
    expect(decodeLink(one, one.length, 1, li)).toMatchObject({ netOffset: 18, vlan0: 5, vlan1: -1 });
    const two = cat(ETH('88a8'), hex('0064 8100 0007 0800'), IPV4_SYN);
    expect(decodeLink(two, two.length, 1, li)).toMatchObject({ netOffset: 22, vlan0: 100, vlan1: 7 });
    expect(decodePacket({ tsNs: 0n, data: two, linkType: 1 }).link.vlan).toEqual([100, 7]);
    expect(decodePacket({ tsNs: 0n, data: two, linkType: 1 }).tcp?.dstPort).toBe(80);
    expect(decodeLink(two, 17, 1, li).issue).toMatchObject({ code: 'truncated', layer: 'vlan', offset: 14 });
    expect(decodeLink(two, 13, 1, li).issue).toMatchObject({ layer: 'ethernet', needed: 14, available: 13 });
  });

  it('Linux cooked v1 (113) and v2 (276)', () => {
    const sll = cat(hex('0004 0304 0006 000000000000 0000 0800'), IPV4_SYN);
    expect(decodeLink(sll, sll.length, LINKTYPE.LINUX_SLL, li)).toMatchObject({
      netOffset: 16,
      packetType: 4,
      etherType: 0x0800,
    });
    const sll2 = cat(hex('86dd 0000 00000001 0304 00 06 000000000000 0000'), ipv6(6, new Uint8Array(0)));
    expect(decodeLink(sll2, sll2.length, LINKTYPE.LINUX_SLL2, li)).toMatchObject({
      netOffset: 20,
      interfaceIndex: 1,
      packetType: 0,
      etherType: ETHERTYPE.IPV6,
    });
    expect(decodeLink(sll2, 19, 276, li).issue).toMatchObject({ layer: 'sll2', needed: 20, available: 19 });
  });

  it('BSD NULL and LOOP families in either byte order, as tcpdump maps them', () => {
    const fam = (b: string) => decodeLink(cat(hex(b), IPV4_SYN), 44, LINKTYPE.NULL, li).etherType;
    expect(fam('02000000')).toBe(ETHERTYPE.IPV4); // little-endian AF_INET
    expect(fam('00000002')).toBe(ETHERTYPE.IPV4); // big-endian (LOOP, or a BE machine)
    for (const af of ['18000000', '1c000000', '1e000000', '0000001e']) expect(fam(af)).toBe(ETHERTYPE.IPV6);
    // Linux AF_INET6 (10) is not an IPv6 family for tcpdump's NULL printer ("AF Unknown (10)").
    expect(fam('0a000000')).toBe(-1);
    expect(decodeLink(cat(hex('00000002'), IPV4_SYN), 44, LINKTYPE.LOOP, li).family).toBe(2);
  });

  it('raw IP (101, 12, 14) by version nibble; unknown link types are typed issues', () => {
    for (const lt of [101, 12, 14]) {
      expect(decodeLink(IPV4_SYN, 40, lt, li)).toMatchObject({ netOffset: 0, etherType: ETHERTYPE.IPV4 });
    }
    expect(decodeLink(IPV4_SYN, 0, 101, li).issue).toMatchObject({ code: 'truncated', layer: 'raw' });
    expect(decodeLink(IPV4_SYN, 40, 147, li).issue).toMatchObject({ code: 'unsupported' });
  });
});

describe('IPv6 extension headers and fragments', () => {
  it('walks hop-by-hop, routing, fragment (offset 0) and destination options to TCP', () => {
    const ext = cat(
      hex('2b00 0000 0000 0000'), // hop-by-hop -> routing
      hex('2c00 0000 0000 0000'), // routing -> fragment
      hex('3c00 0000 1234 5678'), // fragment (offset 0, id 0x12345678) -> dst options
      hex('0600 0000 0000 0000'), // destination options -> TCP
    );
    const p = decodePacket({ tsNs: 0n, data: ipv6(0, ext), linkType: 101 });
    expect(p.stop).toBeUndefined();
    expect(p.ip).toMatchObject({
      version: 6,
      protocol: 6,
      headerLength: 72,
      id: 0x12345678,
      fragmentOffset: 0,
    });
    expect(p.tcp).toMatchObject({ srcPort: 1234, dstPort: 80, flags: 0x02 });
  });

  it('does not decode TCP in a later fragment (IPv4 and IPv6)', () => {
    const v6 = decodePacket({ tsNs: 0n, data: ipv6(44, hex('0600 0008 0000 0001')), linkType: 101 });
    expect(v6.ip).toMatchObject({ fragmentOffset: 8, protocol: 6 });
    expect(v6.tcp).toBeUndefined();
    const v4 = Uint8Array.from(IPV4_SYN);
    v4[7] = 1; // fragment offset 1 (8 bytes)
    const p4 = decodePacket({ tsNs: 0n, data: v4, linkType: 101 });
    expect(p4.ip).toMatchObject({ fragmentOffset: 8 });
    expect(p4.tcp).toBeUndefined();
  });

  it('stops with a typed issue on an extension header cut short', () => {
    // hop-by-hop claiming 48 bytes where 28 remain
    const data = ipv6(0, hex('0605 0000 0000 0000'));
    const p = decodePacket({ tsNs: 0n, data, linkType: 101 });
    expect(p.stop?.issue).toMatchObject({
      code: 'truncated',
      layer: 'ipv6',
      offset: 40,
      needed: 48,
      available: 28,
      lengthSource: 'ipv6-extension-length',
    });
    // a valid 16-byte hop-by-hop leaves 12 bytes of TCP header: the payload length set the limit
    const short = decodePacket({ tsNs: 0n, data: ipv6(0, hex('0601 0000 0000 0000')), linkType: 101 });
    expect(short.stop?.issue).toMatchObject({
      layer: 'tcp',
      offset: 56,
      needed: 20,
      available: 12,
      lengthSource: 'ipv6-payload-length',
    });
  });
});
