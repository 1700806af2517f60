/**
 * @module trace/poll
 * The fallback when tracefs is unavailable: sample the socket table at a fine interval and report
 * the differences as `StateEvent`s with `source: 'sampled'`. Short states between two samples
 * are missed; every event says it was sampled.
 */
import type { StateEvent } from '../events.js';
import { flowKey } from '../events.js';
import { diffSockets, readSocketsSync, type SocketRow, type WatchState } from '../sockets/index.js';

export interface PollOptions {
  readonly ports?: readonly number[];
  readonly pids?: readonly number[];
  /** Sampling interval, ms. Default 100. */
  readonly intervalMs?: number;
  readonly procRoot?: string;
  readonly signal?: AbortSignal;
}

function sampled(
  row: SocketRow,
  from: StateEvent['oldState'],
  to: StateEvent['newState'],
  tsMs: number,
  inOldMs?: number,
): StateEvent {
  return {
    kind: 'state',
    tsNs: BigInt(Math.round(tsMs * 1000)) * 1000n,
    lens: 'socket-table',
    flow: flowKey(row.local, row.remote),
    local: row.local,
    remote: row.remote,
    oldState: from,
    newState: to,
    source: 'sampled',
    ...(row.pid !== undefined ? { pid: row.pid, comm: row.comm ?? '', pidIsOwner: true } : {}),
    ...(inOldMs !== undefined ? { inOldStateNs: BigInt(Math.round(inOldMs * 1e6)) } : {}),
  };
}

/**
 * Samples the socket table until aborted; yields sampled transitions (the first sample is the
 * baseline and yields nothing).
 * @example for await (const ev of pollTcp({ ports: [8006], intervalMs: 50, signal })) console.log(ev.newState);
 */
export async function* pollTcp(options: PollOptions = {}): AsyncGenerator<StateEvent> {
  const ports = new Set(options.ports ?? []);
  const pids = new Set(options.pids ?? []);
  const keep = (r: SocketRow): boolean =>
    (ports.size === 0 || ports.has(r.local.port) || ports.has(r.remote.port)) &&
    (pids.size === 0 || (r.pid !== undefined && pids.has(r.pid)));
  let state: WatchState = new Map();
  let first = true;
  while (options.signal?.aborted !== true) {
    const nowMs = Date.now();
    const { rows } = readSocketsSync({
      owners: true,
      users: false,
      ...(options.procRoot !== undefined ? { procRoot: options.procRoot } : {}),
    });
    const diff = diffSockets(state, rows.filter(keep), nowMs);
    state = diff.state;
    if (!first) {
      for (const c of diff.changes) {
        if (c.kind === 'appeared') yield sampled(c.row, 'CLOSE', c.row.state, nowMs);
        else if (c.kind === 'state') yield sampled(c.row, c.from, c.row.state, nowMs, c.inPreviousMs);
        else if (c.kind === 'gone') yield sampled(c.row, c.row.state, 'CLOSE', nowMs, c.inStateMs);
      }
    }
    first = false;
    await new Promise<void>((res) => {
      const onAbort = (): void => {
        clearTimeout(t);
        res();
      };
      const t = setTimeout(() => {
        options.signal?.removeEventListener('abort', onAbort);
        res();
      }, options.intervalMs ?? 100);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
