/**
 * @module cli/watch
 * `tcpscope watch`: every TCP state transition, reset (with the kernel's reason), SIGPIPE and
 * owner exit, one explained line each, from a private tracefs instance. Without tracefs it says
 * so in one line and samples the socket table instead (`--poll`).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { TimelineEvent } from '../events.js';
import { eventToJson } from '../events.js';
import { InputError, TcpscopeError } from '../util/errors.js';
import { parseSignal } from '../trace/names.js';
import { pollTcp } from '../trace/poll.js';
import { formatWatchLine } from '../trace/render.js';
import { traceNote } from '../trace/explain.js';
import { traceTcp } from '../trace/tracer.js';
import type { TcpTrace } from '../trace/types.js';

interface WatchOpts {
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

const collectInt = (name: string) => (v: string, prev: number[]) => {
  const out = [...prev];
  for (const part of v.split(',')) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 0 || n > 4194304) throw new InputError(`${name}: not a number: ${part}`);
    out.push(n);
  }
  return out;
};

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

async function runWatch(o: WatchOpts): Promise<void> {
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

/** Registers `tcpscope watch`. */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'Every TCP state transition, reset (with the kernel reason), SIGPIPE and owner exit, explained, from kernel tracepoints (root).',
    )
    .option(
      '-p, --port <n>',
      'watch this port, local or remote (repeatable, or comma list)',
      collectInt('--port'),
      [],
    )
    .option(
      '--pid <pid>',
      'process of interest (repeatable): its exits and, with --syscalls, socket calls',
      collectInt('--pid'),
      [],
    )
    .option('--state <list>', 'only transitions into or out of these states (e.g. CLOSE_WAIT,TIME_WAIT)')
    .option('--signals <list>', 'signals to report (names or numbers)', 'SIGPIPE')
    .option('--json', 'one JSON event per line (NDJSON), then a summary line')
    .option(
      '--poll',
      'sample the socket table instead of tracing (no root needed; short states can be missed)',
    )
    .option('--interval <ms>', 'sampling interval for --poll (e.g. 50ms)', '100ms')
    .option('--duration <time>', 'stop after this long (e.g. 10s)')
    .option('--count <n>', 'stop after this many events')
    .option('--buffer-kb <kb>', 'per-CPU trace buffer size in KiB', '4096')
    .option('--syscalls', 'also trace socket syscalls (of --pid processes; otherwise failing sends only)')
    .addOption(new Option('--lang <lang>', 'explanation language').choices(['en', 'zh']).default('en'))
    .option('--tracefs <dir>', 'tracefs mount point', '/sys/kernel/tracing')
    .addHelpText(
      'after',
      `
Columns: time, local -> remote, OLD -> NEW state, (time spent in OLD), owner pid/comm, meaning.
"(on-CPU, not owner)" marks a pid that only happened to run when the kernel changed the socket.
TIME_WAIT is [synthesized]: the tracepoint reports FIN_WAIT2 -> CLOSE when a time-wait
mini-socket takes over. Uses a private tracefs instance (instances/tcpscope-<pid>), removed on
exit; the global tracing state is never touched. Needs root; without it, falls back to --poll.

EXAMPLES
  tcpscope watch --port 8006
  tcpscope watch --port 8006 --state CLOSE_WAIT,TIME_WAIT --lang zh
  tcpscope watch --pid 4242 --syscalls --signals SIGPIPE,SIGKILL --json
  tcpscope watch --poll --interval 50ms --port 8006 --duration 30s`,
    )
    .action(async (opts: WatchOpts) => {
      await runWatch(opts);
    });
}
