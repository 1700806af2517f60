/**
 * @module format/app/bgp
 * BGP (port 179): tcpdump prints `: BGP`, and with `-v` one `\n\tTYPE Message (N), length: L`
 * line per message found by its 16-byte 0xff marker, then the OPEN / UPDATE body of ./bgp-body.ts.
 * NOTIFICATION and ROUTE-REFRESH bodies and unknown message types' hex are NOT printed here.
 */
import type { PrintCursor } from '../cursor.js';
import { formatBgpOpen, formatBgpUpdate, isBgpTrunc } from './bgp-body.js';

const MESSAGES: Record<number, string> = {
  1: 'Open', 2: 'Update', 3: 'Notification', 4: 'Keepalive', 5: 'Route Refresh',
}; // prettier-ignore
const HEADER_BYTES = 19;
const MARKER_BYTES = 16;

function isMarker(c: PrintCursor, p: number): boolean {
  for (let i = 0; i < MARKER_BYTES; i++) if (c.b[p + i] !== 0xff) return false;
  return true;
}

/**
 * @example formatBgp(c, 66, 19, 1) // appends ': BGP\n\tKeepalive Message (4), length: 19'
 */
export function formatBgp(c: PrintCursor, s: number, _length: number, verbose: number): void {
  c.proto = 'bgp';
  c.out += ': BGP';
  if (verbose < 1) return;
  let p = s;
  let start = p;
  while (p < c.end) {
    if (c.b[p] !== 0xff) {
      p++;
      continue;
    }
    if (!c.has(p, MARKER_BYTES)) break;
    if (!isMarker(c, p)) {
      p++;
      continue;
    }
    c.need(p, HEADER_BYTES);
    if (start !== p) c.out += ' [|bgp]';
    const len = c.u16(p + 16);
    const type = c.u8(p + 18);
    if (len < HEADER_BYTES) {
      c.out += `\nmessage length ${len} < ${HEADER_BYTES} (invalid)`;
      break;
    }
    if (!c.has(p, len)) {
      c.out += `\n[|BGP ${MESSAGES[type] ?? 'Unknown Message Type'}]`;
      break;
    }
    c.out += `\n\t${MESSAGES[type] ?? 'Unknown'} Message (${type}), length: ${len}`;
    try {
      if (type === 1) formatBgpOpen(c, p, len, verbose);
      else if (type === 2) formatBgpUpdate(c, p, len, verbose);
    } catch (e) {
      if (!isBgpTrunc(e)) throw e;
      c.out += ' [|bgp]';
    }
    p += len;
    start = p;
  }
}
