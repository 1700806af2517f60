/**
 * @module capture/pcapng-blocks
 * Block bodies for the pcapng reader: IDB (link type, snaplen, if_tsresol, if_tsoffset, if_name),
 * EPB, OPB and SPB, plus timestamp scaling. Called by capture/pcapng once a block's framing
 * (both lengths, alignment, limit) has been checked. Pure.
 */
import type { CaptureParser } from './parser.js';
import type { PcapngState } from './pcapng.js';
import { STEP_RECORD, STEP_SKIP, type Step } from './steps.js';
import type { CaptureInterface } from './types.js';
import { effectiveSnaplen, maxBlockForLinkType } from './limits.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 1;
export const BT_OPB = 2;
export const BT_SPB = 3;
export const BT_EPB = 6;
const NS = 1_000_000_000n;
const US = 1_000_000n;
const TWO32 = 4294967296;

/** Minimum total length of each block type that carries fixed fields. */
export function minBlockLength(type: number): number {
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

export function blockName(type: number): string {
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

export function readIdb(
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
    p.setTsParts(sec, fracNs);
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

export function readPacketBlock(
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

export function readSpb(p: CaptureParser, st: PcapngState, pos: number, len: number, abs: number): Step {
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
  p.setTsParts(0, 0);
  p.origLen = origLen;
  p.dataStart = pos + 12;
  finishRecord(p, iface, Math.min(origLen, iface.snaplen, room));
  return STEP_RECORD;
}
