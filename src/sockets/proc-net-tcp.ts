/**
 * @module sockets/proc-net-tcp
 * Pure parser for `/proc/net/tcp` and `/proc/net/tcp6`. A line (kernel `get_tcp4_sock` and
 * friends) is: `sl: local:port remote:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
 * inode …`. Ports, state, queues, timer and retransmits are hex; uid, timeout and inode decimal.
 * TIME_WAIT and SYN_RECV mini-sockets carry fewer trailing fields and inode 0. Lines that do not
 * parse become issues naming the field and quoting the raw text; the other lines are kept.
 */
import { TCP_STATES, type TcpState } from '../events.js';
import { decodeProcAddr4, decodeProcAddr6, parseHexField, type ByteOrder } from './addr.js';
import { AddressCache, parseLineFast } from './proc-net-tcp-fast.js';
import type { ProcTcpEntry, ProcTcpIssue, SocketTimer, TimerKind } from './types.js';

/** Kernel TCP state numbers (include/net/tcp_states.h). */
export const TCP_STATE_BY_CODE: readonly (TcpState | undefined)[] = [undefined, ...TCP_STATES];

/** Kernel state number of a state name (the inverse of the table above). */
export function tcpStateCode(state: TcpState): number {
  return TCP_STATE_BY_CODE.indexOf(state);
}

export const TIMER_KIND_BY_CODE: readonly TimerKind[] = ['off', 'on', 'keepalive', 'timewait', 'persist'];

/** Minimum whitespace-separated fields: sl … inode. */
const MIN_FIELDS = 10;

export interface ParseProcNetTcpOptions {
  readonly proto: 'tcp' | 'tcp6';
  readonly byteOrder: ByteOrder;
}

export interface ParsedProcNetTcp {
  readonly entries: ProcTcpEntry[];
  readonly issues: ProcTcpIssue[];
}

type LineResult =
  | { ok: true; entry: ProcTcpEntry }
  | { ok: false; field: string; raw: string; reason: string; code: ProcTcpIssue['code'] };

function bad(
  field: string,
  raw: string,
  reason: string,
  code: ProcTcpIssue['code'] = 'bad-field',
): LineResult {
  return { ok: false, field, raw, reason, code };
}

function splitFields(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (start !== -1) {
        out.push(line.slice(start, i));
        start = -1;
      }
    } else if (start === -1) start = i;
  }
  if (start !== -1) out.push(line.slice(start));
  return out;
}

function parseDecimal(s: string): number | undefined {
  if (s.length === 0 || s.length > 15) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(s);
}

function parseEndpoint(
  raw: string,
  field: string,
  proto: 'tcp' | 'tcp6',
  order: ByteOrder,
): { addr: string; port: number } | LineResult {
  const colon = raw.indexOf(':');
  if (colon === -1) return bad(field, raw, 'expected ADDRESS:PORT in hex');
  const hex = raw.slice(0, colon);
  const addr = proto === 'tcp' ? decodeProcAddr4(hex, order) : decodeProcAddr6(hex, order);
  if (addr === undefined) {
    return bad(field, raw, `address must be ${proto === 'tcp' ? 8 : 32} hex digits`);
  }
  const portHex = raw.slice(colon + 1);
  const port = portHex.length === 4 ? parseHexField(portHex) : undefined;
  if (port === undefined) return bad(field, raw, 'port must be 4 hex digits');
  return { addr, port };
}

function parsePair(raw: string, field: string, names: [string, string]): [number, number] | LineResult {
  const colon = raw.indexOf(':');
  const a = colon === -1 ? undefined : parseHexField(raw.slice(0, colon));
  const b = colon === -1 ? undefined : parseHexField(raw.slice(colon + 1));
  if (a === undefined || b === undefined) return bad(field, raw, `expected ${names[0]}:${names[1]} in hex`);
  return [a, b];
}

/**
 * Parses one data line (without the header). Pure; never throws.
 * @example parseProcNetTcpLine('   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0', { proto: 'tcp', byteOrder: 'LE' })
 */
export function parseProcNetTcpLine(line: string, opts: ParseProcNetTcpOptions): LineResult {
  const f = splitFields(line);
  if (f.length < MIN_FIELDS) {
    return bad(
      'line',
      line.trim(),
      `expected at least ${MIN_FIELDS} fields, found ${f.length}`,
      'malformed-line',
    );
  }
  const sl = f[0] as string;
  if (!sl.endsWith(':') || parseDecimal(sl.slice(0, -1)) === undefined) return bad('sl', sl, 'expected N:');
  const local = parseEndpoint(f[1] as string, 'local_address', opts.proto, opts.byteOrder);
  if ('ok' in local) return local;
  const remote = parseEndpoint(
    f[2] as string,
    opts.proto === 'tcp' ? 'rem_address' : 'remote_address',
    opts.proto,
    opts.byteOrder,
  );
  if ('ok' in remote) return remote;
  const stRaw = f[3] as string;
  const stCode = stRaw.length === 2 ? parseHexField(stRaw) : undefined;
  if (stCode === undefined) return bad('st', stRaw, 'state must be 2 hex digits');
  const state = TCP_STATE_BY_CODE[stCode];
  if (state === undefined) return bad('st', stRaw, `unknown TCP state ${stCode}`, 'unknown-state');
  const queues = parsePair(f[4] as string, 'tx_queue:rx_queue', ['tx_queue', 'rx_queue']);
  if (!Array.isArray(queues)) return queues;
  const timer = parsePair(f[5] as string, 'tr:tm->when', ['tr', 'tm->when']);
  if (!Array.isArray(timer)) return timer;
  const retr = parseHexField(f[6] as string);
  if (retr === undefined) return bad('retrnsmt', f[6] as string, 'expected hex');
  const uid = parseDecimal(f[7] as string);
  if (uid === undefined) return bad('uid', f[7] as string, 'expected a decimal number');
  // `timeout` is printed with %d and is never negative for TCP, but accept a sign.
  const toRaw = f[8] as string;
  const probes = parseDecimal(toRaw.startsWith('-') ? toRaw.slice(1) : toRaw);
  if (probes === undefined) return bad('timeout', toRaw, 'expected a decimal number');
  const inode = parseDecimal(f[9] as string);
  if (inode === undefined) return bad('inode', f[9] as string, 'expected a decimal number');
  const [code, ticks] = timer;
  const t: SocketTimer = {
    kind: TIMER_KIND_BY_CODE[code] ?? 'unknown',
    code,
    expiresTicks: ticks,
    expiresMs: ticks * 10,
    retransmits: retr,
    probes,
  };
  return {
    ok: true,
    entry: {
      proto: opts.proto,
      family: opts.proto === 'tcp' ? 4 : 6,
      local,
      remote,
      state,
      sendQ: queues[0],
      recvQ: queues[1],
      inode,
      uid,
      timer: t,
      user: undefined,
      pid: undefined,
      fd: undefined,
      comm: undefined,
      program: undefined,
      cmdline: undefined,
      owners: undefined,
    },
  };
}

/**
 * Parses a whole /proc/net/tcp or tcp6 file. The first line is the header; empty lines are
 * skipped; each bad line becomes one issue.
 * @example parseProcNetTcp(text, { proto: 'tcp6', byteOrder: 'LE' }).entries
 */
export function parseProcNetTcp(text: string, opts: ParseProcNetTcpOptions): ParsedProcNetTcp {
  const entries: ProcTcpEntry[] = [];
  const issues: ProcTcpIssue[] = [];
  const cache = new AddressCache(opts.byteOrder);
  let pos = text.indexOf('\n');
  if (pos === -1) return { entries, issues };
  let lineNumber = 1;
  while (pos < text.length) {
    const start = pos + 1;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    pos = end;
    lineNumber++;
    if (end <= start) continue;
    const fast = parseLineFast(text, start, end, opts.proto, TCP_STATE_BY_CODE, TIMER_KIND_BY_CODE, cache);
    if (fast) {
      entries.push(fast);
      continue;
    }
    const line = text.slice(start, end);
    if (line.trim() === '') continue;
    const r = parseProcNetTcpLine(line, opts);
    if (r.ok) entries.push(r.entry);
    else
      issues.push({
        code: r.code,
        proto: opts.proto,
        lineNumber,
        field: r.field,
        raw: r.raw,
        reason: r.reason,
      });
  }
  return { entries, issues };
}
