/**
 * @module capture/pcapng
 * pcapng blocks for {@link CaptureParser}: SHB (either byte order, several sections, each with its
 * own interfaces), IDB (link type, snaplen, if_tsresol in both forms, if_tsoffset, if_name), EPB,
 * SPB, the obsolete OPB; every other block is skipped. Both copies of the block total length are
 * checked, lengths must be multiples of 4 and below a limit before anything is buffered.
 * Format learned from draft-ietf-opsawg-pcapng; no code copied. Pure.
 */
import type { CaptureParser } from './parser.js';
import { STEP_END, STEP_SKIP, type Step } from './steps.js';
import type { CaptureInfo, CaptureInterface } from './types.js';
import { MAX_PCAPNG_BLOCK_DEFAULT } from './limits.js';
import {
  BT_EPB,
  BT_IDB,
  BT_OPB,
  BT_SHB,
  BT_SPB,
  blockName,
  minBlockLength,
  readIdb,
  readPacketBlock,
  readSpb,
} from './pcapng-blocks.js';

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

const BOM_BE = 0x1a2b3c4d;
const BOM_LE = 0x4d3c2b1a;
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
