/**
 * @module sockets/snapshot
 * Turns socket rows into the timeline's `SocketSnapshotEvent` (src/events.ts), so trace/watch and
 * the lab can put socket-table samples on the same clock as packets and kernel events.
 */
import { flowKey, type SocketRowSummary, type SocketSnapshotEvent } from '../events.js';
import type { SocketRow } from './types.js';

/**
 * The summary columns of one row (netstat/ss columns plus the first owner).
 * @example toSocketRowSummary(row).recvQ
 */
export function toSocketRowSummary(row: SocketRow): SocketRowSummary {
  return {
    proto: row.proto,
    local: row.local,
    remote: row.remote,
    state: row.state,
    recvQ: row.recvQ,
    sendQ: row.sendQ,
    ...(row.pid !== undefined ? { pid: row.pid } : {}),
    ...(row.comm !== undefined ? { comm: row.comm } : {}),
  };
}

/**
 * One socket-table sample as a timeline event. `flow` is set when every row belongs to the same
 * connection (e.g. a sample filtered to one 4-tuple).
 * @example toSocketSnapshotEvent(rows, BigInt(Date.now()) * 1_000_000n, 'poll')
 */
export function toSocketSnapshotEvent(
  rows: readonly SocketRow[],
  tsNs: bigint,
  reason?: string,
): SocketSnapshotEvent {
  const flows = new Set(rows.map((r) => flowKey(r.local, r.remote)));
  const only = flows.size === 1 ? [...flows][0] : undefined;
  return {
    kind: 'socket-snapshot',
    lens: 'socket-table',
    tsNs,
    rows: rows.map(toSocketRowSummary),
    ...(only !== undefined ? { flow: only } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
