/**
 * @module format/app/text
 * Line-oriented text protocols as tcpdump 4.99.3 prints them (its txtproto_print behaviour):
 * HTTP and RTSP print `PROTO: first line` only when the payload starts with a known request
 * method or has a 3-digit response code as second token, else just `PROTO`; FTP, SMTP and WHOIS
 * (no command list) always try the first line. With -v every complete printable line follows on
 * its own `\n\t` line. Also the SSH version banner (`: SSH: SSH-2.0-...`).
 */
import type { PrintCursor } from '../cursor.js';

/** Request methods that make tcpdump print an HTTP first line. */
export const HTTP_COMMANDS: readonly string[] = (
  'GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE SEARCH UNLOCK ' +
  'REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST SUBSCRIBE ' +
  'PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE UNSUBSCRIBE RPC_CONNECT ' +
  'VERSION-CONTROL BASELINE-CONTROL'
).split(' ');

/** Request methods that make tcpdump print an RTSP first line. */
export const RTSP_COMMANDS: readonly string[] =
  'DESCRIBE ANNOUNCE GET_PARAMETER OPTIONS PAUSE PLAY RECORD REDIRECT SETUP SET_PARAMETER TEARDOWN'.split(
    ' ',
  );

/** Longest token tcpdump keeps (128 characters plus the NUL in its 129-byte buffer). */
const MAX_TOKEN_CHARS = 128;

function isPrint(ch: number): boolean {
  return ch >= 0x20 && ch <= 0x7e;
}

function isSpace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

/**
 * The whitespace-delimited token at `idx` (relative to `p`) and the index after the blanks that
 * follow it, or undefined (tcpdump's fetch_token returning 0). Never reads past the usable end.
 */
function fetchToken(
  c: PrintCursor,
  p: number,
  idx: number,
  len: number,
): { tok: string; next: number } | undefined {
  let tok = '';
  for (; idx < len; idx++) {
    if (!c.has(p + idx, 1)) return undefined;
    const ch = c.b[p + idx] as number;
    if (ch >= 0x80) return undefined;
    if (isSpace(ch)) break;
    if (!isPrint(ch)) return undefined;
    if (tok.length >= MAX_TOKEN_CHARS) return undefined;
    tok += String.fromCharCode(ch);
  }
  if (tok === '') return undefined;
  for (; idx < len; idx++) {
    if (!c.has(p + idx, 1)) break;
    const ch = c.b[p + idx] as number;
    if (ch === 0x0d || ch === 0x0a || !isPrint(ch) || !isSpace(ch)) break;
  }
  return { tok, next: idx };
}

/**
 * Print the line at `idx` after `prefix`; returns the index after its line ending, or 0 when the
 * line is binary or not ended in this segment (an unended printable line still prints, followed
 * by the truncation marker). Reads past the usable end throw (tcpdump's GET_U_1).
 */
function printTxtLine(c: PrintCursor, prefix: string, p: number, idx: number, len: number): number {
  const start = idx;
  while (idx < len) {
    const ch = c.u8(p + idx);
    if (ch === 0x0a) {
      c.out += prefix + ascii(c.b, p + start, p + idx);
      return idx + 1;
    }
    if (ch === 0x0d) {
      if (idx + 1 >= len) return 0;
      if (c.u8(p + idx + 1) !== 0x0a) return 0;
      c.out += prefix + ascii(c.b, p + start, p + idx);
      return idx + 2;
    }
    if (!isPrint(ch) && ch !== 0x09) return 0;
    idx++;
  }
  c.out += `${prefix}${ascii(c.b, p + start, p + idx)} [|${c.proto}]`;
  return 0;
}

/**
 * tcpdump's txtproto_print for `c.proto`: `cmds` null means "always print the first line".
 * @example formatTextProtocol(c, 54, 605, HTTP_COMMANDS, 0) // appends 'HTTP: HTTP/1.1 200 OK'
 */
export function formatTextProtocol(
  c: PrintCursor,
  p: number,
  len: number,
  cmds: readonly string[] | null,
  verbose: number,
): void {
  let printThis = cmds === null;
  if (cmds !== null) {
    let t = fetchToken(c, p, 0, len);
    if (t !== undefined) {
      if (cmds.includes(t.tok.toUpperCase())) printThis = true;
      t = fetchToken(c, p, t.next, len);
      if (t !== undefined && /^[0-9]{3}$/.test(t.tok)) printThis = true;
    }
  }
  c.out += c.proto.toUpperCase();
  if (!printThis) return;
  if (verbose > 0) {
    c.out += `, length: ${len}`;
    let idx = 0;
    while (idx < len) {
      const eol = printTxtLine(c, '\n\t', p, idx, len);
      if (eol === 0) break;
      idx = eol;
    }
  } else {
    printTxtLine(c, ': ', p, 0, len);
  }
}

/**
 * SSH (22): only a complete `SSH-...` version line prints.
 * @example formatSsh(c, 66, 41, 0) // appends ': SSH: SSH-2.0-OpenSSH_5.5p1 Debian-6'
 */
export function formatSsh(c: PrintCursor, p: number, len: number, _verbose: number): void {
  c.proto = 'ssh';
  for (let i = 0; i < 4; i++) if (c.u8(p + i) !== 'SSH-'.charCodeAt(i)) return;
  let idx = 4;
  while (idx < len) {
    const ch = c.u8(p + idx);
    if (ch === 0x0a) break;
    if (ch === 0x0d) {
      if (idx + 1 >= len || c.u8(p + idx + 1) !== 0x0a) return;
      break;
    }
    if (!isPrint(ch)) return;
    idx++;
  }
  if (idx >= len) return;
  c.out += `: SSH: ${ascii(c.b, p, p + idx)}`;
}
