/**
 * @module sockets/render-table
 * The default, human view of `tcpscope sockets`: a cli-table3 table with coloured states and the
 * owner, optional per-row notes, and a count per state at the bottom.
 */
import Table from 'cli-table3';
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;
import type { TcpState } from '../events.js';
import type { Lang } from '../report/explain/explain.js';
import { explainSocketRow } from './explain.js';
import { formatNetstatTimer } from './netstat-format.js';
import type { SocketRow } from './types.js';

/** Colour of a state: green working, yellow closing normally, red the ones to worry about. */
export function colourState(state: TcpState, colours: Colors = pc): string {
  switch (state) {
    case 'ESTABLISHED':
      return colours.green(state);
    case 'LISTEN':
      return colours.cyan(state);
    case 'CLOSE_WAIT':
    case 'CLOSE':
      return colours.red(state);
    case 'FIN_WAIT1':
    case 'FIN_WAIT2':
    case 'LAST_ACK':
    case 'CLOSING':
      return colours.yellow(state);
    case 'TIME_WAIT':
      return colours.dim(state);
    case 'SYN_SENT':
    case 'SYN_RECV':
    case 'NEW_SYN_RECV':
    case 'BOUND_INACTIVE':
      return colours.magenta(state);
  }
}

function endpoint(addr: string, port: number): string {
  const p = port === 0 ? '*' : String(port);
  return addr.includes(':') ? `[${addr}]:${p}` : `${addr}:${p}`;
}

/** `ESTABLISHED 3  CLOSE_WAIT 1` in first-seen order. */
export function countByState(rows: readonly SocketRow[]): Map<TcpState, number> {
  const counts = new Map<TcpState, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return counts;
}

export interface RenderTableOptions {
  readonly explain?: boolean;
  readonly lang?: Lang;
  readonly colour?: boolean;
  /** Seconds each row has been in its state (watch mode), by row index. */
  readonly secondsInState?: readonly (number | undefined)[];
}

/**
 * Renders rows as a table followed by the per-state counts (and notes with `explain`).
 * @example renderSocketTable(rows, { explain: true, lang: 'zh' })
 */
export function renderSocketTable(rows: readonly SocketRow[], opts: RenderTableOptions = {}): string {
  const colours = pc.createColors(opts.colour ?? pc.isColorSupported);
  const table = new Table({
    head: ['#', 'Proto', 'Recv-Q', 'Send-Q', 'Local', 'Remote', 'State', 'PID/comm', 'User', 'Timer'],
    style: {
      compact: true,
      head: opts.colour === false ? [] : ['bold'],
      border: opts.colour === false ? [] : ['grey'],
    },
    colAligns: ['right', 'left', 'right', 'right', 'left', 'left', 'left', 'left', 'left', 'left'],
  });
  const notes: string[] = [];
  rows.forEach((r, i) => {
    table.push([
      String(i + 1),
      r.proto,
      String(r.recvQ),
      String(r.sendQ),
      endpoint(r.local.addr, r.local.port),
      endpoint(r.remote.addr, r.remote.port),
      colourState(r.state, colours),
      r.pid === undefined ? '-' : `${r.pid}/${r.comm ?? ''}`,
      r.user ?? String(r.uid),
      r.timer.code === 0 ? '' : formatNetstatTimer(r.timer),
    ]);
    if (opts.explain) {
      for (const n of explainSocketRow(r, opts.lang ?? 'en', opts.secondsInState?.[i]))
        notes.push(`#${i + 1}: ${n.text}`);
    }
  });
  const counts = [...countByState(rows)].map(([s, n]) => `${colourState(s, colours)} ${n}`).join('  ');
  let out = table.toString() + '\n';
  out += `${rows.length} socket${rows.length === 1 ? '' : 's'}${counts ? ': ' + counts : ''}\n`;
  if (notes.length) out += '\n' + notes.join('\n') + '\n';
  return out;
}
