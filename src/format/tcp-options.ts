/**
 * @module format/tcp-options
 * tcpdump's rendering of the TCP options area (`, options [...]`), including MPTCP, TCP-AO, TFO
 * and its experimental form, with tcpdump's `[len N]`, `[bad opt]` and truncation behaviour.
 * Prints into the cursor; throws the cursor's sentinels exactly where tcpdump stops.
 */
import { hex } from '../wire/bytes.js';
import { BAD_OPTION, TRUNC_LEN, type PrintCursor } from './cursor.js';
import { formatMptcpOption } from './mptcp.js';

const OPTION_NAMES: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  6: 'echo',
  7: 'echoreply',
  8: 'TS',
  11: 'cc',
  12: 'ccnew',
  13: '',
  19: 'md5',
  20: 'scps',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
  254: 'exp',
};

/** Sequence context for SACK blocks: tcpdump prints them relative to the conversation's ISNs. */
export interface SackContext {
  rev: boolean;
  thSeq: number;
  thAck: number;
}

function tfo(c: PrintCursor, o: number, len: number, exp: boolean): void {
  if (exp) c.s('tfo');
  if (len === 0) {
    c.s(' cookiereq');
    return;
  }
  if (len % 2 !== 0 || len < 4 || len > 16) {
    c.s(' (invalid)');
    return;
  }
  c.s(' cookie ');
  for (let i = 0; i < len; i++) c.s(hex(c.b, o + i, (c.u8(o + i), o + i + 1)));
}

/** MD5 signature text: tcpdump with libcrypto says why it cannot check without a secret. */
function md5(c: PrintCursor, o: number, segEnd: number): void {
  if (segEnd > c.end) c.s('snaplen too short, ');
  else c.s('shared secret not supplied with -M, ');
  c.s("can't check - ");
  for (let i = 0; i < 16; i++) c.s(hex(c.b, o + i, (c.u8(o + i), o + i + 1)));
}

/**
 * Print the options in `[start, end)` (end per the TCP data offset) for a segment with `flags`.
 * `segEnd` is where the TCP segment ends (for the MD5 "snaplen too short" check).
 * @example formatTcpOptions(cursor, 34, 54, 0x02, ctx, 54) // appends ', options [mss 65495,...]'
 */
export function formatTcpOptions(
  c: PrintCursor,
  start: number,
  end: number,
  flags: number,
  ctx: SackContext,
  segEnd: number,
): void {
  let hlen = end - start;
  let p = start;
  c.s(', options [');
  c.optCh = '';
  const lencheck = (l: number): void => {
    if (l > hlen) throw BAD_OPTION;
    if (p + l > c.end) throw TRUNC_LEN;
  };
  while (hlen > 0) {
    c.s(c.optCh);
    const opt = c.u8(p);
    p++;
    let len: number;
    if (opt === 0 || opt === 1) len = 1;
    else {
      len = c.u8(p);
      p++;
      if (len < 2 || len > hlen) throw BAD_OPTION;
      hlen--;
    }
    hlen--;
    let datalen = 0;
    c.s(OPTION_NAMES[opt] ?? `unknown-${opt}`);
    switch (opt) {
      case 2:
        datalen = 2;
        lencheck(2);
        {
          const v = c.u16(p);
          c.s(' ');
          c.n(v);
        }
        break;
      case 3:
        datalen = 1;
        lencheck(1);
        {
          const v = c.u8(p);
          c.s(' ');
          c.n(v);
        }
        break;
      case 5:
        datalen = len - 2;
        if (datalen % 8 !== 0) c.s(' invalid sack');
        else {
          c.s(` ${datalen / 8} `);
          const base = ctx.rev ? ctx.thSeq : ctx.thAck;
          for (let i = 0; i < datalen; i += 8) {
            lencheck(i + 4);
            const a = (c.u32(p + i) - base) >>> 0;
            lencheck(i + 8);
            const b = (c.u32(p + i + 4) - base) >>> 0;
            c.s('{');
            c.n(a);
            c.s(':');
            c.n(b);
            c.s('}');
          }
        }
        break;
      case 6:
      case 7:
      case 11:
      case 12:
      case 13:
        datalen = 4;
        lencheck(4);
        {
          const v = c.u32(p);
          c.s(' ');
          c.n(v);
        }
        break;
      case 8:
        datalen = 8;
        lencheck(8);
        {
          const val = c.u32(p);
          const ecr = c.u32(p + 4);
          c.s(' val ');
          c.n(val);
          c.s(' ecr ');
          c.n(ecr);
        }
        break;
      case 19:
        datalen = 16;
        lencheck(16);
        c.s(' ');
        md5(c, p, segEnd);
        break;
      case 20:
        datalen = 2;
        lencheck(2);
        c.s(` cap ${hex(c.b, p, p + 1)} id ${c.u8(p + 1)}`);
        break;
      case 29:
        datalen = len - 2;
        if (datalen < 2) c.s(' (invalid)');
        else {
          lencheck(1);
          c.s(` keyid ${c.u8(p)}`);
          lencheck(2);
          c.s(` rnextkeyid ${c.u8(p + 1)}`);
          if (datalen > 2) {
            c.s(' mac 0x');
            for (let i = 2; i < datalen; i++) {
              lencheck(i + 1);
              c.s(hex(c.b, p + i, p + i + 1));
            }
          }
        }
        break;
      case 0:
      case 1:
      case 4:
        break;
      case 28: {
        datalen = 2;
        lencheck(2);
        let v = c.u16(p);
        c.s(` 0x${v.toString(16)}`);
        v = v & 1 ? (v >> 1) * 60 : v >> 1;
        c.s(` ${v}`);
        break;
      }
      case 30: {
        datalen = len - 2;
        lencheck(datalen);
        const saved = c.end;
        c.end = Math.min(p - 2 + len, c.end);
        let ok: boolean;
        try {
          ok = formatMptcpOption(c, p - 2, len, flags);
        } finally {
          c.end = saved;
        }
        if (!ok) throw BAD_OPTION;
        break;
      }
      case 34:
        datalen = len - 2;
        lencheck(datalen);
        c.s(' ');
        tfo(c, p, datalen, false);
        break;
      case 254: {
        datalen = len - 2;
        lencheck(datalen);
        if (datalen < 2) throw BAD_OPTION;
        const magic = c.u16(p);
        c.s('-');
        if (magic === 0xf989) tfo(c, p + 2, datalen - 2, true);
        else c.s(hex(c.b, p, p + 2));
        break;
      }
      default:
        datalen = len - 2;
        if (datalen) c.s(' 0x');
        for (let i = 0; i < datalen; i++) {
          lencheck(i + 1);
          c.s(hex(c.b, p + i, p + i + 1));
        }
    }
    p += datalen;
    hlen -= datalen;
    datalen++;
    if (opt !== 0 && opt !== 1) datalen++;
    if (datalen !== len) c.s(`[len ${len}]`);
    c.optCh = ',';
    if (opt === 0) break;
  }
  c.s(']');
}
