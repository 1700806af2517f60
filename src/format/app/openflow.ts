/**
 * @module format/app/openflow
 * OpenFlow (ports 6633, 6653) as tcpdump prints it: `: OpenFlow`, then one
 * `\n\tversion V, type T, length L, xid 0x…` line per message in the segment, with tcpdump's
 * length checks (` (invalid)`, ` (end of TCP payload)`, ` (too short!)`). At `-v` the OpenFlow 1.0
 * bodies of ./openflow-10.ts are printed; the other bodies tcpdump decodes at `-v` (OpenFlow 1.0
 * features, flow mods, stats, …; every OpenFlow 1.3 body) are NOT printed here.
 */
import type { PrintCursor } from '../cursor.js';
import { formatOf10Body } from './openflow-10.js';

const VERSIONS: Record<number, string> = { 1: '1.0', 2: '1.1', 3: '1.2', 4: '1.3', 5: '1.4', 6: '1.5' };
const HEADER_BYTES = 8;

/** [name, rule, body length] with rule 'min' (>=), 'fix' (==) or '' (any). */
type TypeInfo = readonly [string, '' | 'min' | 'fix', number];
const OF10: readonly TypeInfo[] = [
  ['HELLO', 'min', 0], ['ERROR', 'min', 4], ['ECHO_REQUEST', 'min', 0], ['ECHO_REPLY', 'min', 0],
  ['VENDOR', 'min', 4], ['FEATURES_REQUEST', 'fix', 0], ['FEATURES_REPLY', 'min', 24],
  ['GET_CONFIG_REQUEST', 'fix', 0], ['GET_CONFIG_REPLY', 'fix', 4], ['SET_CONFIG', 'fix', 4],
  ['PACKET_IN', 'min', 10], ['FLOW_REMOVED', 'fix', 80], ['PORT_STATUS', 'fix', 56],
  ['PACKET_OUT', 'min', 8], ['FLOW_MOD', 'min', 64], ['PORT_MOD', 'fix', 24], ['STATS_REQUEST', 'min', 4],
  ['STATS_REPLY', 'min', 4], ['BARRIER_REQUEST', 'fix', 0], ['BARRIER_REPLY', 'fix', 0],
  ['QUEUE_GET_CONFIG_REQUEST', 'fix', 4], ['QUEUE_GET_CONFIG_REPLY', 'min', 8],
]; // prettier-ignore
const OF13: readonly TypeInfo[] = [
  ['HELLO', 'min', 0], ['ERROR', 'min', 4], ['ECHO_REQUEST', 'min', 0], ['ECHO_REPLY', 'min', 0],
  ['EXPERIMENTER', 'min', 8], ['FEATURES_REQUEST', 'fix', 0], ['FEATURES_REPLY', 'fix', 24],
  ['GET_CONFIG_REQUEST', 'fix', 0], ['GET_CONFIG_REPLY', 'fix', 4], ['SET_CONFIG', 'fix', 4],
  ['PACKET_IN', '', 0], ['FLOW_REMOVED', '', 0], ['PORT_STATUS', 'fix', 72], ['PACKET_OUT', '', 0],
  ['FLOW_MOD', '', 0], ['GROUP_MOD', '', 0], ['PORT_MOD', 'fix', 32], ['TABLE_MOD', 'fix', 8],
  ['MULTIPART_REQUEST', '', 0], ['MULTIPART_REPLY', '', 0], ['BARRIER_REQUEST', 'fix', 0],
  ['BARRIER_REPLY', 'fix', 0], ['QUEUE_GET_CONFIG_REQUEST', 'fix', 8], ['QUEUE_GET_CONFIG_REPLY', '', 0],
  ['ROLE_REQUEST', 'fix', 16], ['ROLE_REPLY', 'fix', 16], ['GET_ASYNC_REQUEST', 'fix', 0],
  ['GET_ASYNC_REPLY', 'fix', 24], ['SET_ASYNC', 'fix', 24], ['METER_MOD', '', 0],
]; // prettier-ignore

const h8 = (v: number): string => v.toString(16).padStart(2, '0');

/**
 * @example formatOpenFlow(c, 66, 8, 0) // appends ': OpenFlow\n\tversion 1.0, type HELLO, length 8, xid 0x00000001'
 */
export function formatOpenFlow(c: PrintCursor, s: number, length: number, verbose: number): void {
  c.proto = 'openflow';
  c.out += ': OpenFlow';
  let p = s;
  let len = length;
  while (len) {
    const version = c.u8(p);
    p++;
    len--;
    c.out += `\n\tversion ${VERSIONS[version] ?? `unknown (0x${h8(version)})`}`;
    if (len < 1) return partial(c, p, len);
    const type = c.u8(p);
    p++;
    len--;
    const table = version === 1 ? OF10 : version === 4 ? OF13 : undefined;
    const info = table?.[type];
    c.out += info ? `, type ${info[0]}` : `, type unknown (0x${h8(type)})`;
    if (len < 2) return partial(c, p, len);
    const msgLen = c.u16(p);
    p += 2;
    len -= 2;
    c.out += `, length ${msgLen}${msgLen < HEADER_BYTES ? ' (too short!)' : ''}`;
    if (len < 4) return partial(c, p, len);
    c.out += `, xid 0x${c.u32(p).toString(16).padStart(8, '0')}`;
    p += 4;
    len -= 4;
    if (msgLen < HEADER_BYTES) {
      c.out += ' (invalid)';
      c.need(p, len);
      return;
    }
    const body = msgLen - HEADER_BYTES;
    if (info && ((info[1] === 'fix' && body !== info[2]) || (info[1] === 'min' && body < info[2]))) {
      c.out += ' (invalid)';
      c.need(p, body);
    } else if (!(verbose && version === 1 && formatOf10Body(c, type, p, body, verbose))) c.need(p, body);
    if (body > len) break;
    p += body;
    len -= body;
  }
}

function partial(c: PrintCursor, p: number, len: number): void {
  c.out += ' (end of TCP payload)';
  c.need(p, len);
}
