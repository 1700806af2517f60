/**
 * @module wire/tcp-options
 * Structured decode of the TCP options area into {@link TcpOption}s. Unknown kinds become
 * `{ kind: 'unknown', code, data }` and never throw; a wrong length on a known option, or an
 * option that runs past the header or the captured bytes, stops the walk with a typed issue and
 * keeps every option before it.
 */
import type { DecodeIssue, TcpOption } from './packet.js';
import { be16, be32, hex } from './bytes.js';

export const TCPOPT = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
  MD5: 19,
  UTO: 28,
  TCP_AO: 29,
  MPTCP: 30,
  FASTOPEN: 34,
  EXPERIMENT: 254,
} as const;

/** RFC 7323 §2.3: a shift above 14 is treated as 14. */
export const MAX_WINDOW_SCALE_SHIFT = 14;

const FIXED_LENGTH: Record<number, number> = { 2: 4, 3: 3, 4: 2, 8: 10, 19: 18, 28: 4 };

export interface TcpOptionsResult {
  options: TcpOption[];
  issue: DecodeIssue | undefined;
}

/**
 * Decode options in `frame[start, end)`, where `capEnd` is the end of the captured bytes.
 * @example decodeTcpOptions(Uint8Array.of(2, 4, 0x05, 0xb4), 0, 4, 4).options // [{ kind: 'mss', mss: 1460 }]
 */
export function decodeTcpOptions(
  frame: Uint8Array,
  start: number,
  end: number,
  capEnd: number,
): TcpOptionsResult {
  const options: TcpOption[] = [];
  let o = start;
  const limit = Math.min(end, capEnd);
  while (o < end) {
    if (o >= capEnd) {
      return { options, issue: trunc(o, 1, 0, 'caplen', 'option kind not captured') };
    }
    const kind = frame[o] as number;
    if (kind === TCPOPT.EOL) {
      options.push({ kind: 'eol' });
      break;
    }
    if (kind === TCPOPT.NOP) {
      options.push({ kind: 'nop' });
      o++;
      continue;
    }
    if (o + 1 >= limit) {
      const src = o + 1 >= end ? 'tcp-data-offset' : 'caplen';
      return { options, issue: trunc(o + 1, 1, 0, src, `option ${kind} has no length byte`) };
    }
    const len = frame[o + 1] as number;
    if (len < 2 || o + len > end) {
      return {
        options,
        issue: {
          code: 'bad-length',
          layer: 'tcp-option',
          offset: o + 1,
          needed: len,
          available: end - o,
          lengthSource: 'option-length',
          reason: `option ${kind} length ${len} is ${len < 2 ? 'below 2' : 'past the end of the header'}`,
        },
      };
    }
    if (o + len > capEnd) {
      return { options, issue: trunc(o, len, capEnd - o, 'caplen', `option ${kind} not fully captured`) };
    }
    const fixed = FIXED_LENGTH[kind];
    if (fixed !== undefined && len !== fixed) {
      return {
        options,
        issue: {
          code: 'bad-length',
          layer: 'tcp-option',
          offset: o + 1,
          needed: fixed,
          available: len,
          lengthSource: 'option-length',
          reason: `option ${kind} must be ${fixed} bytes long, not ${len}`,
        },
      };
    }
    const d = o + 2;
    switch (kind) {
      case TCPOPT.MSS:
        options.push({ kind: 'mss', mss: be16(frame, d) });
        break;
      case TCPOPT.WSCALE:
        options.push({ kind: 'wscale', shift: Math.min(frame[d] as number, MAX_WINDOW_SCALE_SHIFT) });
        break;
      case TCPOPT.SACK_PERMITTED:
        options.push({ kind: 'sackOK' });
        break;
      case TCPOPT.SACK: {
        const blocks: [number, number][] = [];
        for (let b = d; b + 8 <= o + len; b += 8) blocks.push([be32(frame, b), be32(frame, b + 4)]);
        options.push({ kind: 'sack', blocks });
        break;
      }
      case TCPOPT.TIMESTAMP:
        options.push({ kind: 'ts', val: be32(frame, d), ecr: be32(frame, d + 4) });
        break;
      case TCPOPT.MD5:
        options.push({ kind: 'md5', digest: hex(frame, d, o + len) });
        break;
      case TCPOPT.UTO: {
        const v = be16(frame, d);
        options.push({ kind: 'uto', granularity: v & 0x8000 ? 'minutes' : 'seconds', timeout: v & 0x7fff });
        break;
      }
      case TCPOPT.TCP_AO:
        options.push({
          kind: 'tcp-ao',
          keyId: len > 2 ? (frame[d] as number) : 0,
          rnextKeyId: len > 3 ? (frame[d + 1] as number) : 0,
          mac: hex(frame, Math.min(d + 2, o + len), o + len),
        });
        break;
      case TCPOPT.MPTCP:
        options.push({
          kind: 'mptcp',
          subtype: len > 2 ? (frame[d] as number) >> 4 : -1,
          data: hex(frame, d, o + len),
        });
        break;
      case TCPOPT.FASTOPEN:
        options.push({ kind: 'tfo', cookie: hex(frame, d, o + len), experimental: false });
        break;
      case TCPOPT.EXPERIMENT:
        if (len >= 4 && be16(frame, d) === 0xf989) {
          options.push({ kind: 'tfo', cookie: hex(frame, d + 2, o + len), experimental: true });
        } else {
          options.push({ kind: 'unknown', code: kind, data: hex(frame, d, o + len) });
        }
        break;
      default:
        options.push({ kind: 'unknown', code: kind, data: hex(frame, d, o + len) });
    }
    o += len;
  }
  return { options, issue: undefined };
}

function trunc(
  offset: number,
  needed: number,
  available: number,
  lengthSource: 'caplen' | 'tcp-data-offset',
  reason: string,
): DecodeIssue {
  return { code: 'truncated', layer: 'tcp-option', offset, needed, available, lengthSource, reason };
}
