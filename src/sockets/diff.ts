/**
 * @module sockets/diff
 * Watch mode's core: compare two socket-table samples and say what changed (appeared, state
 * change, queue change, gone), tracking how long each socket has been in its state. Pure: the
 * clock is a parameter.
 */
import type { TcpState } from '../events.js';
import type { SocketRow } from './types.js';

/** What watch mode remembers about one socket. */
export interface TrackedSocket {
  readonly row: SocketRow;
  readonly firstSeenMs: number;
  /** When the socket was first seen in its current state. */
  readonly stateSinceMs: number;
}

/** The tracker's memory between samples. */
export type WatchState = ReadonlyMap<string, TrackedSocket>;

export type SocketChange =
  | { readonly kind: 'appeared'; readonly tsMs: number; readonly key: string; readonly row: SocketRow }
  | {
      readonly kind: 'state';
      readonly tsMs: number;
      readonly key: string;
      readonly row: SocketRow;
      readonly from: TcpState;
      /** How long it was seen in `from`. */
      readonly inPreviousMs: number;
    }
  | {
      readonly kind: 'queue';
      readonly tsMs: number;
      readonly key: string;
      readonly row: SocketRow;
      readonly prev: SocketRow;
      readonly inStateMs: number;
    }
  | {
      readonly kind: 'gone';
      readonly tsMs: number;
      readonly key: string;
      readonly row: SocketRow;
      readonly inStateMs: number;
    };

/**
 * Identity of a socket across samples: protocol and 4-tuple (a listener adds its inode, since
 * SO_REUSEPORT listeners share the tuple). A connection keeps its key through TIME_WAIT.
 */
export function socketKey(row: SocketRow): string {
  const base = `${row.proto} ${row.local.addr}:${row.local.port} ${row.remote.addr}:${row.remote.port}`;
  return row.remote.port === 0 ? `${base} #${row.inode}` : base;
}

/**
 * Compares the next sample with the tracker's memory. The first call (empty state) reports every
 * row as appeared.
 * @example
 * let state: WatchState = new Map();
 * const { changes, state: next } = diffSockets(state, rows, Date.now());
 */
export function diffSockets(
  prev: WatchState,
  rows: readonly SocketRow[],
  nowMs: number,
): { changes: SocketChange[]; state: Map<string, TrackedSocket> } {
  const next = new Map<string, TrackedSocket>();
  const changes: SocketChange[] = [];
  for (const row of rows) {
    const key = socketKey(row);
    if (next.has(key)) continue;
    const old = prev.get(key);
    if (!old) {
      next.set(key, { row, firstSeenMs: nowMs, stateSinceMs: nowMs });
      changes.push({ kind: 'appeared', tsMs: nowMs, key, row });
      continue;
    }
    if (old.row.state !== row.state) {
      next.set(key, { row, firstSeenMs: old.firstSeenMs, stateSinceMs: nowMs });
      changes.push({
        kind: 'state',
        tsMs: nowMs,
        key,
        row,
        from: old.row.state,
        inPreviousMs: nowMs - old.stateSinceMs,
      });
      continue;
    }
    next.set(key, { row, firstSeenMs: old.firstSeenMs, stateSinceMs: old.stateSinceMs });
    if (old.row.recvQ !== row.recvQ || old.row.sendQ !== row.sendQ) {
      changes.push({
        kind: 'queue',
        tsMs: nowMs,
        key,
        row,
        prev: old.row,
        inStateMs: nowMs - old.stateSinceMs,
      });
    }
  }
  for (const [key, old] of prev) {
    if (!next.has(key))
      changes.push({ kind: 'gone', tsMs: nowMs, key, row: old.row, inStateMs: nowMs - old.stateSinceMs });
  }
  return { changes, state: next };
}

/** Seconds with one decimal below 10 s, whole seconds above: `0.4 s`, `12 s`. */
export function formatDurationMs(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

function owner(row: SocketRow): string {
  return row.pid === undefined ? '-' : `${row.pid}/${row.comm ?? ''}`;
}

function endpoints(row: SocketRow): string {
  const fmt = (a: string, p: number): string =>
    a.includes(':') ? `[${a}]:${p === 0 ? '*' : p}` : `${a}:${p === 0 ? '*' : p}`;
  return `${row.proto} ${fmt(row.local.addr, row.local.port)} -> ${fmt(row.remote.addr, row.remote.port)}`;
}

/**
 * One change as a timestamped line (UTC clock time, milliseconds).
 * @example formatChange(change) // '12:00:05.120 ~ tcp 127.0.0.1:40000 -> 127.0.0.1:8006 ESTABLISHED -> CLOSE_WAIT after 5.0 s  4242/client'
 */
export function formatChange(c: SocketChange): string {
  const ts = new Date(c.tsMs).toISOString().slice(11, 23);
  const q = (r: SocketRow): string => `Recv-Q ${r.recvQ} Send-Q ${r.sendQ}`;
  switch (c.kind) {
    case 'appeared':
      return `${ts} + ${endpoints(c.row)} ${c.row.state} ${q(c.row)}  ${owner(c.row)}`;
    case 'state':
      return `${ts} ~ ${endpoints(c.row)} ${c.from} -> ${c.row.state} after ${formatDurationMs(c.inPreviousMs)} ${q(c.row)}  ${owner(c.row)}`;
    case 'queue':
      return (
        `${ts} ~ ${endpoints(c.row)} ${c.row.state} for ${formatDurationMs(c.inStateMs)}: ` +
        `Recv-Q ${c.prev.recvQ} -> ${c.row.recvQ}, Send-Q ${c.prev.sendQ} -> ${c.row.sendQ}  ${owner(c.row)}`
      );
    case 'gone':
      return `${ts} - ${endpoints(c.row)} gone (was ${c.row.state} for ${formatDurationMs(c.inStateMs)})  ${owner(c.row)}`;
  }
}
