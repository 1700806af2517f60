/**
 * @module format/fast
 * The common case of `tcpdump -n` without `-v`, printed straight into a {@link ByteCursor}'s
 * buffer: an IPv4 (20-byte header, first fragment) or IPv6 (no extension headers) packet carrying
 * a TCP segment whose header and options were captured whole and whose options are the usual
 * well-formed ones (eol, nop, mss, wscale, sackOK, sack, TS). Everything else, and every packet
 * that would print one of tcpdump's warnings (truncation, bad lengths), is left to the general
 * printers: the check comes first and has no side effect, so the general path then prints the
 * packet from scratch. The text is the general printers' text, byte for byte (the tests compare
 * both paths with tcpdump).
 */
import { formatTcpPayload } from './app/index.js';
import { putIpv4, putU32, type ByteCursor } from './cursor.js';
import { relativeSeq, tcpFlagString, type SeqTable } from './tcp.js';

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;
const TH_URG = 0x20;
/** Longest text this path writes before the payload printer's part. */
const MAX_LINE = 1024;

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** `Flags [S.]` etc. per flags byte. */
const FLAGS: Uint8Array[] = [];
for (let f = 0; f < 256; f++) FLAGS[f] = ascii(`Flags [${tcpFlagString(f)}]`);
const IP = ascii('IP ');
const IP6 = ascii('IP6 ');
const ARROW = ascii(' > ');
const COLON_SP = ascii(': ');
const SEQ = ascii(', seq ');
const ACK = ascii(', ack ');
const WIN = ascii(', win ');
const URG = ascii(', urg ');
const OPTIONS = ascii(', options [');
const LENGTH = ascii(', length ');
const NOP = ascii('nop');
const EOL = ascii('eol');
const MSS = ascii('mss ');
const WSCALE = ascii('wscale ');
const SACK_OK = ascii('sackOK');
const SACK = ascii('sack ');
const TS_VAL = ascii('TS val ');
const ECR = ascii(' ecr ');

function put(ob: Uint8Array, p: number, src: Uint8Array): number {
  for (let i = 0; i < src.length; i++) ob[p + i] = src[i] as number;
  return p + src.length;
}

function be32(b: Uint8Array, o: number): number {
  return (
    (((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number)) >>>
    0
  );
}

/** True when the options in `[p, end)` are all of the kinds and lengths this path prints. */
function plainOptions(b: Uint8Array, p: number, end: number): boolean {
  while (p < end) {
    const kind = b[p] as number;
    if (kind === 0) return true;
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 1 >= end) return false;
    const len = b[p + 1] as number;
    if (kind === 8) {
      if (len !== 10) return false;
    } else if (kind === 2) {
      if (len !== 4) return false;
    } else if (kind === 3) {
      if (len !== 3) return false;
    } else if (kind === 4) {
      if (len !== 2) return false;
    } else if (kind === 5) {
      if (len < 10 || (len - 2) % 8 !== 0) return false;
    } else return false;
    p += len;
    if (p > end) return false;
  }
  return true;
}

/** Print the options checked by {@link plainOptions}; `base` is the SACK blocks' base. */
function putOptions(ob: Uint8Array, q: number, b: Uint8Array, p: number, end: number, base: number): number {
  q = put(ob, q, OPTIONS);
  let first = true;
  while (p < end) {
    if (!first) ob[q++] = 44;
    first = false;
    const kind = b[p] as number;
    if (kind === 1) {
      q = put(ob, q, NOP);
      p++;
      continue;
    }
    if (kind === 0) {
      q = put(ob, q, EOL);
      break;
    }
    const len = b[p + 1] as number;
    if (kind === 8) {
      q = put(ob, q, TS_VAL);
      q = putU32(ob, q, be32(b, p + 2));
      q = put(ob, q, ECR);
      q = putU32(ob, q, be32(b, p + 6));
    } else if (kind === 2) {
      q = put(ob, q, MSS);
      q = putU32(ob, q, ((b[p + 2] as number) << 8) | (b[p + 3] as number));
    } else if (kind === 3) {
      q = put(ob, q, WSCALE);
      q = putU32(ob, q, b[p + 2] as number);
    } else if (kind === 4) {
      q = put(ob, q, SACK_OK);
    } else {
      q = put(ob, q, SACK);
      q = putU32(ob, q, (len - 2) / 8);
      ob[q++] = 32;
      for (let i = p + 2; i < p + len; i += 8) {
        ob[q++] = 123;
        q = putU32(ob, q, (be32(b, i) - base) >>> 0);
        ob[q++] = 58;
        q = putU32(ob, q, (be32(b, i + 4) - base) >>> 0);
        ob[q++] = 125;
      }
    }
    p += len;
  }
  ob[q++] = 93;
  return q;
}

/**
 * Print the packet whose network header is at `o` (the link layer announced `length` bytes) if
 * it is the common case described above; returns false, having printed nothing and changed
 * nothing, when the general printers must do it. `c` has been reset to the frame.
 * @example if (!printTcpFast(c, 14, rec.origLen - 14, false, table, false)) printIpv4(…)
 */
export function printTcpFast(
  c: ByteCursor,
  o: number,
  length: number,
  v6: boolean,
  table: SeqTable,
  absoluteSeq: boolean,
): boolean {
  const b = c.b;
  let end = c.end;
  let tp: number;
  let tcpLen: number;
  if (!v6) {
    if (o + 20 > end || b[o] !== 0x45 || length < 20 || b[o + 9] !== 6) return false;
    const totLen = ((b[o + 2] as number) << 8) | (b[o + 3] as number);
    // "truncated-ip", "bad-len" and later fragments print differently.
    if (length < totLen || totLen < 20 || (((b[o + 6] as number) << 8) | (b[o + 7] as number)) & 0x1fff) {
      return false;
    }
    end = Math.min(end, o + totLen);
    tp = o + 20;
    tcpLen = totLen - 20;
  } else {
    if (o + 40 > end || length < 40 || (b[o] as number) >> 4 !== 6 || b[o + 6] !== 6) return false;
    const plen = ((b[o + 4] as number) << 8) | (b[o + 5] as number);
    if (plen === 0 || length < plen + 40) return false;
    end = Math.min(end, o + 40 + plen);
    tp = o + 40;
    tcpLen = plen;
  }
  if (tp + 20 > end) return false;
  const hlen = ((b[tp + 12] as number) >> 4) * 4;
  if (hlen < 20 || hlen > tcpLen || tp + hlen > end) return false;
  if (hlen > 20 && !plainOptions(b, tp + 20, tp + hlen)) return false;

  // The general path's output from here on, with nothing left that can fail.
  c.end = end;
  const sport = ((b[tp] as number) << 8) | (b[tp + 1] as number);
  const dport = ((b[tp + 2] as number) << 8) | (b[tp + 3] as number);
  let seq = be32(b, tp + 4);
  let ack = be32(b, tp + 8);
  const flags = b[tp + 13] as number;
  let base = 0;
  if (!absoluteSeq && flags & TH_ACK) {
    const r = relativeSeq(b, o, v6, sport, dport, flags, seq, ack, table);
    seq = r.seq;
    ack = r.ack;
    base = r.rev ? r.thSeq : r.thAck;
  }
  if (c.op + MAX_LINE > c.ob.length) c.room(MAX_LINE);
  const ob = c.ob;
  let q = c.op;
  if (v6) {
    q = put(ob, q, IP6);
    c.op = q;
    c.ip6(o + 8);
    q = c.op;
  } else {
    q = put(ob, q, IP);
    q = putIpv4(ob, q, b, o + 12);
  }
  ob[q++] = 46;
  q = putU32(ob, q, sport);
  q = put(ob, q, ARROW);
  if (v6) {
    c.op = q;
    c.ip6(o + 24);
    q = c.op;
  } else q = putIpv4(ob, q, b, o + 16);
  ob[q++] = 46;
  q = putU32(ob, q, dport);
  q = put(ob, q, COLON_SP);
  q = put(ob, q, FLAGS[flags] as Uint8Array);
  const payload = tcpLen - hlen;
  if (payload > 0 || flags & (TH_SYN | TH_FIN | TH_RST)) {
    q = put(ob, q, SEQ);
    q = putU32(ob, q, seq);
    if (payload > 0) {
      ob[q++] = 58;
      q = putU32(ob, q, (seq + payload) >>> 0);
    }
  }
  if (flags & TH_ACK) {
    q = put(ob, q, ACK);
    q = putU32(ob, q, ack);
  }
  q = put(ob, q, WIN);
  q = putU32(ob, q, ((b[tp + 14] as number) << 8) | (b[tp + 15] as number));
  if (flags & TH_URG) {
    q = put(ob, q, URG);
    q = putU32(ob, q, ((b[tp + 18] as number) << 8) | (b[tp + 19] as number));
  }
  if (hlen > 20) q = putOptions(ob, q, b, tp + 20, tp + hlen, base);
  q = put(ob, q, LENGTH);
  q = putU32(ob, q, payload);
  c.op = q;
  if (payload > 0) {
    const text = formatTcpPayload(b, tp + hlen, payload, end, sport, dport, 0);
    if (text) c.s(text);
  }
  return true;
}
