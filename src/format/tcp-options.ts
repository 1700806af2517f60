/**
 * @module format/tcp-options
 * tcpdump's rendering of the TCP options area (`, options [...]`), including MPTCP, TCP-AO, TFO
 * and its experimental form, with tcpdump's `[len N]`, `[bad opt]` and truncation behaviour.
 * Prints into the cursor; throws the cursor's sentinels exactly where tcpdump stops.
 */
import { hex } from '../wire/bytes.js';
import { BAD_OPTION, TRUNC_LEN, type PrintCursor } from './cursor.js';
import { formatMptcpOption } from './mptcp.js';

const OPTION_NAME_LIST: Record<number, string> = {
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

/** Indexed by option kind (an array: no object-key lookup per option). */
const OPTION_NAMES: (string | undefined)[] = [];
for (const [kind, name] of Object.entries(OPTION_NAME_LIST)) OPTION_NAMES[Number(kind)] = name;

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

/** tcpdump's LENCHECK: option data of `l` bytes at `p` must fit the option area and the capture. */
function lenCheck(c: PrintCursor, l: number, hlen: number, p: number): void {
  if (l > hlen) throw BAD_OPTION;
  if (p + l > c.end) throw TRUNC_LEN;
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
        lenCheck(c, 2, hlen, p);
        {
          const v = c.u16(p);
          c.s(' ');
          c.n(v);
        }
        break;
      case 3:
        datalen = 1;
        lenCheck(c, 1, hlen, p);
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
            lenCheck(c, i + 4, hlen, p);
            const a = (c.u32(p + i) - base) >>> 0;
            lenCheck(c, i + 8, hlen, p);
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
        lenCheck(c, 4, hlen, p);
        {
          const v = c.u32(p);
          c.s(' ');
          c.n(v);
        }
        break;
      case 8:
        datalen = 8;
        lenCheck(c, 8, hlen, p);
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
        lenCheck(c, 16, hlen, p);
        c.s(' ');
        md5(c, p, segEnd);
        break;
      case 20:
        datalen = 2;
        lenCheck(c, 2, hlen, p);
        c.s(` cap ${hex(c.b, p, p + 1)} id ${c.u8(p + 1)}`);
        break;
      case 29:
        datalen = len - 2;
        if (datalen < 2) c.s(' (invalid)');
        else {
          lenCheck(c, 1, hlen, p);
          c.s(` keyid ${c.u8(p)}`);
          lenCheck(c, 2, hlen, p);
          c.s(` rnextkeyid ${c.u8(p + 1)}`);
          if (datalen > 2) {
            c.s(' mac 0x');
            for (let i = 2; i < datalen; i++) {
              lenCheck(c, i + 1, hlen, p);
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
        lenCheck(c, 2, hlen, p);
        let v = c.u16(p);
        c.s(` 0x${v.toString(16)}`);
        v = v & 1 ? (v >> 1) * 60 : v >> 1;
        c.s(` ${v}`);
        break;
      }
      case 30: {
        datalen = len - 2;
        lenCheck(c, datalen, hlen, p);
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
        lenCheck(c, datalen, hlen, p);
        c.s(' ');
        tfo(c, p, datalen, false);
        break;
      case 254: {
        datalen = len - 2;
        lenCheck(c, datalen, hlen, p);
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
          lenCheck(c, i + 1, hlen, p);
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
