/**
 * @module sockets/netstat-stream
 * `netstat -tanp` output straight from the /proc/net/tcp{,6} bytes as read, without row objects
 * or per-line strings: the fast path of `tcpscope sockets --format netstat` on tables with 100,000
 * sockets, where allocating and collecting a row graph costs more than the parse. Each line's
 * fields are read by `scanLineBytes` and written into one byte buffer; a line off the kernel's
 * layout goes through the validating parser and the row formatter instead, so output and issues
 * are the same as the row path's. The PID/Program column is written as `-` and patched once the
 * fd scan is done, so the table can be formatted while the scan still runs. Pure.
 */
import type { TcpState } from '../events.js';
import { decodeProcAddr4, decodeProcAddr6, type ByteOrder } from './addr.js';
import { ByteOut } from './byte-out.js';
import {
  F_INODE,
  F_LADDR,
  F_LPORT,
  F_PROBES,
  F_RADDR,
  F_RETR,
  F_RPORT,
  F_RX,
  F_ST,
  F_TR,
  F_TX,
  F_UID,
  F_WHEN,
  F_LWORDS,
  F_RWORDS,
  LINE_FIELDS,
  scanLineBytes,
} from './proc-net-tcp-fast.js';
import { TCP_STATE_BY_CODE, TIMER_KIND_BY_CODE, parseProcNetTcpLine } from './proc-net-tcp.js';
import {
  formatNetstatAddress,
  formatNetstatHeader,
  formatNetstatProgram,
  formatNetstatRow,
  formatNetstatTimer,
  type NetstatFormatOptions,
} from './netstat-format.js';
import type { ProcTcpIssue, SocketRow, SocketTimer } from './types.js';
import { putDigitsBefore } from '../util/digits.js';

/** What the netstat formatter asks of an owner map (a `Map<number, number>` also fits). */
export interface InodeOwnerLookup {
  get(inode: number): number | undefined;
}

/** What the stream formatter needs from the reader. */
export interface NetstatStreamInput {
  readonly tables: readonly { readonly proto: 'tcp' | 'tcp6'; readonly text: string }[];
  readonly byteOrder: ByteOrder;
  /** Socket inode → pid of its first owner (lowest pid). */
  readonly ownerPid: ReadonlyMap<number, number>;
  /** pid → netstat's program name. */
  readonly programs: ReadonlyMap<number, string>;
}

export interface NetstatStreamFilter {
  readonly ports?: readonly number[];
  readonly states?: readonly TcpState[];
}

/** What the stream formatter returns: the output bytes (ASCII), parse issues, rows printed. */
export interface NetstatStreamOutput {
  readonly bytes: Uint8Array;
  readonly issues: ProcTcpIssue[];
  readonly rows: number;
}

const CACHE_BITS = 8;

/**
 * Netstat's text of /proc hex addresses, in a small direct-mapped cache keyed by the address
 * words `scanLineBytes` read: a hit allocates nothing.
 */
class AddressTexts {
  private readonly keys = new Float64Array(4 << CACHE_BITS).fill(-1);
  private readonly texts: string[] = new Array<string>(1 << CACHE_BITS).fill('');
  constructor(private readonly order: ByteOrder) {}

  /** The text of the address whose `al` hex digits are at `b[at]`, read as words into `f[w]`. */
  get(f: Float64Array, w: number, b: Uint8Array, at: number, al: number): string | undefined {
    const words = al >> 3;
    let h = 0;
    for (let k = 0; k < words; k++) h = Math.imul(h ^ (f[w + k] as number), 0x9e3779b1);
    const slot = h >>> (32 - CACHE_BITS);
    const keys = this.keys;
    let hit = true;
    for (let k = 0; k < words; k++) if (keys[slot * 4 + k] !== f[w + k]) hit = false;
    return hit ? this.texts[slot] : this.decode(f, w, b, at, al, slot);
  }

  private decode(f: Float64Array, w: number, b: Uint8Array, at: number, al: number, slot: number) {
    const hex = latin1(b, at, at + al);
    let s: string | undefined;
    if (al === 8) s = decodeProcAddr4(hex, this.order);
    else {
      s = decodeProcAddr6(hex, this.order);
      // net-tools prints an IPv4-mapped address as its dotted quad.
      if (s !== undefined && s.startsWith('::ffff:') && s.includes('.')) s = s.slice(7);
    }
    if (s === undefined) return undefined;
    for (let k = 0; k < al >> 3; k++) this.keys[slot * 4 + k] = f[w + k] as number;
    this.texts[slot] = s;
    return s;
  }
}

/** `b[start, end)` as a latin1 string. */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096)
    s += String.fromCharCode.apply(null, Array.from(b.subarray(i, Math.min(end, i + 4096))));
  return s;
}

function putStr(b: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i) & 255;
  return o;
}

/** Digits of a port number. */
function portDigits(port: number): number {
  return port < 10 ? 1 : port < 100 ? 2 : port < 1000 ? 3 : port < 10000 ? 4 : 5;
}

/** Netstat's `addr:port` at `o`, cut as addr_do_one does (the row template holds the padding). */
function putAddress(b: Uint8Array, o: number, addr: string, port: number): void {
  const digits = portDigits(port);
  if (addr.length + digits > 22) {
    putStr(b, o, formatNetstatAddress(addr, port));
    return;
  }
  o = putStr(b, o, addr);
  b[o++] = 58;
  if (port === 0) b[o] = 42;
  else putDigitsBefore(b, o + digits, port);
}

/*
 * Columns of a row (`%-4s  %6ld %6ld %-23s %-23s %-11s` then ` %-20s` with -p): each row is
 * copied from a template of its state (spaces, `0` queues, `-` owner), then the queues, addresses
 * and ports are written over it. Queues of a million bytes or more widen the row: such rows go
 * through the row formatter.
 */
const RX_END = 12;
const TX_END = 19;
const LOCAL_AT = 20;
const REMOTE_AT = 44;
const STATE_AT = 68;
const PROGRAM_AT = 79;
const ROW_END = 100;
const QUEUE_LIMIT = 1_000_000;
const PROGRAM_COL = 21; // ' ' + %-20s, and the value is at most 19 bytes: always 21 bytes

/** Row templates of a table by kernel state code, with the newline. */
function rowTemplates(proto: 'tcp' | 'tcp6', withPrograms: boolean): (Uint8Array | undefined)[] {
  return TCP_STATE_BY_CODE.map((state) => {
    if (state === undefined) return undefined;
    const end = withPrograms ? ROW_END : PROGRAM_AT;
    const t = new Uint8Array(end + 1).fill(32);
    putStr(t, 0, proto);
    t[RX_END - 1] = t[TX_END - 1] = 48;
    putStr(t, STATE_AT, state);
    if (withPrograms) t[PROGRAM_AT + 1] = 45;
    t[end] = 10;
    return t;
  });
}

/** What a row of a table needs: its protocol, address length and row templates. */
interface TableShape {
  readonly proto: 'tcp' | 'tcp6';
  readonly al: number;
  readonly templates: readonly (Uint8Array | undefined)[];
  readonly rowEnd: number;
}

/**
 * Formats /proc/net/tcp{,6} as netstat does, table by table, leaving every PID/Program column as
 * `-` and recording where it is; `patchOwners` fills them in. Pure.
 * @example const w = new NetstatWriter('LE', {}, { scope: 'all' }); w.addTable('tcp', bytes); w.patchOwners(owners, programOf); w.result().bytes
 */
export class NetstatWriter {
  private readonly out: ByteOut;
  /** Byte offsets of PID/Program columns (the space before them) of rows with an inode. */
  private patchOffsets = new Int32Array(1024);
  private patchInodes = new Float64Array(1024);
  private patches = 0;
  /** Line number of the last line `addLines` read (for issues). */
  private lineNumber = 1;
  private readonly tables = new Map<'tcp' | 'tcp6', TableShape>();
  private readonly issues: ProcTcpIssue[] = [];
  private rows = 0;
  private readonly addrs: AddressTexts;
  private readonly fields = new Float64Array(LINE_FIELDS);
  private readonly ports: ReadonlySet<number> | undefined;
  private readonly states: ReadonlySet<TcpState> | undefined;
  /** 1 for kernel state codes `states` lists. */
  private readonly stateShown = new Uint8Array(256);
  private readonly withPrograms: boolean;

  constructor(
    private readonly byteOrder: ByteOrder,
    filter: NetstatStreamFilter,
    private readonly opts: NetstatFormatOptions,
    capacity = 1 << 16,
  ) {
    this.out = new ByteOut(capacity);
    this.out.str(formatNetstatHeader(opts));
    this.addrs = new AddressTexts(byteOrder);
    this.ports = filter.ports && filter.ports.length > 0 ? new Set(filter.ports) : undefined;
    this.states = filter.states && filter.states.length > 0 ? new Set(filter.states) : undefined;
    TCP_STATE_BY_CODE.forEach((state, code) => {
      if (state !== undefined && this.states?.has(state)) this.stateShown[code] = 1;
    });
    this.withPrograms = opts.programs !== false;
  }

  /** Formats one table: the bytes of /proc/net/`proto` as read (only read during the call). */
  addTable(proto: 'tcp' | 'tcp6', bytes: Uint8Array): void {
    this.addLines(proto, bytes, 0, true);
  }

  /**
   * Formats the lines of a table read in parts: `bytes` holds /proc/net/`proto` from its start,
   * as far as read so far; lines before `from` are done (0: a new table, its header line is
   * skipped). Returns where the first incomplete line starts: the next call's `from`. With `last`,
   * the text ends at `bytes.length` (a last line without newline counts).
   * @example let at = w.addLines('tcp', head, 0, false); at = w.addLines('tcp', whole, at, true);
   */
  addLines(proto: 'tcp' | 'tcp6', bytes: Uint8Array, from: number, last: boolean): number {
    // A plain Uint8Array view: Buffer's own indexOf is a slower wrapper of the same search.
    const b = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const n = b.length;
    // Rows are shorter than /proc lines: one allocation for the whole table.
    this.out.room(n - from);
    let pos = from - 1;
    if (from === 0) {
      pos = b.indexOf(10);
      if (pos === -1) return last ? n : 0;
      this.lineNumber = 1;
    }
    const table = this.tableOf(proto);
    let lineNumber = this.lineNumber;
    while (pos < n - 1) {
      const start = pos + 1;
      let end = b.indexOf(10, start);
      if (end === -1) {
        if (!last) break;
        end = n;
      }
      pos = end;
      lineNumber++;
      if (end > start) this.line(table, b, start, end, lineNumber);
    }
    this.lineNumber = lineNumber;
    return Math.min(pos + 1, n);
  }

  private tableOf(proto: 'tcp' | 'tcp6'): TableShape {
    let t = this.tables.get(proto);
    if (!t) {
      t = {
        proto,
        al: proto === 'tcp' ? 8 : 32,
        templates: rowTemplates(proto, this.withPrograms),
        rowEnd: this.withPrograms ? ROW_END : PROGRAM_AT,
      };
      this.tables.set(proto, t);
    }
    return t;
  }

  /**
   * One line: a row written over its template, or the row formatter. A function of its own, not
   * the loop's body: it is hot after a few hundred lines, so its optimized code is ready early.
   */
  private line(t: TableShape, b: Uint8Array, start: number, end: number, lineNumber: number): void {
    const f = this.fields;
    const al = t.al;
    const st = scanLineBytes(b, start, end, al, f) ? (f[F_ST] as number) : 0;
    const template = t.templates[st];
    const rx = f[F_RX] as number;
    const tx = f[F_TX] as number;
    const local =
      template !== undefined ? this.addrs.get(f, F_LWORDS, b, f[F_LADDR] as number, al) : undefined;
    const remote = local !== undefined ? this.addrs.get(f, F_RWORDS, b, f[F_RADDR] as number, al) : undefined;
    if (template === undefined || remote === undefined) {
      this.slowLine(t.proto, latin1(b, start, end), lineNumber);
      return;
    }
    if (rx >= QUEUE_LIMIT || tx >= QUEUE_LIMIT) {
      this.writeRow(rowOf(t.proto, f, local as string, remote));
      return;
    }
    const lport = f[F_LPORT] as number;
    const rport = f[F_RPORT] as number;
    if (this.states ? this.stateShown[st] !== 1 : !inScope(rport, this.opts)) return;
    if (this.ports && !this.ports.has(lport) && !this.ports.has(rport)) return;
    const timer = this.opts.timers ? ' ' + timerText(f) : '';
    const out = this.out;
    const buf = out.room(t.rowEnd + 1 + timer.length);
    const o = out.length;
    buf.set(template, o);
    if (rx !== 0) putDigitsBefore(buf, o + RX_END, rx);
    if (tx !== 0) putDigitsBefore(buf, o + TX_END, tx);
    putAddress(buf, o + LOCAL_AT, local as string, lport);
    putAddress(buf, o + REMOTE_AT, remote, rport);
    const inode = f[F_INODE] as number;
    if (this.withPrograms && inode !== 0) this.patchLater(o + PROGRAM_AT, inode);
    if (timer === '') out.commit(o + t.rowEnd + 1);
    else {
      const e = putStr(buf, o + t.rowEnd, timer);
      buf[e] = 10;
      out.commit(e + 1);
    }
    this.rows++;
  }

  /** A line off the kernel's layout: the validating parser names the bad field, or gives a row. */
  private slowLine(proto: 'tcp' | 'tcp6', raw: string, lineNumber: number): void {
    if (raw.trim() === '') return;
    const r = parseProcNetTcpLine(raw, { proto, byteOrder: this.byteOrder });
    if (r.ok) this.writeRow(r.entry);
    else this.issues.push({ code: r.code, proto, lineNumber, field: r.field, raw: r.raw, reason: r.reason });
  }

  /** Filters and prints one row with the row formatter. */
  private writeRow(row: SocketRow): void {
    if (this.states ? !this.states.has(row.state) : !inScope(row.remote.port, this.opts)) return;
    if (this.ports && !this.ports.has(row.local.port) && !this.ports.has(row.remote.port)) return;
    const line = formatNetstatRow(row, this.opts);
    if (this.withPrograms && row.inode !== 0) {
      const timerLen = this.opts.timers ? 1 + formatNetstatTimer(row.timer).length : 0;
      this.patchLater(this.out.length + line.length - 1 - timerLen - PROGRAM_COL, row.inode);
    }
    this.out.str(line);
    this.rows++;
  }

  private patchLater(offset: number, inode: number): void {
    if (this.patches === this.patchOffsets.length) {
      const offsets = new Int32Array(this.patches * 2);
      offsets.set(this.patchOffsets);
      this.patchOffsets = offsets;
      const inodes = new Float64Array(this.patches * 2);
      inodes.set(this.patchInodes);
      this.patchInodes = inodes;
    }
    this.patchOffsets[this.patches] = offset;
    this.patchInodes[this.patches++] = inode;
  }

  /** Writes each owned row's `pid/program` into its PID/Program column. */
  patchOwners(ownerPid: InodeOwnerLookup, programOf: (pid: number) => string): void {
    const columns = new Map<number, Uint8Array>();
    const buf = this.out.room(0);
    let lastPid = -1;
    let column: Uint8Array | undefined;
    for (let i = 0; i < this.patches; i++) {
      const pid = ownerPid.get(this.patchInodes[i] as number);
      if (pid === undefined) continue;
      if (pid !== lastPid) {
        column = columns.get(pid);
        if (column === undefined) {
          const text = ' ' + formatNetstatProgram({ pid, program: programOf(pid) }).padEnd(20);
          column = Buffer.from(text, 'latin1');
          columns.set(pid, column);
        }
        lastPid = pid;
      }
      buf.set(column as Uint8Array, this.patchOffsets[i]);
    }
  }

  /** The output so far (a view, valid until the next write), parse issues and rows printed. */
  result(): NetstatStreamOutput {
    return { bytes: this.out.bytes(), issues: this.issues, rows: this.rows };
  }
}

function timerOf(f: Float64Array): SocketTimer {
  const code = f[F_TR] as number;
  const when = f[F_WHEN] as number;
  return {
    kind: TIMER_KIND_BY_CODE[code] ?? 'unknown',
    code,
    expiresTicks: when,
    expiresMs: when * 10,
    retransmits: f[F_RETR] as number,
    probes: f[F_PROBES] as number,
  };
}

function timerText(f: Float64Array): string {
  return formatNetstatTimer(timerOf(f));
}

/** The row of a line `scanLineBytes` read, for the row formatter. */
function rowOf(proto: 'tcp' | 'tcp6', f: Float64Array, local: string, remote: string): SocketRow {
  return {
    proto,
    family: proto === 'tcp' ? 4 : 6,
    local: { addr: local, port: f[F_LPORT] as number },
    remote: { addr: remote, port: f[F_RPORT] as number },
    state: TCP_STATE_BY_CODE[f[F_ST] as number] as TcpState,
    sendQ: f[F_TX] as number,
    recvQ: f[F_RX] as number,
    inode: f[F_INODE] as number,
    uid: f[F_UID] as number,
    timer: timerOf(f),
  };
}

/**
 * Formats /proc text as netstat does, into bytes. With `states`, scope does not hide servers (the
 * state list decides), as in the row path.
 * @example new TextDecoder().decode(formatNetstatFromProc(raw, { ports: [8006] }, { scope: 'all' }).bytes)
 */
export function formatNetstatFromProc(
  input: NetstatStreamInput,
  filter: NetstatStreamFilter,
  opts: NetstatFormatOptions,
): NetstatStreamOutput {
  const w = new NetstatWriter(input.byteOrder, filter, opts);
  for (const { proto, text } of input.tables) w.addTable(proto, Buffer.from(text, 'latin1'));
  w.patchOwners(input.ownerPid, (pid) => input.programs.get(pid) ?? '');
  return w.result();
}

function inScope(remotePort: number, opts: NetstatFormatOptions): boolean {
  if (opts.scope === 'all') return true;
  return opts.scope === 'listening' ? remotePort === 0 : remotePort !== 0;
}
