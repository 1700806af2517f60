/**
 * @module format/app/openflow-10
 * The OpenFlow 1.0 message bodies tcpdump prints at `-v` that are implemented here: HELLO and
 * ECHO data (`data (N octets)`), VENDOR (vendor name, Big Switch Networks subtypes) and
 * QUEUE_GET_CONFIG_REQUEST. Other bodies (features, flow mods, stats, packet in/out, errors, …)
 * are not decoded: {@link formatOf10Body} returns false and the caller only bounds-checks them.
 */
import { ipv4String } from '../../wire/addr.js';
import type { PrintCursor } from '../cursor.js';

const OUI: Record<number, string> = {
  0x0: 'Ethernet', 0xc: 'Cisco', 0x5e: 'IANA', 0x81: 'Nortel Networks SONMP', 0xf8: 'Cisco bridged',
  0x80c2: 'Ethernet bridged', 0xa03e: 'ATM Forum', 0xe02f: 'DOCSIS Spanning Tree', 0x80007: 'Appletalk',
  0x9069: 'Juniper', 0x80009: 'Hewlett-Packard', 0x120f: 'IEEE 802.3 Private', 0x12bb: 'ANSI/TIA',
  0x1b21: 'DCBX', 0x2320: 'Nicira Networks', 0x5c16c7: 'Big Switch Networks', 0xb0d2f5: 'Vello Systems',
  0x2481: 'HP', 0x4ea: 'HP-Labs', 0x748771: 'Infoblox Inc', 0xa42305: 'Open Networking Lab',
  0x49f: 'Freescale', 0x15ad: 'Netronome', 0x1018: 'Broadcom', 0xe004: 'PMC-Sierra', 0xd0f0db: 'Ericsson',
}; // prettier-ignore
const ONF: Record<number, string> = {
  0x4f4e4600: 'ONF Extensions', 0xff000001: 'Budapest University of Technology and Economics',
  0xff000002: 'NoviFlow', 0xff000003: 'L3+ Extensions, Vendor Neutral', 0xff000004: 'L4-L7 Extensions',
  0xff000005: 'Wireless and Mobility Extensions', 0xff000006: 'Forwarding Abstractions Extensions',
  0xff000007: 'Optical Transport Extensions', 0xff000008: 'Network Benchmarking Lab, NCTU',
  0xff000009: 'Mobile Packet Core Extensions', 0xff00000a: 'MPLS-TP OpenFlow Extensions for SPTN',
}; // prettier-ignore
const BSN_SUBTYPES = [
  'SET_IP_MASK', 'GET_IP_MASK_REQUEST', 'GET_IP_MASK_REPLY', 'SET_MIRRORING', 'GET_MIRRORING_REQUEST',
  'GET_MIRRORING_REPLY', 'SHELL_COMMAND', 'SHELL_OUTPUT', 'SHELL_STATUS', 'GET_INTERFACES_REQUEST',
  'GET_INTERFACES_REPLY', 'SET_PKTIN_SUPPRESSION_REQUEST', 'SET_L2_TABLE_REQUEST', 'GET_L2_TABLE_REQUEST',
  'GET_L2_TABLE_REPLY', 'VIRTUAL_PORT_CREATE_REQUEST', 'VIRTUAL_PORT_CREATE_REPLY',
  'VIRTUAL_PORT_REMOVE_REQUEST', 'BW_ENABLE_SET_REQUEST', 'BW_ENABLE_GET_REQUEST', 'BW_ENABLE_GET_REPLY',
  'BW_CLEAR_DATA_REQUEST', 'BW_CLEAR_DATA_REPLY', 'BW_ENABLE_SET_REPLY', 'SET_L2_TABLE_REPLY',
  'SET_PKTIN_SUPPRESSION_REPLY', 'VIRTUAL_PORT_REMOVE_REPLY', 'HYBRID_GET_REQUEST', 'HYBRID_GET_REPLY',
  '', '', 'PDU_TX_REQUEST', 'PDU_TX_REPLY', 'PDU_RX_REQUEST', 'PDU_RX_REPLY', 'PDU_RX_TIMEOUT',
]; // prettier-ignore
const PORTS: Record<number, string> = {
  0xff00: 'MAX', 0xfff8: 'IN_PORT', 0xfff9: 'TABLE', 0xfffa: 'NORMAL', 0xfffb: 'FLOOD', 0xfffc: 'ALL',
  0xfffd: 'CONTROLLER', 0xfffe: 'LOCAL', 0xffff: 'NONE',
}; // prettier-ignore
const OUI_BSN = 0x5c16c7;
const INVALID = ' (invalid)';
const x8 = (v: number): string => v.toString(16).padStart(8, '0');

/** tcpdump's vendor naming: an OUI when the top byte is zero, else an ONF experimenter id. */
export function vendorName(vendor: number): string {
  return ((vendor & 0xff000000) === 0 ? OUI[vendor] : ONF[vendor]) ?? 'unknown';
}

function data(c: PrintCursor, p: number, len: number, verbose: number): boolean {
  if (len === 0) return true;
  if (verbose >= 2) return false; // tcpdump adds a hex and ASCII dump: not implemented
  c.out += `\n\t data (${len} octets)`;
  c.need(p, len);
  return true;
}

function printable(c: PrintCursor, p: number, len: number): void {
  let s = '';
  for (let i = 0; i < len; i++) {
    let ch = c.u8(p + i);
    if (ch >= 0x80) {
      ch &= 0x7f;
      s += 'M-';
    }
    s += ch < 0x20 || ch === 0x7f ? `^${String.fromCharCode(ch ^ 0x40)}` : String.fromCharCode(ch);
  }
  c.out += s;
}

function bsn(c: PrintCursor, p: number, len: number): void {
  if (len < 4) {
    c.out += INVALID;
    c.need(p, len);
    return;
  }
  const sub = c.u32(p);
  p += 4;
  len -= 4;
  c.out += `\n\t subtype ${BSN_SUBTYPES[sub] || `unknown (0x${x8(sub)})`}`;
  const invalid = (): void => {
    c.out += INVALID;
    c.need(p, len);
  };
  switch (sub) {
    case 1:
      if (len !== 8) return invalid();
      c.out += `, index ${c.u8(p)}`;
      c.need(p + 1, 7);
      return;
    case 0:
    case 2:
      if (len !== 8) return invalid();
      c.out += `, index ${c.u8(p)}`;
      c.need(p + 4, 4);
      c.out += `, mask ${ipv4String(c.b, p + 4)}`;
      return;
    case 3:
    case 4:
    case 5: {
      if (len !== 4) return invalid();
      const v = c.u8(p);
      c.out += `, report_mirror_ports ${v === 0 ? 'OFF' : v === 1 ? 'ON' : `bogus (${v})`}`;
      c.need(p + 1, 3);
      return;
    }
    case 9:
    case 13:
    case 19:
    case 21:
    case 27:
      if (len) invalid();
      return;
    case 17:
      if (len !== 4) return invalid();
      c.out += `, vport_no ${c.u32(p)}`;
      return;
    case 6:
      if (len < 4) return invalid();
      c.out += `, service ${c.u32(p)}, data '`;
      printable(c, p + 4, len - 4);
      c.out += "'";
      return;
    case 7:
      c.out += ", data '";
      printable(c, p, len);
      c.out += "'";
      return;
    case 8:
      if (len !== 4) return invalid();
      c.out += `, status 0x${x8(c.u32(p))}`;
      return;
    default:
      c.need(p, len);
  }
}

/**
 * Print the body (after the 8-byte header) of an OpenFlow 1.0 message of `type` at `-v`; false
 * when this body is not decoded here.
 * @example formatOf10Body(c, 4, 74, 16, 1) // appends ', vendor 0x005c16c7 (Big Switch Networks)…'
 */
export function formatOf10Body(
  c: PrintCursor,
  type: number,
  p: number,
  len: number,
  verbose: number,
): boolean {
  switch (type) {
    case 0:
    case 2:
    case 3:
      return data(c, p, len, verbose);
    case 4: {
      const vendor = c.u32(p);
      c.out += `, vendor 0x${x8(vendor)} (${vendorName(vendor)})`;
      if (vendor === OUI_BSN) bsn(c, p + 4, len - 4);
      else return data(c, p + 4, len - 4, verbose);
      return true;
    }
    case 20: {
      const port = c.u16(p);
      c.out += `\n\t port ${PORTS[port] ?? String(port)}`;
      c.need(p + 2, 2);
      return true;
    }
    default:
      return false;
  }
}
