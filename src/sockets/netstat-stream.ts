/**
 * @module sockets/netstat-stream
 * `netstat -tanp` output straight from the /proc/net/tcp{,6} text, without building row objects:
 * the fast path of `tcpscope sockets --format netstat` on tables with 100,000 sockets, where
 * allocating and collecting a row graph costs more than the parse. Each line's fields are read by
 * `scanLineFields`; a line off the kernel's layout goes through the validating parser and the
 * row formatter instead, so output and issues are the same as the row path's. Pure.
 */
import type { TcpState } from '../events.js';
import type { ByteOrder } from './addr.js';
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
  AddressCache,
  scanLineFields,
} from './proc-net-tcp-fast.js';
import { STATES, parseProcNetTcpLine } from './proc-net-tcp.js';
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

/**
 * Formats /proc text as netstat does. With `states`, scope does not hide servers (the state list
 * decides), as in the row path.
 * @example formatNetstatFromProc(raw, { ports: [8006] }, { scope: 'all' }).text
 */
export function formatNetstatFromProc(
  input: NetstatStreamInput,
  filter: NetstatStreamFilter,
  opts: NetstatFormatOptions,
): { text: string; issues: ProcTcpIssue[]; rows: number } {
  const chunks: string[] = [formatNetstatHeader(opts)];
  const issues: ProcTcpIssue[] = [];
  const cache = new AddressCache(input.byteOrder);
  const progCache = new Map<number, string>();
  const fields = new Float64Array(13);
  const ports = filter.ports && filter.ports.length > 0 ? new Set(filter.ports) : undefined;
  const states = filter.states && filter.states.length > 0 ? new Set(filter.states) : undefined;
  const withPrograms = opts.programs !== false;
  const noProgram = '-'.padEnd(20);
  let lines: string[] = [];
  let count = 0;
  const program = (pid: number | undefined): string => {
    if (pid === undefined) return noProgram;
    let s = progCache.get(pid);
    if (s === undefined) {
      s = formatNetstatProgram({ pid, program: input.programs.get(pid) ?? '' }).padEnd(20);
      progCache.set(pid, s);
    }
    return s;
  };
  for (const { proto, text } of input.tables) {
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
      let line: string;
      const state = scanLineFields(text, start, end, al, fields) ? STATES[fields[F_ST] as number] : undefined;
      if (state !== undefined) {
        const lport = fields[F_LPORT] as number;
        const rport = fields[F_RPORT] as number;
        if (states ? !states.has(state) : !inScope(rport, opts)) continue;
        if (ports && !ports.has(lport) && !ports.has(rport)) continue;
        const p = fields[F_LADDR] as number;
        const q = fields[F_RADDR] as number;
        const laddr = cache.get(text.slice(p, p + al), al === 32) as string;
        const raddr = cache.get(text.slice(q, q + al), al === 32) as string;
        const inode = fields[F_INODE] as number;
        line =
          protoCol +
          String(fields[F_RX]).padStart(6) +
          ' ' +
          String(fields[F_TX]).padStart(6) +
          ' ' +
          formatNetstatAddress(laddr, lport).padEnd(23) +
          ' ' +
          formatNetstatAddress(raddr, rport).padEnd(23) +
          ' ' +
          state.padEnd(11);
        if (withPrograms) line += ' ' + program(inode === 0 ? undefined : input.ownerPid.get(inode));
        if (opts.timers) {
          const when = fields[F_WHEN] as number;
          line +=
            ' ' +
            formatNetstatTimer({
              kind: 'off',
              code: fields[F_TR] as number,
              expiresTicks: when,
              expiresMs: when * 10,
              retransmits: fields[F_RETR] as number,
              probes: fields[F_PROBES] as number,
            });
        }
        line += '\n';
      } else {
        const raw = text.slice(start, end);
        if (raw.trim() === '') continue;
        const r = parseProcNetTcpLine(raw, { proto, byteOrder: input.byteOrder });
        if (!r.ok) {
          issues.push({ code: r.code, proto, lineNumber, field: r.field, raw: r.raw, reason: r.reason });
          continue;
        }
        const row: SocketRow = r.entry;
        if (states ? !states.has(row.state) : !inScope(row.remote.port, opts)) continue;
        if (ports && !ports.has(row.local.port) && !ports.has(row.remote.port)) continue;
        const pid = row.inode === 0 ? undefined : input.ownerPid.get(row.inode);
        line = formatNetstatRow(
          { ...row, pid, program: pid === undefined ? undefined : input.programs.get(pid) },
          opts,
        );
      }
      count++;
      lines.push(line);
      if (lines.length === 2048) {
        chunks.push(lines.join(''));
        lines = [];
      }
    }
  }
  chunks.push(lines.join(''));
  return { text: chunks.join(''), issues, rows: count };
}

function inScope(remotePort: number, opts: NetstatFormatOptions): boolean {
  if (opts.scope === 'all') return true;
  return opts.scope === 'listening' ? remotePort === 0 : remotePort !== 0;
}
