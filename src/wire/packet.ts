/**
 * @module wire/packet
 * The contract between the decoders (`src/wire`), the formatter (`src/format`), the analyzers
 * (`src/analysis`) and the lab: what one decoded frame looks like as plain, JSON-safe data
 * (bigints aside). Decoders may use zero-copy views internally on hot paths; this is the
 * convenience shape they produce on request.
 */

/** Which layer a decode issue belongs to. */
export type Layer =
  | 'pcap'
  | 'pcapng'
  | 'ethernet'
  | 'vlan'
  | 'sll'
  | 'sll2'
  | 'null'
  | 'raw'
  | 'ipv4'
  | 'ipv6'
  | 'tcp'
  | 'tcp-option';

/** Which length field set the limit that was hit. */
export type LengthSource =
  | 'caplen'
  | 'snaplen'
  | 'block-length'
  | 'ipv4-total-length'
  | 'ipv4-header-length'
  | 'ipv6-payload-length'
  | 'ipv6-extension-length'
  | 'tcp-data-offset'
  | 'option-length';

/** A decode problem as data (etherparse style). Offsets are absolute from the frame's first byte
 * (or, for file-level issues, from the file's first byte). */
export interface DecodeIssue {
  readonly code: 'truncated' | 'bad-length' | 'bad-value' | 'unsupported';
  readonly layer: Layer;
  readonly offset: number;
  readonly needed: number;
  readonly available: number;
  readonly lengthSource?: LengthSource;
  readonly reason: string;
}

/** TCP flag bits as in the header's 12-bit flags field. */
export const TCP_FLAG = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  AE: 0x100,
} as const;

/** A decoded TCP option. Unknown kinds keep their raw bytes and never throw. */
export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sackOK' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'ts'; readonly val: number; readonly ecr: number }
  | { readonly kind: 'md5'; readonly digest: string }
  | { readonly kind: 'tcp-ao'; readonly keyId: number; readonly rnextKeyId: number; readonly mac: string }
  | { readonly kind: 'tfo'; readonly cookie: string; readonly experimental: boolean }
  | { readonly kind: 'mptcp'; readonly subtype: number; readonly data: string }
  | { readonly kind: 'uto'; readonly granularity: 'seconds' | 'minutes'; readonly timeout: number }
  | { readonly kind: 'unknown'; readonly code: number; readonly data: string };

export interface TcpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Unsigned 32-bit. */
  readonly seq: number;
  /** Unsigned 32-bit. */
  readonly ack: number;
  readonly headerLength: number;
  /** 12-bit flags field (see TCP_FLAG). */
  readonly flags: number;
  /** Raw window field, not scaled. */
  readonly window: number;
  readonly checksum: number;
  readonly urgentPointer: number;
  readonly options: readonly TcpOption[];
}

export interface IpHeader {
  readonly version: 4 | 6;
  /** Printed as tcpdump -n prints it (dotted quad, or RFC 5952 IPv6). */
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol after extension headers (6 = TCP). */
  readonly protocol: number;
  /** TTL (IPv4) or hop limit (IPv6). */
  readonly ttl: number;
  /** Bytes of IP header including IPv6 extension headers. */
  readonly headerLength: number;
  /** Bytes of upper-layer data the IP header declares (total length - header length). */
  readonly payloadLength: number;
  /** IPv4 id / IPv6 fragment id (0 when none). */
  readonly id: number;
  /** Fragment offset in bytes; 0 for the first or only fragment. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
}

/** Link-layer facts worth keeping. `interfaceIndex`/`packetType` come from SLL/SLL2. */
export interface LinkHeader {
  readonly linkType: number;
  readonly etherType?: number;
  readonly vlan?: readonly number[];
  readonly interfaceIndex?: number;
  /** SLL packet type: 0 host, 1 broadcast, 2 multicast, 3 otherhost, 4 outgoing. */
  readonly packetType?: number;
  readonly srcMac?: string;
  readonly dstMac?: string;
}

/** One frame, decoded as far as it goes. */
export interface DecodedPacket {
  /** CLOCK_REALTIME in nanoseconds. */
  readonly tsNs: bigint;
  readonly caplen: number;
  readonly origLen: number;
  readonly link: LinkHeader;
  readonly ip?: IpHeader;
  readonly tcp?: TcpHeader;
  /** Absolute offset of the TCP payload in the frame (when tcp is present). */
  readonly payloadOffset: number;
  /** TCP payload length as the IP header declares it. */
  readonly payloadLength: number;
  /** How much of the payload was captured (<= payloadLength). */
  readonly capturedPayloadLength: number;
  /** The first layer that did not decode, if any: every layer before it is kept. */
  readonly stop?: { readonly layer: Layer; readonly issue: DecodeIssue };
}
