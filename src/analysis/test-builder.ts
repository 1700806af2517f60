/**
 * @module analysis/test-builder
 * Hand-made `DecodedPacket`s for tests and examples: a two-party conversation builder that
 * keeps each side's sequence and acknowledgement numbers consistent, so a test reads like the
 * capture it describes. Flags use tcpdump's letters: S F R P and `.` for ACK.
 */
import type { Endpoint } from '../events.js';
import { writePcap } from '../capture/writer.js';
import { TCP_FLAG, type DecodedPacket, type TcpOption } from '../wire/packet.js';

/** Parse tcpdump flag letters (`S.`, `P.`, `F.`, `R`, `.`) into the header's flag bits. */
export function parseFlagLetters(letters: string): number {
  let f = 0;
  for (const ch of letters) {
    if (ch === 'S') f |= TCP_FLAG.SYN;
    else if (ch === 'F') f |= TCP_FLAG.FIN;
    else if (ch === 'R') f |= TCP_FLAG.RST;
    else if (ch === 'P') f |= TCP_FLAG.PSH;
    else if (ch === '.') f |= TCP_FLAG.ACK;
    else if (ch === 'U') f |= TCP_FLAG.URG;
  }
  return f;
}

export interface RawSegment {
  readonly tsNs: bigint;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly flags: string;
  readonly seq: number;
  readonly ack: number;
  readonly len?: number;
  readonly window?: number;
  readonly options?: readonly TcpOption[];
}

/** One IPv4 TCP packet as a decoder would produce it. */
export function makePacket(s: RawSegment): DecodedPacket {
  const len = s.len ?? 0;
  const options = s.options ?? [];
  const headerLength = 20 + 4 * Math.ceil((options.length * 3) / 4);
  return {
    tsNs: s.tsNs,
    caplen: 14 + 20 + headerLength + len,
    origLen: 14 + 20 + headerLength + len,
    link: { linkType: 1 },
    ip: {
      version: 4,
      src: s.src.addr,
      dst: s.dst.addr,
      protocol: 6,
      ttl: 64,
      headerLength: 20,
      payloadLength: headerLength + len,
      id: 0,
      fragmentOffset: 0,
      moreFragments: false,
    },
    tcp: {
      srcPort: s.src.port,
      dstPort: s.dst.port,
      seq: s.seq >>> 0,
      ack: s.ack >>> 0,
      headerLength,
      flags: parseFlagLetters(s.flags),
      window: s.window ?? 512,
      checksum: 0,
      urgentPointer: 0,
      options,
    },
    payloadOffset: 14 + 20 + headerLength,
    payloadLength: len,
    capturedPayloadLength: len,
  };
}

type Side = 'c' | 's';

export interface BuilderOptions {
  readonly client?: Endpoint;
  readonly server?: Endpoint;
  readonly clientIsn?: number;
  readonly serverIsn?: number;
  readonly startNs?: bigint;
  /** Time between consecutive packets (default 1 ms). */
  readonly stepNs?: bigint;
}

export const SYN_OPTIONS: readonly TcpOption[] = [
  { kind: 'mss', mss: 65495 },
  { kind: 'sackOK' },
  { kind: 'ts', val: 1, ecr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

/**
 * A client ('c') / server ('s') conversation. Each call appends one packet and advances that
 * side's next sequence number; ACKs carry what the sender has seen so far.
 * @example new Conversation().handshake().data('c', 58).ack('s').packets
 */
export class Conversation {
  readonly packets: DecodedPacket[] = [];
  readonly ep: Record<Side, Endpoint>;
  /** Next sequence number each side will send. */
  readonly nxt: Record<Side, number>;
  /** Highest sequence number each side has received from the other (its rcv_nxt). */
  readonly rcv: Record<Side, number>;
  readonly isn: Record<Side, number>;
  tsNs: bigint;
  stepNs: bigint;

  constructor(o: BuilderOptions = {}) {
    this.ep = {
      c: o.client ?? { addr: '127.0.0.1', port: 40000 },
      s: o.server ?? { addr: '127.0.0.1', port: 8006 },
    };
    this.isn = { c: o.clientIsn ?? 1000, s: o.serverIsn ?? 5000 };
    this.nxt = { c: this.isn.c, s: this.isn.s };
    this.rcv = { c: 0, s: 0 };
    this.tsNs = o.startNs ?? 1_700_000_000_000_000_000n;
    this.stepNs = o.stepNs ?? 1_000_000n;
  }

  /** Let time pass. */
  wait(ns: bigint): this {
    this.tsNs += ns;
    return this;
  }

  /** Append a segment from `from` with explicit fields (nothing is advanced). */
  raw(
    from: Side,
    flags: string,
    seq: number,
    ack: number,
    len = 0,
    window?: number,
    options?: readonly TcpOption[],
  ): this {
    const to: Side = from === 'c' ? 's' : 'c';
    this.tsNs += this.stepNs;
    this.packets.push(
      makePacket({
        tsNs: this.tsNs,
        src: this.ep[from],
        dst: this.ep[to],
        flags,
        seq,
        ack,
        len,
        ...(window !== undefined ? { window } : {}),
        ...(options ? { options } : {}),
      }),
    );
    const end = (seq + len + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0)) >>> 0;
    if (((end - this.rcv[to]) | 0) > 0 || this.rcv[to] === 0) this.rcv[to] = end;
    return this;
  }

  /** Send from `from`, advancing its sequence number. */
  send(from: Side, flags: string, len = 0, window?: number, options?: readonly TcpOption[]): this {
    const seq = this.nxt[from];
    const ack = flags.includes('.') ? this.rcv[from] : 0;
    this.raw(from, flags, seq, ack, len, window, options);
    this.nxt[from] = (seq + len + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0)) >>> 0;
    return this;
  }

  handshake(): this {
    return this.send('c', 'S', 0, 65495, SYN_OPTIONS).send('s', 'S.', 0, 65483, SYN_OPTIONS).send('c', '.');
  }
  data(from: Side, len: number, window?: number): this {
    return this.send(from, 'P.', len, window);
  }
  ack(from: Side, window?: number): this {
    return this.send(from, '.', 0, window);
  }
  fin(from: Side): this {
    return this.send(from, 'F.');
  }
  /** A RST at the sender's next sequence number (as Linux sends it). */
  rst(from: Side, withAck = false): this {
    return this.raw(from, withAck ? 'R.' : 'R', this.nxt[from], withAck ? this.rcv[from] : 0);
  }
}

/** Ethernet + IPv4 + TCP bytes for a hand-made packet (options: MSS, wscale, SACK-permitted, TS). */
function encode(p: DecodedPacket): Uint8Array {
  const ip = p.ip!;
  const tcp = p.tcp!;
  const opts: number[] = [];
  for (const o of tcp.options) {
    if (o.kind === 'mss') opts.push(2, 4, o.mss >> 8, o.mss & 255);
    else if (o.kind === 'wscale') opts.push(1, 3, 3, o.shift);
    else if (o.kind === 'sackOK') opts.push(1, 1, 4, 2);
    else if (o.kind === 'ts') opts.push(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0);
  }
  while (opts.length % 4) opts.push(0);
  const thl = 20 + opts.length;
  const b = new Uint8Array(14 + 20 + thl + p.payloadLength);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800);
  const o = 14;
  b[o] = 0x45;
  v.setUint16(o + 2, 20 + thl + p.payloadLength);
  b[o + 8] = 64;
  b[o + 9] = 6;
  ip.src.split('.').forEach((x, i) => (b[o + 12 + i] = Number(x)));
  ip.dst.split('.').forEach((x, i) => (b[o + 16 + i] = Number(x)));
  const t = o + 20;
  v.setUint16(t, tcp.srcPort);
  v.setUint16(t + 2, tcp.dstPort);
  v.setUint32(t + 4, tcp.seq);
  v.setUint32(t + 8, tcp.ack);
  v.setUint16(t + 12, ((thl / 4) << 12) | tcp.flags);
  v.setUint16(t + 14, tcp.window);
  b.set(opts, t + 20);
  return b;
}

/** Many connections: normal closes, port reuse, resets, refused, data after FIN, open ones. */
export function syntheticCapture(): Uint8Array {
  const packets: DecodedPacket[] = [];
  let t = 1_700_000_000_123_456_789n;
  for (let i = 0; i < 400; i++) {
    const port = 40000 + (i % 150); // ports come back: reuse with a new ISN
    const conv = new Conversation({
      client: { addr: `10.0.${i % 3}.1`, port },
      server: { addr: '10.0.9.9', port: 8080 },
      clientIsn: 1000 + i * 7919,
      startNs: t,
      stepNs: 7_000n + BigInt(i % 5) * 1_000_000n,
    });
    if (i % 11 === 0) conv.raw('c', 'S', conv.nxt.c - 1, 0).raw('s', 'R.', 0, conv.nxt.c);
    else {
      conv
        .handshake()
        .data('c', 100 + i)
        .ack('s')
        .data('s', 1000);
      if (i % 7 === 0) conv.rst('c');
      else if (i % 13 === 0) conv.fin('s').ack('c').data('c', 10).rst('s');
      else if (i % 17 !== 0) conv.fin('c').ack('s').fin('s').ack('c');
    }
    packets.push(...conv.packets);
    t = conv.tsNs + 300_000_000n;
  }
  return writePcap(
    packets.map((p) => {
      const data = encode(p);
      return { tsNs: p.tsNs, data, origLen: data.length };
    }),
    { linkType: 1, snaplen: 262144 },
  );
}
