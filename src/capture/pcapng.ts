/**
 * @module capture/pcapng
 * pcapng blocks for {@link CaptureParser}: SHB (either byte order, several sections, each with its
 * own interfaces), IDB (link type, snaplen, if_tsresol in both forms, if_tsoffset, if_name), EPB,
 * SPB, the obsolete OPB; every other block is skipped. Both copies of the block total length are
 * checked, lengths must be multiples of 4 and below a limit before anything is buffered.
 * Format learned from draft-ietf-opsawg-pcapng; no code copied. Pure.
 */
import type { CaptureParser } from './parser.js';
import { STEP_END, STEP_RECORD, STEP_SKIP, type Step } from './steps.js';
import type { CaptureInfo, CaptureInterface } from './types.js';
import { effectiveSnaplen, maxBlockForLinkType, MAX_PCAPNG_BLOCK_DEFAULT } from './limits.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Per-file pcapng state kept on the parser. */
export interface PcapngState {
  sectionIndex: number;
  /** Interfaces of the current section, by id. */
  ifaces: CaptureInterface[];
  /** Every interface of every section (shared with info.interfaces). */
  all: CaptureInterface[];
  maxBlock: number;
  info: Mutable<CaptureInfo>;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_OPB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BOM_BE = 0x1a2b3c4d;
const BOM_LE = 0x4d3c2b1a;
const NS = 1_000_000_000n;
const US = 1_000_000n;
const TWO32 = 4294967296;

/** Minimum total length of each block type that carries fixed fields. */
function minBlockLength(type: number): number {
  switch (type) {
    case BT_SHB:
      return 28;
    case BT_IDB:
      return 20;
    case BT_EPB:
    case BT_OPB:
      return 32;
    case BT_SPB:
      return 16;
    default:
      return 12;
  }
}

function blockName(type: number): string {
  switch (type) {
    case BT_SHB:
      return 'section header block';
    case BT_IDB:
      return 'interface description block';
    case BT_EPB:
      return 'enhanced packet block';
    case BT_OPB:
      return 'packet block';
    case BT_SPB:
      return 'simple packet block';
    default:
      return `block of type 0x${type.toString(16)}`;
  }
}

function newState(): PcapngState {
  const all: CaptureInterface[] = [];
  return {
    sectionIndex: -1,
    ifaces: [],
    all,
    maxBlock: MAX_PCAPNG_BLOCK_DEFAULT,
    info: {
      format: 'pcapng',
      byteOrder: 'little',
      precision: 'micro',
      linkType: -1,
      snaplen: -1,
      fileSnaplen: -1,
      versionMajor: 1,
      versionMinor: 0,
      interfaces: all,
      sections: 0,
    },
  };
}

/** One pcapng step; see {@link CaptureParser.step}. */
export function stepPcapng(
  p: CaptureParser,
  bytes: Uint8Array,
  pos: number,
  end: number,
  abs: number,
  eof: boolean,
): Step {
  const st = (p.ng ??= newState());
  const have = end - pos;
  if (have < 12) {
    if (have === 0 && eof && st.sectionIndex >= 0) return STEP_END;
    if (!eof) return p.need(12);
    return p.stop(
      'pcapng',
      'truncated',
      abs,
      12,
      have,
      `truncated pcapng file; tried to read 12 block header bytes, only got ${have}`,
      'block-length',
    );
  }
  const dv = p.dv!;
  const rawType = dv.getUint32(pos, p.le);
  if (rawType === BT_SHB) {
    const bom = dv.getUint32(pos + 8, false);
    if (bom === BOM_BE) p.le = false;
    else if (bom === BOM_LE) p.le = true;
    else
      return p.stop(
        'pcapng',
        'bad-value',
        abs + 8,
        4,
        4,
        `unknown pcapng byte-order magic 0x${bom.toString(16).padStart(8, '0')}`,
      );
  }
  const le = p.le;
  const type = rawType;
  const len = dv.getUint32(pos + 4, le);
  const min = minBlockLength(type);
  if (len < min) {
    return p.stop(
      'pcapng',
      'bad-length',
      abs + 4,
      min,
      len,
      `${blockName(type)} has a length of ${len} < ${min}`,
      'block-length',
    );
  }
  if (len % 4 !== 0) {
    return p.stop(
      'pcapng',
      'bad-length',
      abs + 4,
      len + (4 - (len % 4)),
      len,
      `${blockName(type)} has a length of ${len} that is not a multiple of 4`,
      'block-length',
    );
  }
  if (len > st.maxBlock) {
    return p.stop(
      'pcapng',
      'bad-length',
      abs + 4,
      len,
      st.maxBlock,
      `pcapng block size ${len} > maximum ${st.maxBlock}`,
      'block-length',
    );
  }
  if (have < len) {
    if (!eof) return p.need(len);
    return p.stop(
      'pcapng',
      'truncated',
      abs,
      len,
      have,
      `truncated pcapng file; tried to read ${len} bytes of a ${blockName(type)}, only got ${have}`,
      'block-length',
    );
  }
  const trailer = dv.getUint32(pos + len - 4, le);
  if (trailer !== len) {
    return p.stop(
      'pcapng',
      'bad-length',
      abs + len - 4,
      len,
      trailer,
      `block total length in header (${len}) and trailer (${trailer}) don't match`,
      'block-length',
    );
  }
  p.consumed = len;
  switch (type) {
    case BT_SHB:
      return readShb(p, st, pos, abs);
    case BT_IDB:
      return readIdb(p, st, bytes, pos, len, abs);
    case BT_EPB:
    case BT_OPB:
      return readPacketBlock(p, st, pos, len, abs, type);
    case BT_SPB:
      return readSpb(p, st, pos, len, abs);
    default:
      return STEP_SKIP;
  }
}

function readShb(p: CaptureParser, st: PcapngState, pos: number, abs: number): Step {
  const dv = p.dv!;
  const major = dv.getUint16(pos + 12, p.le);
  const minor = dv.getUint16(pos + 14, p.le);
  if (major !== 1) {
    return p.stop(
      'pcapng',
      'unsupported',
      abs + 12,
      2,
      major,
      `unsupported pcapng savefile version ${major}.${minor}`,
    );
  }
  st.sectionIndex++;
  st.ifaces = [];
  st.info.sections = st.sectionIndex + 1;
  if (st.sectionIndex === 0) {
    st.info.byteOrder = p.le ? 'little' : 'big';
    st.info.versionMajor = major;
    st.info.versionMinor = minor;
    p.info = st.info;
  }
  return STEP_SKIP;
}

function readIdb(
  p: CaptureParser,
  st: PcapngState,
  bytes: Uint8Array,
  pos: number,
  len: number,
  abs: number,
): Step {
  const dv = p.dv!;
  const le = p.le;
  const linkType = dv.getUint16(pos + 8, le);
  const fileSnaplen = dv.getUint32(pos + 12, le);
  let units = US;
  let offsetSec = 0n;
  let name: string | undefined;
  let o = pos + 16;
  const optEnd = pos + len - 4;
  while (o + 4 <= optEnd) {
    const code = dv.getUint16(o, le);
    const olen = dv.getUint16(o + 2, le);
    if (code === 0) break;
    const padded = (olen + 3) & ~3;
    if (o + 4 + padded > optEnd) {
      return p.stop(
        'pcapng',
        'bad-length',
        abs + (o - pos) + 2,
        4 + padded,
        optEnd - o,
        `interface description block option ${code} with length ${olen} runs past the block`,
        'option-length',
      );
    }
    if (code === 9 && olen >= 1) {
      const v = bytes[o + 4]!;
      units = v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
    } else if (code === 14 && olen >= 8) {
      offsetSec = dv.getBigInt64(o + 4, le);
    } else if (code === 2 && olen > 0) {
      name = new TextDecoder('utf-8', { fatal: false })
        .decode(bytes.subarray(o + 4, o + 4 + olen))
        .replace(/\0+$/, '');
    }
    o += 4 + padded;
  }
  const snaplen = effectiveSnaplen(linkType, fileSnaplen | 0);
  const iface: CaptureInterface = {
    sectionIndex: st.sectionIndex,
    interfaceIndex: st.ifaces.length,
    linkType,
    snaplen,
    tsUnitsPerSec: units,
    tsOffsetSec: offsetSec,
    ...(name !== undefined ? { name } : {}),
  };
  st.ifaces.push(iface);
  st.all.push(iface);
  st.maxBlock = Math.max(st.maxBlock, maxBlockForLinkType(linkType));
  if (st.all.length === 1) {
    st.info.linkType = linkType;
    st.info.snaplen = snaplen;
    st.info.fileSnaplen = fileSnaplen;
    st.info.precision = units === US ? 'micro' : units === NS ? 'nano' : 'other';
  }
  return STEP_SKIP;
}

function setTimestamp(p: CaptureParser, iface: CaptureInterface, high: number, low: number): void {
  if (iface.tsOffsetSec === 0n && high < 0x200000 && iface.tsUnitsPerSec === US) {
    const us = high * TWO32 + low;
    const sec = Math.floor(us / 1e6);
    const fracNs = (us - sec * 1e6) * 1000;
    p.tsSec = sec;
    p.tsFracNs = fracNs;
    p.tsNs = BigInt(sec) * NS + BigInt(fracNs);
    return;
  }
  const u = (BigInt(high) << 32n) | BigInt(low);
  const per = iface.tsUnitsPerSec;
  const ns = per === NS ? u : per === US ? u * 1000n : (u * NS) / per;
  p.setTsNs(ns + iface.tsOffsetSec * NS);
}

function finishRecord(p: CaptureParser, iface: CaptureInterface, caplen: number): void {
  p.caplen = caplen;
  p.linkType = iface.linkType;
  p.interfaceIndex = iface.interfaceIndex;
}

function readPacketBlock(
  p: CaptureParser,
  st: PcapngState,
  pos: number,
  len: number,
  abs: number,
  type: number,
): Step {
  const dv = p.dv!;
  const le = p.le;
  const ifid = type === BT_EPB ? dv.getUint32(pos + 8, le) : dv.getUint16(pos + 8, le);
  const iface = st.ifaces[ifid];
  if (iface === undefined) {
    return p.stop(
      'pcapng',
      'bad-value',
      abs + 8,
      ifid + 1,
      st.ifaces.length,
      `a packet arrived on interface ${ifid}, but there's no Interface Description Block for that interface`,
    );
  }
  const caplen = dv.getUint32(pos + 20, le);
  const room = len - 32;
  if (caplen > room) {
    return p.stop(
      'pcapng',
      'bad-length',
      abs + 20,
      caplen,
      room,
      `${blockName(type)} captured length ${caplen} exceeds the ${room} data bytes of the block`,
      'caplen',
    );
  }
  if (caplen > iface.snaplen) {
    // libpcap rejects this for pcapng (unlike pcap, where it truncates to the snaplen).
    const reason = `invalid packet capture length ${caplen}, bigger than snaplen of ${iface.snaplen}`;
    return p.stop('pcapng', 'bad-length', abs + 20, caplen, iface.snaplen, reason, 'snaplen');
  }
  setTimestamp(p, iface, dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le));
  p.origLen = dv.getUint32(pos + 24, le);
  p.dataStart = pos + 28;
  finishRecord(p, iface, caplen);
  return STEP_RECORD;
}

function readSpb(p: CaptureParser, st: PcapngState, pos: number, len: number, abs: number): Step {
  const iface = st.ifaces[0];
  if (iface === undefined) {
    return p.stop(
      'pcapng',
      'bad-value',
      abs,
      1,
      0,
      "a simple packet block arrived, but there's no Interface Description Block in this section",
    );
  }
  const origLen = p.dv!.getUint32(pos + 8, p.le);
  const room = len - 16;
  p.tsNs = 0n;
  p.tsSec = 0;
  p.tsFracNs = 0;
  p.origLen = origLen;
  p.dataStart = pos + 12;
  finishRecord(p, iface, Math.min(origLen, iface.snaplen, room));
  return STEP_RECORD;
}
