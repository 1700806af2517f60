/**
 * @module format/timestamp
 * tcpdump's timestamp styles (`-t` … `-ttttt`, micro or nano precision), local time like tcpdump
 * (the UTC offset is looked up once per distinct hour and cached, not per packet).
 */

import type { ByteCursor } from './cursor.js';

/** tcpdump's `-t` count: 0 default, 1 none, 2 epoch, 3 delta to previous, 4 date, 5 delta to first. */
export type TimestampMode = 0 | 1 | 2 | 3 | 4 | 5;

/** Seconds east of UTC at a given epoch second, e.g. from the process time zone. */
export type TzOffsetFn = (epochSec: number) => number;

/** The process's local time zone, as glibc's localtime() would apply it. */
export const localTzOffset: TzOffsetFn = (epochSec) => -new Date(epochSec * 1000).getTimezoneOffset() * 60;

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function padFrac(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** HH:MM:SS of a (possibly shifted) epoch second, UTC arithmetic. */
function hms(sec: number): string {
  const d = ((sec % 86400) + 86400) % 86400;
  return `${pad2(Math.floor(d / 3600))}:${pad2(Math.floor((d % 3600) / 60))}:${pad2(d % 60)}`;
}

function ymd(sec: number): string {
  const dt = new Date(sec * 1000);
  return `${dt.getUTCFullYear()}-${pad2(dt.getUTCMonth() + 1)}-${pad2(dt.getUTCDate())}`;
}

/**
 * Formats packet timestamps the way tcpdump does. Stateful for the delta modes.
 * @example new TimestampFormatter(0, false, () => 0).format(1418145369, 924505488) // '17:16:09.924505 '
 */
export class TimestampFormatter {
  private prevSec = -1;
  private prevFrac = 0;
  private cacheHour = Number.NaN;
  private cacheOffset = 0;
  private cacheSec = Number.NaN;
  private cacheText = '';
  private bytesSec = Number.NaN;
  private bytesPrefix = new Uint8Array(0);

  constructor(
    readonly mode: TimestampMode,
    readonly nano: boolean,
    private readonly tzOffset: TzOffsetFn = localTzOffset,
  ) {}

  private frac(fracNs: number): string {
    return this.nano ? padFrac(fracNs, 9) : padFrac(Math.floor(fracNs / 1000), 6);
  }

  private localSeconds(sec: number): number {
    const hour = Math.floor(sec / 3600);
    if (hour !== this.cacheHour) {
      this.cacheHour = hour;
      this.cacheOffset = this.tzOffset(sec);
    }
    return sec + this.cacheOffset;
  }

  /** The clock text of `sec` for modes 0 and 4 (`HH:MM:SS` or `YYYY-MM-DD HH:MM:SS`). */
  private clock(sec: number): string {
    const local = this.localSeconds(sec);
    return this.mode === 4 ? `${ymd(local)} ${hms(local)}` : hms(local);
  }

  /**
   * Append the same text as {@link TimestampFormatter.format} to a byte cursor, without building
   * a string for the common modes (the seconds part is cached as bytes).
   * @example ts.writeTo(cursor, rec.tsSec, rec.tsFracNs)
   */
  writeTo(c: ByteCursor, sec: number, fracNs: number): void {
    if (this.mode === 0 || this.mode === 4) {
      if (sec !== this.bytesSec) {
        const text = `${this.clock(sec)}.`;
        const prefix = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) prefix[i] = text.charCodeAt(i);
        this.bytesSec = sec;
        this.bytesPrefix = prefix;
      }
      c.bytes(this.bytesPrefix);
    } else if (this.mode === 2) {
      c.n(sec);
      c.byte(46);
    } else {
      c.s(this.format(sec, fracNs));
      return;
    }
    if (this.nano) c.padded(fracNs, 9);
    else c.padded(Math.floor(fracNs / 1000), 6);
    c.byte(32);
  }

  /** The timestamp text including its trailing space ('' for `-t`). */
  format(sec: number, fracNs: number): string {
    switch (this.mode) {
      case 1:
        return '';
      case 2:
        return `${sec}.${this.frac(fracNs)} `;
      case 0:
      case 4: {
        if (sec !== this.cacheSec) {
          this.cacheSec = sec;
          this.cacheText = this.clock(sec);
        }
        return `${this.cacheText}.${this.frac(fracNs)} `;
      }
      case 3:
      case 5: {
        if (this.prevSec < 0) {
          this.prevSec = sec;
          this.prevFrac = fracNs;
        }
        const unit = this.nano ? 1 : 1000;
        // tcpdump subtracts at the reader's precision (µs unless nano).
        const a = sec * 1e9 + Math.floor(fracNs / unit) * unit;
        const b = this.prevSec * 1e9 + Math.floor(this.prevFrac / unit) * unit;
        const negative = a < b;
        let dSec: number;
        let dFrac: number;
        if (negative) {
          dSec = this.prevSec - sec;
          dFrac = Math.floor(this.prevFrac / unit) * unit - Math.floor(fracNs / unit) * unit;
        } else {
          dSec = sec - this.prevSec;
          dFrac = Math.floor(fracNs / unit) * unit - Math.floor(this.prevFrac / unit) * unit;
        }
        if (dFrac < 0) {
          dFrac += 1e9;
          dSec -= 1;
        }
        if (this.mode === 3) {
          this.prevSec = sec;
          this.prevFrac = fracNs;
        }
        return `${negative ? '-' : ' '}${hms(dSec)}.${this.frac(dFrac)} `;
      }
    }
  }
}
