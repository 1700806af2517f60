/**
 * @module sockets/filter
 * Row filters of `tcpscope sockets`: port (either end), states in netstat or ss spelling, pid,
 * listening/all scope, address family. Pure.
 */
import { TCP_STATES, type TcpState } from '../events.js';
import { InputError } from '../util/errors.js';
import type { NetstatScope } from './netstat-format.js';
import type { SocketRow } from './types.js';

const ALL_STATES = TCP_STATES;

/** ss spellings and state groups (ss(8) "STATE-FILTER"). */
const ALIASES: Readonly<Record<string, readonly TcpState[]>> = {
  ESTAB: ['ESTABLISHED'],
  LISTENING: ['LISTEN'],
  CLOSED: ['CLOSE'],
  UNCONN: ['CLOSE'],
  ALL: ALL_STATES,
  CONNECTED: ALL_STATES.filter((s) => s !== 'LISTEN' && s !== 'CLOSE'),
  SYNCHRONIZED: ALL_STATES.filter((s) => s !== 'LISTEN' && s !== 'CLOSE' && s !== 'SYN_SENT'),
  BUCKET: ['SYN_RECV', 'TIME_WAIT'],
  BIG: ALL_STATES.filter((s) => s !== 'SYN_RECV' && s !== 'TIME_WAIT'),
};

/**
 * Parses `--state` values: a comma list in netstat (`CLOSE_WAIT`) or ss (`close-wait`,
 * `fin-wait-1`, `estab`) spelling, any case. Throws InputError naming the bad value.
 * @example parseStateList('close-wait,FIN_WAIT1') // ['CLOSE_WAIT', 'FIN_WAIT1']
 */
export function parseStateList(text: string): TcpState[] {
  const out = new Set<TcpState>();
  for (const part of text.split(',')) {
    const raw = part.trim();
    if (raw === '') continue;
    const norm = raw
      .toUpperCase()
      .replace(/-/g, '_')
      .replace(/_(\d)$/, '$1');
    const alias = ALIASES[norm];
    if (alias) for (const s of alias) out.add(s);
    else if ((ALL_STATES as readonly string[]).includes(norm)) out.add(norm as TcpState);
    else {
      throw new InputError(
        `unknown TCP state "${raw}" in --state (use netstat names like CLOSE_WAIT or ss names like close-wait)`,
      );
    }
  }
  return [...out];
}

export interface SocketFilter {
  readonly ports?: readonly number[];
  readonly states?: readonly TcpState[];
  readonly pids?: readonly number[];
  /** netstat's scope; ignored when `states` is given (the state list decides). */
  readonly scope?: NetstatScope;
  readonly families?: readonly (4 | 6)[];
}

/**
 * Whether a row passes the filter.
 * @example rows.filter((r) => matchesFilter(r, { ports: [8006], scope: 'all' }))
 */
export function matchesFilter(row: SocketRow, f: SocketFilter): boolean {
  if (f.families && !f.families.includes(row.family)) return false;
  if (
    f.ports &&
    f.ports.length > 0 &&
    !f.ports.includes(row.local.port) &&
    !f.ports.includes(row.remote.port)
  ) {
    return false;
  }
  if (f.pids && f.pids.length > 0) {
    const owners = row.owners ?? (row.pid !== undefined ? [{ pid: row.pid }] : []);
    if (!owners.some((o) => f.pids?.includes(o.pid))) return false;
  }
  if (f.states && f.states.length > 0) return f.states.includes(row.state);
  const scope = f.scope ?? 'connected';
  if (scope === 'all') return true;
  return scope === 'listening' ? row.remote.port === 0 : row.remote.port !== 0;
}

/** Rows that pass the filter, in their original order. */
export function filterRows(rows: readonly SocketRow[], f: SocketFilter): SocketRow[] {
  return rows.filter((r) => matchesFilter(r, f));
}
