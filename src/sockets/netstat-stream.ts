/**
 * @module sockets/netstat-stream
 * `netstat -tanp` output straight from the /proc/net/tcp{,6} text, without building row objects:
 * the fast path of `tcpscope sockets --format netstat` on tables with 100,000 sockets, where
 * allocating and collecting a row graph costs more than the parse. Each line's fields are read by
 * `scanLineFields`; a line off the kernel's layout goes through the validating parser and the
 * row formatter instead, so output and issues are the same as the row path's. Pure.
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
  F_WHEN,
  scanLineFields,
} from './proc-net-tcp-fast.js';
import { TCP_STATE_BY_CODE, parseProcNetTcpLine } from './proc-net-tcp.js';
import {
  formatNetstatAddress,
  formatNetstatHeader,
  formatNetstatProgram,
  formatNetstatRow,
  formatNetstatTimer,
  type NetstatFormatOptions,
} from './netstat-format.js';
import type { ProcTcpIssue, SocketRow } from './types.js';

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

/** Netstat's address text for a /proc hex address, cached by its hex (v4 by value). */
class DisplayCache {
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<string, string>();
  constructor(private readonly order: ByteOrder) {}
  get(text: string, at: number, al: number): string {
    if (al === 8) {
      let v = 0;
      for (let i = 0; i < 8; i++) v = v * 16 + hexValue(text.charCodeAt(at + i));
      let s = this.v4.get(v);
      if (s === undefined) {
        s = decodeProcAddr4(text.slice(at, at + 8), this.order) ?? '?';
        if (this.v4.size < 65_536) this.v4.set(v, s);
      }
      return s;
    }
    const key = text.slice(at, at + al);
    let s = this.v6.get(key);
    if (s === undefined) {
      s = decodeProcAddr6(key, this.order) ?? '?';
      // net-tools prints an IPv4-mapped address as its dotted quad.
      if (s.startsWith('::ffff:') && s.includes('.')) s = s.slice(7);
      if (this.v6.size < 65_536) this.v6.set(key, s);
    }
    return s;
  }
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c <= 70 ? c - 55 : c - 87;
}

/** Writes netstat's `addr:port` column (23 wide), cutting long ones as addr_do_one does. */
function writeAddress(out: ByteOut, addr: string, port: number): void {
  const portLen = port === 0 ? 1 : port < 10 ? 1 : port < 100 ? 2 : port < 1000 ? 3 : port < 10000 ? 4 : 5;
  if (addr.length + portLen > 22) {
    out.strPadEnd(formatNetstatAddress(addr, port), 23);
    return;
  }
  out.str(addr);
  out.byte(58);
  if (port === 0) out.byte(42);
  else out.num(port, portLen);
  const used = addr.length + 1 + portLen;
  if (used < 23) out.spaces(23 - used);
}

/** A formatted table whose PID/Program column still reads `-`, with where to patch owners in. */
export interface DeferredNetstat {
  readonly out: ByteOut;
  /** Byte offsets of PID/Program columns (the space before them) of rows with an inode. */
  readonly patchOffsets: number[];
  readonly patchInodes: number[];
  readonly issues: ProcTcpIssue[];
  readonly rows: number;
}

const PROGRAM_COL = 21; // ' ' + %-20s, and the value is at most 19 bytes: always 21 bytes

/**
 * Formats /proc text as netstat does, leaving every PID/Program column as `-` and recording
 * where it is, so the table can be formatted while the fd scan is still running. Pure.
 * @example const d = formatNetstatDeferred(tables, 'LE', {}, { scope: 'all' }); patchNetstatOwners(d, ownerPid, programs);
 */
export function formatNetstatDeferred(
  tables: NetstatStreamInput['tables'],
  byteOrder: ByteOrder,
  filter: NetstatStreamFilter,
  opts: NetstatFormatOptions,
): DeferredNetstat {
  const out = new ByteOut(1 << 20);
  out.str(formatNetstatHeader(opts));
  const issues: ProcTcpIssue[] = [];
  const addrs = new DisplayCache(byteOrder);
  const fields = new Float64Array(13);
  const ports = filter.ports && filter.ports.length > 0 ? new Set(filter.ports) : undefined;
  const states = filter.states && filter.states.length > 0 ? new Set(filter.states) : undefined;
  const withPrograms = opts.programs !== false;
  const noProgram = ' ' + '-'.padEnd(20);
  const patchOffsets: number[] = [];
  const patchInodes: number[] = [];
  let count = 0;
  for (const { proto, text } of tables) {
    const al = proto === 'tcp' ? 8 : 32;
    const protoCol = proto === 'tcp' ? 'tcp   ' : 'tcp6  ';
    let pos = text.indexOf('\n');
    let lineNumber = 1;
    while (pos !== -1 && pos < text.length) {
      const start = pos + 1;
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      pos = end;
      lineNumber++;
      if (end <= start) continue;
      const state = scanLineFields(text, start, end, al, fields)
        ? TCP_STATE_BY_CODE[fields[F_ST] as number]
        : undefined;
      if (state !== undefined) {
        const lport = fields[F_LPORT] as number;
        const rport = fields[F_RPORT] as number;
        if (states ? !states.has(state) : !inScope(rport, opts)) continue;
        if (ports && !ports.has(lport) && !ports.has(rport)) continue;
        const inode = fields[F_INODE] as number;
        out.str(protoCol);
        out.numPadStart(fields[F_RX] as number, 6);
        out.byte(32);
        out.numPadStart(fields[F_TX] as number, 6);
        out.byte(32);
        writeAddress(out, addrs.get(text, fields[F_LADDR] as number, al), lport);
        out.byte(32);
        writeAddress(out, addrs.get(text, fields[F_RADDR] as number, al), rport);
        out.byte(32);
        out.strPadEnd(state, 11);
        if (withPrograms) {
          if (inode !== 0) {
            patchOffsets.push(out.length);
            patchInodes.push(inode);
          }
          out.str(noProgram);
        }
        if (opts.timers) {
          const when = fields[F_WHEN] as number;
          out.byte(32);
          out.str(
            formatNetstatTimer({
              kind: 'off',
              code: fields[F_TR] as number,
              expiresTicks: when,
              expiresMs: when * 10,
              retransmits: fields[F_RETR] as number,
              probes: fields[F_PROBES] as number,
            }),
          );
        }
        out.byte(10);
      } else {
        const raw = text.slice(start, end);
        if (raw.trim() === '') continue;
        const r = parseProcNetTcpLine(raw, { proto, byteOrder });
        if (!r.ok) {
          issues.push({ code: r.code, proto, lineNumber, field: r.field, raw: r.raw, reason: r.reason });
          continue;
        }
        const row: SocketRow = r.entry;
        if (states ? !states.has(row.state) : !inScope(row.remote.port, opts)) continue;
        if (ports && !ports.has(row.local.port) && !ports.has(row.remote.port)) continue;
        const line = formatNetstatRow(row, opts);
        if (withPrograms && row.inode !== 0) {
          const timerLen = opts.timers ? 1 + formatNetstatTimer(row.timer).length : 0;
          patchOffsets.push(out.length + line.length - 1 - timerLen - PROGRAM_COL);
          patchInodes.push(row.inode);
        }
        out.str(line);
      }
      count++;
    }
  }
  return { out, patchOffsets, patchInodes, issues, rows: count };
}

/** Writes each owned row's `pid/program` into its PID/Program column. */
export function patchNetstatOwners(
  d: DeferredNetstat,
  ownerPid: ReadonlyMap<number, number>,
  programs: ReadonlyMap<number, string>,
): void {
  const cache = new Map<number, string>();
  for (let i = 0; i < d.patchOffsets.length; i++) {
    const pid = ownerPid.get(d.patchInodes[i] as number);
    if (pid === undefined) continue;
    let s = cache.get(pid);
    if (s === undefined) {
      s = ' ' + formatNetstatProgram({ pid, program: programs.get(pid) ?? '' }).padEnd(20);
      cache.set(pid, s);
    }
    d.out.writeAt(d.patchOffsets[i] as number, s);
  }
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
  const d = formatNetstatDeferred(input.tables, input.byteOrder, filter, opts);
  patchNetstatOwners(d, input.ownerPid, input.programs);
  return { bytes: d.out.bytes(), issues: d.issues, rows: d.rows };
}

function inScope(remotePort: number, opts: NetstatFormatOptions): boolean {
  if (opts.scope === 'all') return true;
  return opts.scope === 'listening' ? remotePort === 0 : remotePort !== 0;
}
