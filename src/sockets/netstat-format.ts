/**
 * @module sockets/netstat-format
 * `netstat -tanp` (and `-tnp`, `-tlnp`, `-o`) output, column for column, learnt from net-tools'
 * netstat.c: header lines, `%-4s  %6ld %6ld %-23s %-23s %-11s`, addresses cut to 22 characters
 * plus `:` as netstat does without `-W`, `PID/Program name` in a 20-character column whose value
 * is cut to 19 bytes, `-` for sockets no process owns. Pure.
 */
import type { SocketRow, SocketTimer } from './types.js';

/** Which sockets netstat lists: `-a` all, `-l` only servers, default only connected ones. */
export type NetstatScope = 'all' | 'listening' | 'connected';

export interface NetstatFormatOptions {
  readonly scope: NetstatScope;
  /** `-p`: the PID/Program name column. Default true. */
  readonly programs?: boolean;
  /** `-o`: the Timer column. Default false. */
  readonly timers?: boolean;
}

const ADDR_WIDTH = 22;
const PROGNAME_WIDTH = 20;
const NO_PROGRAM = '-'.padEnd(PROGNAME_WIDTH);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * netstat's `addr:port` text: `*` for port 0, a v4-mapped address as dotted quad, cut to 22
 * characters (plus `:`) like net-tools' addr_do_one.
 */
export function formatNetstatAddress(addr: string, port: number): string {
  // net-tools prints an IPv4-mapped IPv6 address as its dotted quad (fix_v4_address).
  if (addr.startsWith('::ffff:') && addr.includes('.')) addr = addr.slice(7);
  const service = port === 0 ? '*' : String(port);
  if (addr.length + service.length <= ADDR_WIDTH) return `${addr}:${service}`;
  const portLen = Math.min(service.length, ADDR_WIDTH - 4);
  return `${addr.slice(0, ADDR_WIDTH - portLen)}:${service.slice(0, portLen)}`;
}

/** netstat's `PID/Program name` value: `pid/program` cut to 19 bytes, or `-`. */
export function formatNetstatProgram(row: Pick<SocketRow, 'pid' | 'program'>): string {
  if (row.pid === undefined) return '-';
  const full = encoder.encode(`${row.pid}/${row.program ?? ''}`);
  if (full.length < PROGNAME_WIDTH) return decoder.decode(full);
  // snprintf into a 20-byte buffer keeps 19 bytes, even in the middle of a UTF-8 sequence.
  return decoder.decode(full.subarray(0, PROGNAME_WIDTH - 1));
}

/** netstat -o's timer text, e.g. `keepalive (7199.87/0/0)`. */
export function formatNetstatTimer(t: SocketTimer): string {
  const secs = (t.expiresTicks / 100).toFixed(2);
  switch (t.code) {
    case 0:
      return `off (0.00/${t.retransmits}/${t.probes})`;
    case 1:
      return `on (${secs}/${t.retransmits}/${t.probes})`;
    case 2:
      return `keepalive (${secs}/${t.retransmits}/${t.probes})`;
    case 3:
      return `timewait (${secs}/${t.retransmits}/${t.probes})`;
    case 4:
      return `probe (${secs}/${t.retransmits}/${t.probes})`;
    default:
      return `unkn-${t.code} (${secs}/${t.retransmits}/${t.probes})`;
  }
}

/** Whether netstat lists a row in this scope (it tests the remote port, not the state). */
export function inNetstatScope(row: SocketRow, scope: NetstatScope): boolean {
  if (scope === 'all') return true;
  return scope === 'listening' ? row.remote.port === 0 : row.remote.port !== 0;
}

/** The two header lines. */
export function formatNetstatHeader(opts: NetstatFormatOptions): string {
  const title =
    opts.scope === 'all'
      ? '(servers and established)'
      : opts.scope === 'listening'
        ? '(only servers)'
        : '(w/o servers)';
  let h = 'Proto Recv-Q Send-Q Local Address           Foreign Address         State      ';
  if (opts.programs !== false) h += ' ' + 'PID/Program name'.padEnd(PROGNAME_WIDTH);
  if (opts.timers) h += ' Timer';
  return `Active Internet connections ${title}\n${h}\n`;
}

/** One row line (with its newline). */
export function formatNetstatRow(
  row: SocketRow,
  opts: NetstatFormatOptions,
  programCache?: Map<number, string>,
): string {
  const local = formatNetstatAddress(row.local.addr, row.local.port);
  const remote = formatNetstatAddress(row.remote.addr, row.remote.port);
  let line =
    `${row.proto.padEnd(4)}  ${String(row.recvQ).padStart(6)} ${String(row.sendQ).padStart(6)} ` +
    `${local.padEnd(23)} ${remote.padEnd(23)} ${row.state.padEnd(11)}`;
  if (opts.programs !== false) {
    let prog = row.pid === undefined ? NO_PROGRAM : programCache?.get(row.pid);
    if (prog === undefined) {
      prog = formatNetstatProgram(row).padEnd(PROGNAME_WIDTH);
      if (row.pid !== undefined) programCache?.set(row.pid, prog);
    }
    line += ' ' + prog;
  }
  if (opts.timers) line += ' ' + formatNetstatTimer(row.timer);
  return line + '\n';
}

/**
 * The whole table as `netstat -tanp` prints it (rows in /proc order: tcp, then tcp6).
 * @example formatNetstat(rows, { scope: 'all' }) // 'Active Internet connections (servers and established)\n…'
 */
export function formatNetstat(rows: readonly SocketRow[], opts: NetstatFormatOptions): string {
  const parts = [formatNetstatHeader(opts)];
  const programs = new Map<number, string>();
  for (const row of rows)
    if (inNetstatScope(row, opts.scope)) parts.push(formatNetstatRow(row, opts, programs));
  return parts.join('');
}
