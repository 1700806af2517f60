/**
 * @module analysis/summary-stream
 * The `--summary` reporter, streaming: rows arrive as connections leave the flow table (in any
 * order) and are written in connection-id order through a bounded reorder buffer, so a capture
 * with millions of connections is summarised in constant memory. Text rows use fixed column
 * widths (a longer cell pushes the rest of its row, as tshark's tables do); after the table come
 * a tally per Zeek conn_state with its meaning, a verdict line for each connection worth a look
 * (anything but a plain SF or S1), and the totals. JSON is one document, written as it goes.
 * Pure: output goes to the `write` callback.
 */
import { jsonReplacer } from '../events.js';
import { explain, type Lang } from '../report/explain/index.js';
import type { AnalyzerStats, ConnectionSummary, ZeekConnState } from './types.js';

export interface SummaryStreamOptions {
  readonly lang?: Lang;
  readonly json?: boolean;
  /**
   * Rows held back waiting for an earlier id (default 50 000). When more are pending, they are
   * written anyway, so a connection open from the start of a huge capture cannot make the
   * buffer grow without bound; each row carries its id, so `sort -n` restores the order.
   */
  readonly maxPending?: number;
  /** Verdict lines printed after the table before the rest is only counted (default 1000). */
  readonly maxVerdictLines?: number;
}

const HEADER = [
  '#',
  'originator',
  'responder',
  'start',
  'duration',
  'pkts >',
  'bytes >',
  'pkts <',
  'bytes <',
  'state',
  'history',
  'rtt ms',
  'flags',
];
/** Column widths (the last column, flags, is not padded). */
const WIDTHS = [6, 21, 21, 17, 10, 7, 11, 7, 11, 5, 11, 7];

/** What one text row shows; built from a `ConnectionSummary` or straight from live state. */
export interface RowFields {
  id: number;
  /** Endpoint texts (`addr:port`, `[v6]:port`), used when `orig4`/`resp4` are -1. */
  orig: string;
  resp: string;
  /** IPv4 endpoints as numbers (written without building strings), or -1. */
  orig4: number;
  origPort: number;
  resp4: number;
  respPort: number;
  /** Start time: whole seconds and microseconds. */
  startSec: number;
  startUs: number;
  durationNs: number;
  pktsOrig: number;
  bytesOrig: number;
  pktsResp: number;
  bytesResp: number;
  state: string;
  history: string;
  /** Handshake RTT in µs, or NaN. */
  rttUs: number;
  /** `name:count` pairs, space-separated ('' for none). */
  flags: string;
}

/** `addr:port`, bracketing IPv6 addresses. */
export function endpointText(e: { addr: string; port: number }): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

function flagList(c: ConnectionSummary): string {
  let s = '';
  for (const k in c.flagCounts) {
    const v = c.flagCounts[k as keyof ConnectionSummary['flagCounts']];
    s += (s ? ' ' : '') + `${k}:${v}`;
  }
  return s;
}

/**
 * A growable byte buffer for the summary's output: ASCII fast path, UTF-8 for the rest
 * (Chinese verdicts). Rows are written straight into it, without intermediate strings.
 */
export class RowBytes {
  buf: Uint8Array;
  len = 0;
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  str(s: string): void {
    this.reserve(s.length * 3);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.len = p;
        p += utf8.encodeInto(s.slice(i), b.subarray(p)).written;
        break;
      }
      b[p++] = c;
    }
    this.len = p;
  }

  /** A non-negative integer in decimal. */
  num(v: number): void {
    if (v >= 1e15) return this.str(String(v));
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    this.reserve(digits);
    let p = this.len + digits;
    this.len = p;
    let x = v;
    do {
      this.buf[--p] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
  }

  /** `v` zero-padded to `width` digits. */
  padNum(v: number, width: number): void {
    this.reserve(width);
    let p = this.len + width;
    this.len = p;
    let x = v;
    for (let i = 0; i < width; i++) {
      this.buf[--p] = 48 + (x % 10);
      x = Math.floor(x / 10);
    }
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.len++] = c;
  }

  /** Spaces up to column `width` of the cell that started at `start`, then the 2-space gap. */
  endCell(start: number, width: number): void {
    const fill = Math.max(0, width - (this.len - start)) + 2;
    this.reserve(fill);
    this.buf.fill(32, this.len, this.len + fill);
    this.len += fill;
  }
}

const utf8 = new TextEncoder();

function padRow(cells: readonly string[]): string {
  let s = '';
  for (let i = 0; i < cells.length - 1; i++) {
    const c = cells[i] as string;
    s += c + ' '.repeat(Math.max(0, (WIDTHS[i] ?? 0) - c.length) + 2);
  }
  return (s + (cells[cells.length - 1] ?? '')).trimEnd();
}

/** `[-]s.uuuuuu` for a duration of `ns` nanoseconds (microseconds truncated). */
function writeDuration(o: RowBytes, ns: number): void {
  const us = Math.trunc(Math.abs(ns) / 1000);
  if (ns < 0 && us > 0) o.byte(45);
  o.num(Math.floor(us / 1e6));
  o.byte(46);
  o.padNum(us % 1e6, 6);
}

/** `a.b.c.d:port` from numbers, or `text` when `addr4` is -1. */
function writeEndpoint(o: RowBytes, addr4: number, port: number, text: string): void {
  if (addr4 < 0) return o.str(text);
  o.num(addr4 >>> 24);
  o.byte(46);
  o.num((addr4 >>> 16) & 255);
  o.byte(46);
  o.num((addr4 >>> 8) & 255);
  o.byte(46);
  o.num(addr4 & 255);
  o.byte(58);
  o.num(port);
}

/** A numeric cell: the number, then padding to `width` and the gap. */
function numCell(o: RowBytes, v: number, width: number): void {
  const start = o.len;
  o.num(v);
  o.endCell(start, width);
}

/** Writes one text row of the summary table (with its newline) into `o`. */
export function writeRow(o: RowBytes, r: RowFields): void {
  const w = WIDTHS as readonly number[];
  numCell(o, r.id, w[0]!);
  let start = o.len;
  writeEndpoint(o, r.orig4, r.origPort, r.orig);
  o.endCell(start, w[1]!);
  start = o.len;
  writeEndpoint(o, r.resp4, r.respPort, r.resp);
  o.endCell(start, w[2]!);
  start = o.len;
  o.num(r.startSec);
  o.byte(46);
  o.padNum(r.startUs, 6);
  o.endCell(start, w[3]!);
  start = o.len;
  writeDuration(o, r.durationNs);
  o.endCell(start, w[4]!);
  numCell(o, r.pktsOrig, w[5]!);
  numCell(o, r.bytesOrig, w[6]!);
  numCell(o, r.pktsResp, w[7]!);
  numCell(o, r.bytesResp, w[8]!);
  start = o.len;
  o.str(r.state);
  o.endCell(start, w[9]!);
  start = o.len;
  o.str(r.history || '-');
  o.endCell(start, w[10]!);
  start = o.len;
  if (Number.isNaN(r.rttUs)) o.byte(45);
  else {
    if (r.rttUs < 0) o.byte(45);
    const a = Math.abs(r.rttUs);
    o.num(Math.floor(a / 1000));
    o.byte(46);
    o.padNum(a % 1000, 3);
  }
  o.endCell(start, w[11]!);
  o.str(r.flags || '-');
  o.byte(10);
}

/** The text row's fields of a summary. */
export function summaryFields(c: ConnectionSummary): RowFields {
  const startUs = c.startNs / 1000n;
  return {
    id: c.id,
    orig: endpointText(c.orig),
    resp: endpointText(c.resp),
    orig4: -1,
    origPort: 0,
    resp4: -1,
    respPort: 0,
    startSec: Number(startUs / 1_000_000n),
    startUs: Number(startUs % 1_000_000n),
    durationNs: Number(c.endNs - c.startNs),
    pktsOrig: c.fromOrig.packets,
    bytesOrig: c.fromOrig.payloadBytes,
    pktsResp: c.fromResp.packets,
    bytesResp: c.fromResp.payloadBytes,
    state: c.connState,
    history: c.history,
    rttUs: c.handshakeRttUs ?? NaN,
    flags: flagList(c),
  };
}

/** A short verdict for how the connection ended. */
export function renderEnd(c: ConnectionSummary, lang: Lang = 'en'): string {
  const closer =
    c.closer === 'orig' ? endpointText(c.orig) : c.closer === 'resp' ? endpointText(c.resp) : '?';
  switch (c.end) {
    case 'fin-both':
      return explain('end-fin-both', {}, lang);
    case 'half-closed':
      return explain('end-half-closed', { closer }, lang);
    case 'reset':
      return explain('end-reset', { closer }, lang);
    case 'refused':
      return explain('end-refused', { closer }, lang);
    case 'no-reply':
      return explain('end-no-reply', {}, lang);
    case 'open':
      return explain('end-open', {}, lang);
  }
}

/** `#id STATE: meaning; how it ended` for one connection. */
export function verdictLine(c: ConnectionSummary, lang: Lang = 'en'): string {
  return `#${c.id} ${explain(`conn-${c.connState}`, {}, lang)}; ${renderEnd(c, lang)}${c.evicted ? ' (evicted: table full)' : ''}`;
}

/** Anything but a plain SF or S1 (port reuse alone is normal for a busy client). */
export function worthALook(c: ConnectionSummary): boolean {
  if (c.evicted || (c.connState !== 'SF' && c.connState !== 'S1')) return true;
  for (const k in c.flagCounts) if (k !== 'reused-ports') return true;
  return false;
}

/** A row waiting for an earlier id: its bytes and verdict line (if any). */
interface PendingRow {
  readonly bytes: Uint8Array;
  readonly verdict: string | undefined;
}

/**
 * Writes the summary as rows arrive: `add` each connection's summary (or `addFields`, the
 * allocation-free form for text), in any order, then `end`. Output goes to `write` in chunks.
 * @example
 * const s = new SummaryStream((b) => process.stdout.write(b), { lang: 'en' });
 * new TcpAnalyzer({ perPacket: false, retainSummaries: false, onConnection: (c) => s.add(c) });
 */
export class SummaryStream {
  private readonly lang: Lang;
  private readonly json: boolean;
  private readonly maxPending: number;
  private readonly maxVerdictLines: number;
  private readonly pending = new Map<number, PendingRow>();
  private nextId = 1;
  private rows = 0;
  private out = new RowBytes(1 << 18);
  private readonly tmp = new RowBytes(1024);
  private readonly tally = new Map<ZeekConnState, number>();
  private readonly verdicts: string[] = [];
  private moreVerdicts = 0;

  constructor(
    private readonly write: (chunk: Uint8Array) => void,
    options: SummaryStreamOptions = {},
  ) {
    this.lang = options.lang ?? 'en';
    this.json = options.json ?? false;
    this.maxPending = Math.max(1, options.maxPending ?? 50_000);
    this.maxVerdictLines = options.maxVerdictLines ?? 1000;
    this.out.str(this.json ? '{\n"connections": [\n' : padRow(HEADER) + '\n');
  }

  /** True for JSON output. */
  get isJson(): boolean {
    return this.json;
  }

  /** One connection's summary (ids start at 1; any order). */
  add(c: ConnectionSummary): void {
    if (this.json) {
      const row = {
        ...c,
        verdict: explain(`conn-${c.connState}`, {}, this.lang),
        ending: renderEnd(c, this.lang),
      };
      this.addText(c.id, c.connState, JSON.stringify(row, jsonReplacer));
    } else {
      this.addFields(summaryFields(c), worthALook(c) ? verdictLine(c, this.lang) : undefined);
    }
  }

  /** One text row from its fields (text mode), with its verdict line when worth a look. */
  addFields(r: RowFields, verdict: string | undefined): void {
    this.count(r.state as ZeekConnState);
    if (r.id === this.nextId) {
      writeRow(this.out, r);
      this.emitted(r.id, verdict);
      this.afterEmit();
    } else {
      this.tmp.len = 0;
      writeRow(this.tmp, r);
      this.hold(r.id, this.tmp.buf.slice(0, this.tmp.len), verdict);
    }
  }

  private addText(id: number, state: ZeekConnState, json: string): void {
    this.count(state);
    if (id === this.nextId) {
      if (this.rows > 0) this.out.str(',\n');
      this.out.str(json);
      this.emitted(id, undefined);
      this.afterEmit();
    } else {
      this.tmp.len = 0;
      this.tmp.str(json);
      this.hold(id, this.tmp.buf.slice(0, this.tmp.len), undefined);
    }
  }

  /** Writes what is still pending, the tally, the verdict lines and the totals. */
  end(stats: AnalyzerStats): void {
    this.flushPending();
    if (this.json) {
      this.out.str(`\n],\n"stats": ${JSON.stringify(stats)}\n}\n`);
    } else {
      let text = '\n';
      if (this.tally.size > 0) {
        text += 'conn_state  connections  meaning\n';
        const states = [...this.tally.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        for (const [state, n] of states) {
          // The catalog's text starts with the state itself ("RSTR: ..."); the column has it.
          const meaning = explain(`conn-${state}`, {}, this.lang).replace(/^\S+?[:：]\s*/, '');
          text += `${state.padEnd(10)}  ${String(n).padEnd(11)}  ${meaning}\n`;
        }
        text += '\n';
      }
      for (const line of this.verdicts) text += line + '\n';
      if (this.moreVerdicts > 0)
        text += `... and ${this.moreVerdicts} more connections worth a look (see --json)\n`;
      if (this.verdicts.length > 0) text += '\n';
      text +=
        `${stats.connections} connections, ${stats.tcpPackets} TCP packets (${stats.skippedPackets} other), ` +
        `evicted ${stats.evictedClosed} closed + ${stats.evictedOpen} open\n`;
      this.out.str(text);
    }
    this.flush();
  }

  private count(state: ZeekConnState): void {
    this.tally.set(state, (this.tally.get(state) ?? 0) + 1);
  }

  private hold(id: number, bytes: Uint8Array, verdict: string | undefined): void {
    this.pending.set(id, { bytes, verdict });
    if (this.pending.size > this.maxPending) this.flushPending();
  }

  private afterEmit(): void {
    for (let row = this.pending.get(this.nextId); row; row = this.pending.get(this.nextId)) {
      this.pending.delete(this.nextId);
      this.emitBytes(this.nextId, row);
    }
    if (this.out.len >= 1 << 17) this.flush();
  }

  /**
   * The buffer is full: write every pending row in id order now (one sort per `maxPending`
   * rows); the rows still missing are written when they come, out of order.
   */
  private flushPending(): void {
    const rows = [...this.pending.entries()].sort((a, b) => a[0] - b[0]);
    this.pending.clear();
    for (const [id, row] of rows) this.emitBytes(id, row);
  }

  private emitBytes(id: number, row: PendingRow): void {
    if (this.json && this.rows > 0) this.out.str(',\n');
    this.out.reserve(row.bytes.length);
    this.out.buf.set(row.bytes, this.out.len);
    this.out.len += row.bytes.length;
    this.emitted(id, row.verdict);
  }

  private emitted(id: number, verdict: string | undefined): void {
    if (id >= this.nextId) this.nextId = id + 1;
    if (verdict !== undefined) {
      if (this.verdicts.length < this.maxVerdictLines) this.verdicts.push(verdict);
      else this.moreVerdicts++;
    }
    this.rows++;
  }

  private flush(): void {
    if (this.out.len === 0) return;
    this.write(this.out.buf.subarray(0, this.out.len));
    // The consumer may hold on to the chunk (a stream's queue): start a fresh buffer.
    this.out = new RowBytes(1 << 18);
  }
}

/** The whole `--summary` text (or JSON) for summaries already collected. */
export function renderSummaryText(
  connections: readonly ConnectionSummary[],
  stats: AnalyzerStats,
  lang: Lang = 'en',
  json = false,
): string {
  const parts: Uint8Array[] = [];
  const s = new SummaryStream((b) => parts.push(b), { lang, json, maxPending: Infinity });
  for (const c of connections) s.add(c);
  s.end(stats);
  return Buffer.concat(parts).toString('utf8').replace(/\n$/, '');
}
