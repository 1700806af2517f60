/**
 * @module format/app
 * What tcpdump 4.99.3 prints after `length N` for a TCP payload: the application printer it picks
 * by port (with `-n`). The port order is tcpdump's own dispatch order (print-tcp.c), so a segment
 * between two well-known ports is decoded the way tcpdump decodes it. Implemented: SMTP (25),
 * WHOIS (43), BGP (179), SSH (22), OpenFlow (6633, 6653), FTP (21), HTTP (80, 8080), RTSP (554,
 * 8554), DNS (53), telnet (23). Ports whose tcpdump printer is not implemented here (PPTP 1723,
 * Redis 6379, BEEP 10288, MSDP 639, RPKI-RTR 323, LDP 646, NFS 2049) print nothing.
 */
import { PrintCursor, Truncated } from '../cursor.js';
import { formatBgp } from './bgp.js';
import { formatDns } from './dns.js';
import { formatOpenFlow } from './openflow.js';
import { formatTelnet } from './telnet.js';
import { formatSsh, formatTextProtocol, HTTP_COMMANDS, RTSP_COMMANDS } from './text.js';

type Printer = (c: PrintCursor, start: number, length: number, verbose: number) => void;

/** A txtproto printer: `: ` then the protocol's text. */
const text =
  (proto: string, cmds: readonly string[] | null): Printer =>
  (c, p, l, v) => {
    c.out += ': ';
    c.proto = proto;
    formatTextProtocol(c, p, l, cmds, v);
  };

/** tcpdump's dispatch order, first match wins; null: tcpdump's printer is not implemented here. */
const DISPATCH: readonly (readonly [readonly number[], Printer | null])[] = [
  [[23], formatTelnet],
  [[25], text('smtp', null)],
  [[43], text('whois', null)],
  [[179], formatBgp],
  [[1723, 6379], null],
  [[22], formatSsh],
  [[10288], null],
  [[6633, 6653], formatOpenFlow],
  [[21], text('ftp', null)],
  [[80, 8080], text('http', HTTP_COMMANDS)],
  [[554, 8554], text('rtsp', RTSP_COMMANDS)],
  [[53], formatDns],
  [[639, 323, 646, 2049], null],
];

/** Rank in DISPATCH of the first entry naming each port. */
const RANK = new Map<number, number>();
DISPATCH.forEach(([ports], rank) => ports.forEach((p) => RANK.has(p) || RANK.set(p, rank)));

/**
 * Everything tcpdump prints after `length N` for the TCP payload at `start` (`payloadLength` bytes
 * per the IP header; bytes at or past `capEnd` were not captured), '' when tcpdump prints nothing.
 * A read past `capEnd` ends the text with tcpdump's ` [|proto]` (tcpdump ends the line there).
 * `verbose` is the number of `-v`. Multi-line output (OpenFlow, HTTP -v, BGP -v) uses `\n\t`.
 * @example formatTcpPayload(frame, 54, 605, frame.length, 80, 5767, 0) // ': HTTP: HTTP/1.1 200 OK'
 */
export function formatTcpPayload(
  bytes: Uint8Array,
  start: number,
  payloadLength: number,
  capEnd: number,
  srcPort: number,
  dstPort: number,
  verbose: number,
): string {
  if (payloadLength <= 0) return '';
  const a = RANK.get(srcPort);
  const b = RANK.get(dstPort);
  if (a === undefined && b === undefined) return '';
  const printer = DISPATCH[Math.min(a ?? Infinity, b ?? Infinity)]?.[1];
  if (!printer) return '';
  const c = new PrintCursor();
  c.reset(bytes, Math.min(capEnd, bytes.length));
  try {
    printer(c, start, payloadLength, verbose);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    c.out += ` [|${c.proto}]`;
  }
  return c.out;
}
