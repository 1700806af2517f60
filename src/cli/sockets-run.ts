/**
 * @module cli/sockets-run
 * The implementation of `tcpscope sockets` (loaded on demand by cli/sockets): the socket table,
 * filters, a netstat-identical format, JSON, newcomer notes and a watch mode. The row reader,
 * filters, notes, diffs and durations load only when used: `--format netstat` loads the fewest
 * modules.
 */
import type { TcpState } from '../events.js';
import type { Lang } from '../report/explain/explain.js';
import type { WatchState } from '../sockets/diff.js';
import type { SocketFilter } from '../sockets/filter.js';
import {
  formatNetstatHeader,
  formatNetstatRow,
  type NetstatFormatOptions,
} from '../sockets/netstat-format.js';
import { readNetstatOutput } from '../sockets/read-raw.js';
import type { ProcTcpIssue, ReadSocketsResult, SocketRow } from '../sockets/types.js';
import { InputError } from '../util/errors.js';

export interface SocketsCliOptions {
  port?: string[];
  state?: string;
  pid?: string[];
  listening?: boolean;
  all?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  format: string;
  json?: boolean;
  explain?: boolean;
  lang: string;
  watch?: string | boolean;
  count?: string;
  duration?: string;
  timers?: boolean;
  cmdline?: boolean;
  procRoot?: string;
  color?: boolean;
}

function parseIntList(values: string[] | undefined, option: string, max: number): number[] | undefined {
  if (!values) return undefined;
  return values.map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new InputError(`${option}: "${v}" is not a number from 0 to ${max}`);
    return n;
  });
}

async function buildFilter(o: SocketsCliOptions): Promise<{ filter: SocketFilter; states?: TcpState[] }> {
  const families: (4 | 6)[] | undefined = o.ipv4 && !o.ipv6 ? [4] : o.ipv6 && !o.ipv4 ? [6] : undefined;
  const states =
    o.state !== undefined ? (await import('../sockets/filter.js')).parseStateList(o.state) : undefined;
  const ports = parseIntList(o.port, '--port', 65535);
  const pids = parseIntList(o.pid, '--pid', 2 ** 31);
  const filter: SocketFilter = {
    scope: o.all ? 'all' : o.listening ? 'listening' : 'connected',
    ...(states ? { states } : {}),
    ...(ports ? { ports } : {}),
    ...(pids ? { pids } : {}),
    ...(families ? { families } : {}),
  };
  return { filter, ...(states ? { states } : {}) };
}

async function sample(
  o: SocketsCliOptions,
  filter: SocketFilter,
): Promise<ReadSocketsResult & { shown: SocketRow[] }> {
  const [{ readSockets }, { filterRows }] = await Promise.all([
    import('../sockets/read.js'),
    import('../sockets/filter.js'),
  ]);
  const res = await readSockets({
    ...(o.procRoot ? { procRoot: o.procRoot } : {}),
    ...(filter.families ? { families: filter.families } : {}),
    cmdline: o.cmdline === true,
  });
  return { ...res, shown: filterRows(res.rows, filter) };
}

async function netstatWithNotes(
  rows: readonly SocketRow[],
  fmt: NetstatFormatOptions,
  lang: Lang | undefined,
  header: string,
): Promise<string> {
  const explain = lang ? (await import('../sockets/explain.js')).explainSocketRow : undefined;
  const parts = [header];
  const programs = new Map<number, string>();
  for (const r of rows) {
    parts.push(formatNetstatRow(r, fmt, programs));
    if (lang && explain) for (const n of explain(r, lang)) parts.push(`      ^ ${n.text}\n`);
  }
  return parts.join('');
}

async function renderOnce(
  o: SocketsCliOptions,
  filter: SocketFilter,
  fmt: NetstatFormatOptions,
  lang: Lang,
): Promise<string | Uint8Array> {
  if (o.format === 'netstat' && !o.json && !o.explain && !filter.pids) {
    // Fast path: format straight from the /proc text (no row objects), same output.
    const out = await readNetstatOutput(
      {
        ...(o.procRoot ? { procRoot: o.procRoot } : {}),
        ...(filter.families ? { families: filter.families } : {}),
      },
      {
        ...(filter.ports ? { ports: filter.ports } : {}),
        ...(filter.states ? { states: filter.states } : {}),
      },
      fmt,
    );
    reportIssues(out.issues);
    return out.bytes;
  }
  const res = await sample(o, filter);
  reportIssues(res.issues);
  if (o.json) {
    const { explainSocketRow } = await import('../sockets/explain.js');
    const rows = o.explain ? res.shown.map((r) => ({ ...r, notes: explainSocketRow(r, lang) })) : res.shown;
    return JSON.stringify({ rows, issues: res.issues, stats: res.stats }, null, 2) + '\n';
  }
  if (o.format === 'netstat') {
    // Rows are already filtered (a --state list may include servers), so no second scope test.
    return netstatWithNotes(res.shown, fmt, o.explain ? lang : undefined, formatNetstatHeader(fmt));
  }
  const { renderSocketTable } = await import('../sockets/render-table.js');
  return renderSocketTable(res.shown, {
    explain: o.explain === true,
    lang,
    colour: o.color !== false && process.stdout.isTTY === true,
  });
}

function reportIssues(issues: readonly ProcTcpIssue[]): void {
  for (const issue of issues) {
    process.stderr.write(
      `tcpscope: /proc/net/${issue.proto} line ${issue.lineNumber}: ${issue.field} "${issue.raw}": ${issue.reason}\n`,
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

async function watch(
  o: SocketsCliOptions,
  filter: SocketFilter,
  fmt: NetstatFormatOptions,
  lang: Lang,
): Promise<void> {
  const [{ diffSockets, formatChange }, { parseDurationMs }, { explainSocketRow }] = await Promise.all([
    import('../sockets/diff.js'),
    import('../sockets/duration.js'),
    import('../sockets/explain.js'),
  ]);
  const intervalMs = typeof o.watch === 'string' ? parseDurationMs(o.watch, '--watch') : 1000;
  const maxCount = o.count !== undefined ? parseIntList([o.count], '--count', 2 ** 31)?.[0] : undefined;
  const durationMs = o.duration !== undefined ? parseDurationMs(o.duration, '--duration') : undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  let state: WatchState = new Map();
  try {
    for (let n = 0; !stop.signal.aborted; n++) {
      if (maxCount !== undefined && n >= maxCount) break;
      if (durationMs !== undefined && Date.now() - started >= durationMs) break;
      const now = Date.now();
      if (o.format === 'netstat' && !o.json) {
        process.stdout.write(await renderOnce(o, filter, fmt, lang));
      } else {
        const res = await sample(o, filter);
        const d = diffSockets(state, res.shown, now);
        state = d.state;
        for (const c of d.changes) {
          if (o.json) {
            process.stdout.write(JSON.stringify(c) + '\n');
            continue;
          }
          process.stdout.write(formatChange(c) + '\n');
          if (o.explain && c.kind !== 'gone') {
            const since = d.state.get(c.key);
            const secs = since ? (now - since.stateSinceMs) / 1000 : undefined;
            for (const note of explainSocketRow(c.row, lang, secs))
              process.stdout.write(`      ^ ${note.text}\n`);
          }
        }
      }
      let wait = intervalMs;
      if (durationMs !== undefined) wait = Math.min(wait, Math.max(0, started + durationMs - Date.now()));
      if (maxCount !== undefined && n + 1 >= maxCount) break;
      await sleep(wait, stop.signal);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** Runs `tcpscope sockets` with parsed options. */
export async function runSockets(o: SocketsCliOptions): Promise<void> {
  if (o.format !== 'table' && o.format !== 'netstat') {
    throw new InputError(`--format: "${o.format}" is not one of table, netstat`);
  }
  if (o.lang !== 'en' && o.lang !== 'zh') throw new InputError(`--lang: "${o.lang}" is not one of en, zh`);
  const lang: Lang = o.lang;
  const { filter } = await buildFilter(o);
  const fmt: NetstatFormatOptions = {
    scope: filter.scope ?? 'connected',
    programs: true,
    timers: o.timers === true,
  };
  if (o.watch !== undefined) return watch(o, filter, fmt, lang);
  process.stdout.write(await renderOnce(o, filter, fmt, lang));
}
