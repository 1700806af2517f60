/**
 * @module capture/writer
 * pcap and pcapng encoders: a streaming {@link PcapWriter} / {@link PcapngWriter} that hand bytes to
 * a sink callback, and whole-file helpers {@link writePcap} / {@link writePcapng}. Used by tests to
 * rewrite captures (nanosecond, big-endian, pcapng) and by anything that saves packets. Pure.
 */

/** What a writer needs from a packet (a {@link CaptureRecord} fits). */
export interface WritablePacket {
  readonly tsNs: bigint;
  readonly data: Uint8Array;
  /** Defaults to `data.length`. */
  readonly origLen?: number;
  /** pcapng interface id (default 0). */
  readonly interfaceIndex?: number;
}

export interface PcapWriteOptions {
  readonly linkType: number;
  /** Default 262144. */
  readonly snaplen?: number;
  /** Default `micro` (magic 0xa1b2c3d4); `nano` writes magic 0xa1b23c4d. */
  readonly precision?: 'micro' | 'nano';
  /** Default `little`. */
  readonly byteOrder?: 'little' | 'big';
}

export interface PcapngInterfaceOptions {
  readonly linkType: number;
  /** Default 262144. */
  readonly snaplen?: number;
  /**
   * The if_tsresol byte: 6 = µs (the default, option omitted), 9 = ns, 0x80|k = 2^-k seconds.
   */
  readonly tsResol?: number;
  readonly name?: string;
}

export interface PcapngWriteOptions {
  /** Default `little`. */
  readonly byteOrder?: 'little' | 'big';
  readonly interfaces: readonly PcapngInterfaceOptions[];
}

const NS = 1_000_000_000n;

function splitTs(tsNs: bigint, nano: boolean): [number, number] {
  const sec = tsNs / NS;
  const frac = tsNs - sec * NS;
  return [Number(BigInt.asUintN(32, sec)), nano ? Number(frac) : Number(frac / 1000n)];
}

/**
 * Streaming pcap writer: the file header on construction, then one record per {@link write}.
 * @example
 * const chunks: Uint8Array[] = [];
 * const w = new PcapWriter({ linkType: 1, precision: 'nano' }, (b) => chunks.push(b));
 * w.write({ tsNs: 1700000000123456789n, data: frame });
 */
export class PcapWriter {
  private readonly le: boolean;
  private readonly nano: boolean;
  constructor(
    opts: PcapWriteOptions,
    private readonly sink: (bytes: Uint8Array) => void,
  ) {
    this.le = (opts.byteOrder ?? 'little') === 'little';
    this.nano = opts.precision === 'nano';
    const h = new Uint8Array(24);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, this.nano ? 0xa1b23c4d : 0xa1b2c3d4, this.le);
    dv.setUint16(4, 2, this.le);
    dv.setUint16(6, 4, this.le);
    dv.setUint32(16, opts.snaplen ?? 262144, this.le);
    dv.setUint32(20, opts.linkType, this.le);
    sink(h);
  }

  /** Append one record (header + data). */
  write(pkt: WritablePacket): void {
    const data = pkt.data;
    const out = new Uint8Array(16 + data.length);
    const dv = new DataView(out.buffer);
    const [sec, frac] = splitTs(pkt.tsNs, this.nano);
    dv.setUint32(0, sec, this.le);
    dv.setUint32(4, frac, this.le);
    dv.setUint32(8, data.length, this.le);
    dv.setUint32(12, pkt.origLen ?? data.length, this.le);
    out.set(data, 16);
    this.sink(out);
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * A whole pcap file in memory.
 * @example writePcap(records, { linkType: 1, byteOrder: 'big' }) // Uint8Array
 */
export function writePcap(packets: Iterable<WritablePacket>, opts: PcapWriteOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter(opts, (b) => chunks.push(b));
  for (const p of packets) w.write(p);
  return concat(chunks);
}

/** Encode one pcapng block: type, total length, body (padded to 4), total length. */
function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, total, le);
  out.set(body, 8);
  dv.setUint32(total - 4, total, le);
  return out;
}

function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const out = new Uint8Array(4 + ((value.length + 3) & ~3));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, code, le);
  dv.setUint16(2, value.length, le);
  out.set(value, 4);
  return out;
}

function unitsPerSec(tsResol: number): bigint {
  return tsResol & 0x80 ? 1n << BigInt(tsResol & 0x7f) : 10n ** BigInt(tsResol);
}

/**
 * Streaming pcapng writer: SHB and one IDB per interface on construction, then one EPB per
 * {@link write}, timestamps in each interface's if_tsresol.
 * @example
 * const w = new PcapngWriter({ byteOrder: 'big', interfaces: [{ linkType: 1, tsResol: 9 }] }, sink);
 * w.write({ tsNs, data });
 */
export class PcapngWriter {
  private readonly le: boolean;
  private readonly units: bigint[];
  constructor(
    opts: PcapngWriteOptions,
    private readonly sink: (bytes: Uint8Array) => void,
  ) {
    const le = (this.le = (opts.byteOrder ?? 'little') === 'little');
    const shb = new Uint8Array(16);
    const sdv = new DataView(shb.buffer);
    sdv.setUint32(0, 0x1a2b3c4d, le);
    sdv.setUint16(4, 1, le);
    sdv.setUint16(6, 0, le);
    sdv.setBigInt64(8, -1n, le);
    sink(block(0x0a0d0d0a, shb, le));
    this.units = [];
    for (const i of opts.interfaces) {
      const parts: Uint8Array[] = [];
      const fixed = new Uint8Array(8);
      const fdv = new DataView(fixed.buffer);
      fdv.setUint16(0, i.linkType, le);
      fdv.setUint32(4, i.snaplen ?? 262144, le);
      parts.push(fixed);
      if (i.name !== undefined) parts.push(option(2, new TextEncoder().encode(i.name), le));
      const resol = i.tsResol ?? 6;
      if (resol !== 6) parts.push(option(9, Uint8Array.of(resol), le));
      if (parts.length > 1) parts.push(new Uint8Array(4)); // opt_endofopt
      sink(block(1, concat(parts), le));
      this.units.push(unitsPerSec(resol));
    }
  }

  /** Append one packet as an Enhanced Packet Block. */
  write(pkt: WritablePacket): void {
    const ifid = pkt.interfaceIndex ?? 0;
    const per = this.units[ifid];
    if (per === undefined) throw new RangeError(`pcapng writer: no interface ${ifid}`);
    const data = pkt.data;
    const body = new Uint8Array(20 + data.length);
    const dv = new DataView(body.buffer);
    const t = BigInt.asUintN(64, (pkt.tsNs * per) / NS);
    dv.setUint32(0, ifid, this.le);
    dv.setUint32(4, Number(t >> 32n), this.le);
    dv.setUint32(8, Number(t & 0xffffffffn), this.le);
    dv.setUint32(12, data.length, this.le);
    dv.setUint32(16, pkt.origLen ?? data.length, this.le);
    body.set(data, 20);
    this.sink(block(6, body, this.le));
  }
}

/**
 * A whole pcapng file in memory (one section).
 * @example writePcapng(records, { interfaces: [{ linkType: 113, tsResol: 9 }] })
 */
export function writePcapng(packets: Iterable<WritablePacket>, opts: PcapngWriteOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new PcapngWriter(opts, (b) => chunks.push(b));
  for (const p of packets) w.write(p);
  return concat(chunks);
}

/** @internal Exposed for tests that build odd blocks (unknown types, SPB). */
export function encodePcapngBlock(
  type: number,
  body: Uint8Array,
  byteOrder: 'little' | 'big' = 'little',
): Uint8Array {
  return block(type, body, byteOrder === 'little');
}
