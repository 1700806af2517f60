/**
 * @module format/app/dns-names
 * Domain names and character strings inside a DNS message, printed the way tcpdump does:
 * compression pointers must point backwards (`<BAD PTR>`), names longer than 255 characters end
 * with `<DOMAIN NAME TOO LONG>`, non-printable bytes are escaped as `M-` / `^X`. A function that
 * returns null means tcpdump gave up on the record (the caller prints the truncation marker).
 */
import type { PrintCursor } from '../cursor.js';

const MAX_NAME_CHARS = 255;

/** tcpdump's escaping of one byte: `M-` for bytes >= 0x80, `^X` for control characters. */
export function escapeChar(ch: number): string {
  let s = '';
  if (ch >= 0x80) {
    ch &= 0x7f;
    s = 'M-';
  }
  if (ch < 0x20 || ch === 0x7f) return `${s}^${String.fromCharCode(ch ^ 0x40)}`;
  return s + String.fromCharCode(ch);
}

/** Print up to `n` bytes at `o`, stopping at the capture end; false when cut short. */
export function printEscaped(c: PrintCursor, o: number, n: number): boolean {
  for (; n > 0 && o < c.end; n--, o++) c.out += escapeChar(c.b[o] as number);
  return n === 0;
}

/** Offset just past the name at `o`, or null when it cannot be walked. */
export function skipName(c: PrintCursor, o: number): number | null {
  if (!c.has(o, 1)) return null;
  let i = c.b[o++] as number;
  while (i) {
    const kind = i & 0xc0;
    if (kind === 0xc0) return o + 1;
    if (kind === 0x80) return null;
    if (kind === 0x40) {
      if ((i & 0x3f) !== 1 || !c.has(o, 1)) return null;
      const bits = (c.b[o] as number) || 256;
      o += 1 + ((bits + 7) >> 3);
    } else o += i;
    if (!c.has(o, 1)) return null;
    i = c.b[o++] as number;
  }
  return o;
}

function labelLength(c: PrintCursor, o: number): number {
  if (!c.has(o, 1)) return -1;
  const i = c.b[o] as number;
  const kind = i & 0xc0;
  if (kind === 0x40) {
    const elt = i & 0x3f;
    if (elt !== 1) {
      c.out += `<ELT ${elt}>`;
      return -1;
    }
    if (!c.has(o + 1, 1)) return -1;
    return ((((c.b[o + 1] as number) || 256) + 7) >> 3) + 1;
  }
  if (kind === 0x80) {
    c.out += '<BAD LABEL TYPE>';
    return -1;
  }
  return i;
}

function bitLabel(c: PrintCursor, o: number): number {
  const bits = c.u8(o) || 256;
  const lim = o + 1 + Math.floor((bits + 3) / 4);
  c.out += '\\[x';
  let p = o + 1;
  let b = bits;
  for (; p < lim && b > 7; b -= 8, p++) c.out += c.u8(p).toString(16).padStart(2, '0');
  if (b > 4) c.out += (c.u8(p) & (0xff << (8 - b)) & 0xff).toString(16).padStart(2, '0');
  else if (b > 0) c.out += ((c.u8(p) >> 4) & 0x0f & (0x0f << (4 - b))).toString(16);
  c.out += `/${bits}]`;
  return lim;
}

/**
 * Print the domain name at `o` of the message starting at `msg`; returns the offset after the
 * name as stored (before any pointer), or null when tcpdump stops.
 * @example printName(c, 56, 44) // appends 'www.tcpdump.org.'
 */
export function printName(c: PrintCursor, o: number, msg: number): number | null {
  let l = labelLength(c, o);
  if (l < 0 || !c.has(o, 1)) return null;
  let maxOffset = o - msg;
  let i = c.b[o++] as number;
  let rp: number | null = null;
  let compressed = false;
  if ((i & 0xc0) !== 0xc0) rp = o + l;
  if (i === 0) {
    c.out += '.';
    return rp;
  }
  let chars = 0;
  while (i && o < c.end) {
    const kind = i & 0xc0;
    if (kind === 0xc0) {
      if (!compressed) {
        rp = o + 1;
        compressed = true;
      }
      if (!c.has(o, 1)) return null;
      const offset = ((i << 8) | (c.b[o] as number)) & 0x3fff;
      if (offset >= maxOffset) {
        c.out += '<BAD PTR>';
        return null;
      }
      maxOffset = offset;
      o = msg + offset;
      if (!c.has(o, 1)) return null;
      i = c.b[o] as number;
      l = labelLength(c, o);
      if (l < 0) return null;
      o++;
      continue;
    }
    if (kind === 0x40) {
      if ((i & 0x3f) !== 1) {
        c.out += `<ELT ${i & 0x3f}>`;
        return null;
      }
      bitLabel(c, o);
    } else if (kind === 0x80) {
      c.out += '<BAD LABEL TYPE>';
      return null;
    } else {
      if (chars + l <= MAX_NAME_CHARS) {
        if (!printEscaped(c, o, l)) return null;
      } else if (chars < MAX_NAME_CHARS && !printEscaped(c, o, MAX_NAME_CHARS - chars)) return null;
      chars += l;
    }
    o += l;
    if (chars <= MAX_NAME_CHARS) c.out += '.';
    chars++;
    if (!c.has(o, 1)) return null;
    i = c.b[o] as number;
    l = labelLength(c, o);
    if (l < 0) return null;
    o++;
    if (!compressed && rp !== null) rp += l + 1;
  }
  if (chars > MAX_NAME_CHARS) c.out += '<DOMAIN NAME TOO LONG>';
  return rp;
}
