/**
 * @module format/app/telnet
 * Telnet (port 23) as tcpdump 4.99.3 prints it: only a payload that starts with IAC commands
 * prints, as ` [telnet WILL ECHO, DO SUPPRESS GO AHEAD, SB TERMINAL TYPE SEND SE]`; ordinary
 * data prints nothing. An empty capture of the first byte gives ` [|telnet]`.
 */
import type { PrintCursor } from '../cursor.js';

const IAC = 255;
const SB = 250;
const SE = 240;
const CMD_FIRST = 236;
/** Command names for bytes 236 (EOF) .. 255 (IAC). */
const COMMANDS = 'EOF SUSP ABORT EOR SE NOP DMARK BRK IP AO AYT EC EL GA SB WILL WONT DO DONT IAC'.split(' ');
/** Option names 0 .. 39. */
const OPTIONS = [
  'BINARY', 'ECHO', 'RCP', 'SUPPRESS GO AHEAD', 'NAME', 'STATUS', 'TIMING MARK', 'RCTE', 'NAOL', 'NAOP',
  'NAOCRD', 'NAOHTS', 'NAOHTD', 'NAOFFD', 'NAOVTS', 'NAOVTD', 'NAOLFD', 'EXTEND ASCII', 'LOGOUT',
  'BYTE MACRO', 'DATA ENTRY TERMINAL', 'SUPDUP', 'SUPDUP OUTPUT', 'SEND LOCATION', 'TERMINAL TYPE',
  'END OF RECORD', 'TACACS UID', 'OUTPUT MARKING', 'TTYLOC', '3270 REGIME', 'X.3 PAD', 'NAWS', 'TSPEED',
  'LFLOW', 'LINEMODE', 'XDISPLOC', 'OLD-ENVIRON', 'AUTHENTICATION', 'ENCRYPT', 'NEW-ENVIRON',
]; // prettier-ignore
const QUALIFIERS = ['IS', 'SEND', 'INFO'];
const AUTH_COMMANDS = ['IS', 'SEND', 'REPLY', 'NAME'];
const AUTH_TYPES = [
  'NULL', 'KERBEROS_V4', 'KERBEROS_V5', 'SPX', 'MINK', 'SRP', 'RSA', 'SSL', '', '', 'LOKI', 'SSA',
  'KEA_SJ', 'KEA_SJ_INTEG', 'DSS', 'NTLM',
]; // prettier-ignore
const ENC_COMMANDS = [
  'IS',
  'SUPPORT',
  'REPLY',
  'START',
  'END',
  'REQUEST-START',
  'REQUEST-END',
  'END_KEYID',
  'DEC_KEYID',
];
const ENC_TYPES = [
  'NULL', 'DES_CFB64', 'DES_OFB64', 'DES3_CFB64', 'DES3_OFB64', '', 'CAST5_40_CFB64', 'CAST5_40_OFB64',
  'CAST128_CFB64', 'CAST128_OFB64',
]; // prettier-ignore
const U32 = 2 ** 32;

/** C's `%#x`: `0` for zero, else `0x` and lowercase hex. */
function altHex(v: number): string {
  return v === 0 ? '0' : `0x${v.toString(16)}`;
}

function nameOr(v: number, table: readonly string[]): string {
  const s = table[v];
  return s !== undefined && s !== '' ? s : altHex(v);
}

/**
 * Parse (and, when `print`, print) the command at `sp`; returns its length or -1 when it is not a
 * complete command. Reads past the usable end throw, as tcpdump's do.
 */
function parseCommand(c: PrintCursor, sp: number, length: number, print: boolean): number {
  const start = sp;
  const fetch = (): number => {
    if (length < 1) throw NOT_COMMAND;
    const v = c.u8(sp);
    sp++;
    length--;
    return v;
  };
  const say = (s: string): void => {
    if (print) c.out += s;
  };
  try {
    if (fetch() !== IAC) return -1;
    const cmd = fetch();
    if (cmd === IAC) {
      say('IAC IAC');
      return sp - start;
    }
    if (cmd < CMD_FIRST) return -1;
    const name = COMMANDS[cmd - CMD_FIRST] as string;
    if (cmd < SB) {
      say(name);
      return sp - start;
    }
    const opt = fetch();
    say(`${name} ${opt < OPTIONS.length ? OPTIONS[opt] : altHex(opt)}`);
    if (cmd !== SB) return sp - start;
    let p = sp;
    while (length > p + 1 - sp) {
      if (c.u8(p) === IAC && c.u8(p + 1) === SE) break;
      p++;
    }
    if (c.u8(p) !== IAC) return -1;
    const tables =
      opt === 37 ? [AUTH_COMMANDS, AUTH_TYPES] : opt === 38 ? [ENC_COMMANDS, ENC_TYPES] : [QUALIFIERS];
    for (const table of tables) {
      if (p <= sp) break;
      say(` ${nameOr(fetch(), table)}`);
    }
    while (p > sp) say(` ${altHex(fetch())}`);
    say(' SE');
    return sp + 2 - start;
  } catch (e) {
    if (e === NOT_COMMAND) return -1;
    throw e;
  }
}

const NOT_COMMAND = new Error('not a complete telnet command');

/**
 * tcpdump's telnet printer (no `: ` prefix: the text follows `length N` directly).
 * @example formatTelnet(c, 54, 3, 0) // bytes ff fb 01 append ' [telnet WILL ECHO]'
 */
export function formatTelnet(c: PrintCursor, start: number, length: number, _verbose: number): void {
  c.proto = 'telnet';
  let sp = start;
  let first = true;
  while (length > 0 && c.u8(sp) === IAC) {
    const l = parseCommand(c, sp, length, false);
    if (l < 0) break;
    c.out += first ? ' [telnet ' : ', ';
    parseCommand(c, sp, length, true);
    first = false;
    sp += l;
    length -= l;
    if (length < 0) length += U32; // tcpdump's length is unsigned
  }
  if (!first) c.out += ']';
}
