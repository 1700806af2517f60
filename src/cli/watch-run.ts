/**
 * @module cli/watch-run
 * The body of `tcpscope watch`, loaded only when the command runs (keeps the tracer and the socket
 * reader out of every other command's start-up).
 */
import type { TimelineEvent } from '../events.js';
import { eventToJson } from '../events.js';
import { InputError, TcpscopeError } from '../util/errors.js';
import { parseSignal } from '../trace/names.js';
import { pollTcp } from '../trace/poll.js';
import { formatWatchLine } from '../trace/render.js';
import { traceNote } from '../trace/explain.js';
import { traceTcp } from '../trace/tracer.js';
import type { TcpTrace } from '../trace/types.js';

export interface WatchOpts {
  port: number[];
  pid: number[];
  state?: string;
  signals: string;
  json?: boolean;
  poll?: boolean;
  interval: string;
  duration?: string;
  count?: string;
  bufferKb: string;
  syscalls?: boolean;
  lang: 'en' | 'zh';
  tracefs: string;
}

function positive(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new InputError(`${what}: expected a number (with ms/s/m for durations): ${text}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

function wanted(ev: TimelineEvent, states: Set<string> | undefined, pids: Set<number>): boolean {
  if (states && ev.kind === 'state' && !states.has(ev.newState) && !states.has(ev.oldState)) return false;
  if (pids.size === 0) return true;
  // --pid: only what belongs to those processes (owners of sockets, signal targets, exits).
  const pid = 'pid' in ev ? ev.pid : undefined;
  return pid !== undefined && pids.has(pid) && (!('pidIsOwner' in ev) || ev.pidIsOwner !== false);
}

export async function runWatch(o: WatchOpts): Promise<void> {
  const signals = o.signals.split(',').map((s) => {
    const n = parseSignal(s);
    if (n === undefined) throw new InputError(`--signals: unknown signal ${s}`);
    return n;
  });
  const states =
    o.state !== undefined ? new Set(o.state.toUpperCase().replace(/-/g, '_').split(',')) : undefined;
  const pidSet = new Set(o.pid);
  const durationS = positive(o.duration, '--duration');
  const count = positive(o.count, '--count');
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const localOffsetMin = new Date().getTimezoneOffset();
  const abort = new AbortController();
  let trace: TcpTrace | undefined;
  let endedBy = 'end';
  const stopBy = (why: string): void => {
    endedBy = why;
    abort.abort();
    void trace?.stop();
  };
  const onSignal = (sig: NodeJS.Signals): void => stopBy(sig);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  const timer =
    durationS !== undefined ? setTimeout(() => stopBy('--duration'), durationS * 1000) : undefined;
  let source: AsyncIterable<TimelineEvent>;
  if (o.poll === true) {
    source = pollTcp({
      ports: o.port,
      pids: o.pid,
      intervalMs: (positive(o.interval, '--interval') ?? 0.1) * 1000,
      signal: abort.signal,
    });
  } else {
    try {
      trace = traceTcp({
        ports: o.port,
        pids: o.pid,
        signals,
        tracefsRoot: o.tracefs,
        mount: o.tracefs === '/sys/kernel/tracing',
        bufferSizeKb: Number(o.bufferKb),
        includeSyscalls: o.syscalls === true,
        handleSignals: false,
        signal: abort.signal,
      });
      source = trace;
      if (o.json !== true)
        process.stderr.write(
          `tcpscope watch: tracing in ${trace.instancePath} (clock offset ±${trace.clock.uncertaintyNs} ns; Ctrl+C to stop)\n`,
        );
    } catch (err) {
      if (!(err instanceof TcpscopeError) || err.code !== 'TCPSCOPE_ERR_PERMISSION') throw err;
      const intervalMs = (positive(o.interval, '--interval') ?? 0.1) * 1000;
      process.stderr.write(
        `tcpscope watch: ${traceNote('no-tracefs', { reason: err.message, intervalMs }, o.lang)}\n`,
      );
      source = pollTcp({ ports: o.port, pids: o.pid, intervalMs, signal: abort.signal });
    }
  }
  let n = 0;
  try {
    for await (const ev of source) {
      if (!wanted(ev, states, pidSet)) continue;
      out(o.json === true ? eventToJson(ev) : formatWatchLine(ev, o.lang, localOffsetMin));
      n++;
      if (count !== undefined && n >= count) {
        endedBy = '--count';
        break;
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    abort.abort();
    await trace?.stop();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal);
  }
  if (trace) {
    const st = trace.stats();
    const summary =
      st.lostEvents > 0
        ? traceNote('lost-events', { lost: st.lostEvents }, o.lang)
        : traceNote('no-loss', {}, o.lang);
    if (o.json === true) out(JSON.stringify({ kind: 'summary', endedBy, ...st }));
    else
      process.stderr.write(
        `tcpscope watch: ${n} events shown, ${st.lines} read; ${summary} (ended by ${endedBy})\n`,
      );
  }
}
