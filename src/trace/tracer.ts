/**
 * @module trace/tracer
 * `traceTcp`: the kernel lens as an async iterable of `TimelineEvent`s. Sets up a private tracefs
 * instance, drains its `trace_pipe` (opened non-blocking, polled), parses and assembles events,
 * and tears the instance down on every path (stop, abort, error, process exit, SIGINT/SIGTERM/
 * SIGHUP).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineEvent } from '../events.js';
import { readSocketsSync } from '../sockets/index.js';
import { TraceAssembler } from './assemble.js';
import { parseTraceLine } from './line.js';
import { TracePipeReader } from './pipe.js';
import { openTraceInstance } from './setup.js';
import { closeQuietly, destroyInstance, readCpuStats, refilterEvent, unmountTracefs } from './tracefs.js';
import type { TcpTrace, TraceOptions, TraceStats } from './types.js';

function commReader(): (pid: number) => string | undefined {
  const cache = new Map<number, string>();
  return (pid) => {
    const hit = cache.get(pid);
    if (hit !== undefined) return hit;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (cache.size > 4096) cache.clear();
      cache.set(pid, comm);
      return comm;
    } catch {
      return undefined;
    }
  };
}

/**
 * Starts tracing TCP state transitions, resets, retransmits, signals, process exits, socket
 * syscalls and `trace_marker` lines in a private tracefs instance. Needs root (tracefs write).
 * Throws `PermissionError` without tracefs access. Iterate the result for events; `stop()` (or the
 * `signal` option) ends the iteration and removes the instance.
 * @example
 * const trace = traceTcp({ ports: [8006] });
 * setTimeout(() => void trace.stop(), 5000);
 * for await (const ev of trace) if (ev.kind === 'state') console.log(ev.oldState, '->', ev.newState, ev.pid);
 * if (!trace.stats().complete) console.log('events were lost');
 */
export function traceTcp(options: TraceOptions = {}): TcpTrace {
  const ports = [...new Set(options.ports ?? [])];
  const signals = [...new Set(options.signals ?? [13])];
  const pids = [...new Set(options.pids ?? [])];
  const opened = openTraceInstance(options, { ports, signals, pids });

  const { root, mounted, instance, capabilities, clock } = opened;
  let fd = opened.fd;
  const commOf = commReader();
  const asm = new TraceAssembler({
    offsetNs: clock.offsetNs,
    ports,
    signals,
    pids,
    synthesizeTimeWait: options.synthesizeTimeWait !== false,
    commOf,
  });
  const lookup = options.ownerLookup;
  let watchedPorts = ports;
  const scanOwners = (only: readonly number[] = watchedPorts): void => {
    try {
      const { rows } = readSocketsSync({ owners: true, users: false });
      for (const r of rows) {
        if (r.pid === undefined) continue;
        if (only.length > 0 && !only.includes(r.local.port) && !only.includes(r.remote.port)) continue;
        asm.setOwner(r.local, r.remote, { pid: r.pid, comm: r.comm ?? '' });
      }
    } catch {
      // owners stay unknown; events still say pidIsOwner: false
    }
  };
  let lastScanMs = performance.now();
  if (lookup === undefined) scanOwners();
  let lastScanCostMs = performance.now() - lastScanMs;

  const counters = { lines: 0, events: 0, unparsed: 0, lostInPipe: 0 };
  let queue: TimelineEvent[] = [];
  let head = 0;
  let waiter: (() => void) | undefined;
  let ended = false;
  let failure: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finalStats: TraceStats | undefined;

  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const deliver = (evs: TimelineEvent[]): void => {
    if (evs.length === 0) return;
    counters.events += evs.length;
    for (const e of evs) queue.push(e);
    wake();
  };
  const reader = new TracePipeReader(fd, (line) => {
    counters.lines++;
    const rec = parseTraceLine(line);
    if (rec.type === 'issue') counters.unparsed++;
    else if (rec.type === 'lost') counters.lostInPipe += rec.count;
    else if (rec.type !== 'marker' || options.markers !== false) asm.push(rec);
  });
  const drain = (budgetMs: number): boolean => reader.drain(budgetMs);
  const resolveOwners = async (): Promise<void> => {
    if (asm.unowned.size === 0) return;
    const now = performance.now();
    if (lookup === null) return;
    if (lookup === undefined) {
      // A full fd scan is expensive: at most every max(1 s, 20x its last duration), never while
      // a backlog is being parsed.
      if (reader.backlog || now - lastScanMs < Math.max(1000, 20 * lastScanCostMs)) return;
      scanOwners();
      lastScanMs = performance.now();
      lastScanCostMs = lastScanMs - now;
      asm.unowned.clear();
      return;
    }
    const batch = [...asm.unowned.entries()].slice(0, 64);
    for (const [key, t] of batch) {
      asm.unowned.delete(key);
      const owner = await lookup(t.local, t.remote);
      if (owner) asm.setOwner(t.local, t.remote, owner);
    }
  };

  const nowMonoUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const tick = (): void => {
    timer = undefined;
    if (ended) return;
    let more = false;
    try {
      more = drain(20);
      // While a backlog is parsed, time is the stream's own (a connect held for its port must not
      // expire just because parsing lags); when caught up, the clock.
      deliver(asm.flush(reader.backlog ? asm.lastMonoUs : nowMonoUs()));
    } catch (err) {
      failure = err instanceof Error ? err : new Error('reading trace_pipe failed', { cause: err });
      void stop();
      return;
    }
    resolveOwners().then(
      () => {
        if (!ended) timer = setTimeout(tick, more ? 0 : (options.pollIntervalMs ?? 20));
      },
      () => {
        if (!ended) timer = setTimeout(tick, options.pollIntervalMs ?? 20);
      },
    );
  };

  const readStats = (): TraceStats => {
    if (finalStats) return finalStats;
    const cpu = readCpuStats(instance);
    const lostEvents = Math.max(counters.lostInPipe, cpu.overrun + cpu.dropped);
    return {
      ...counters,
      overrun: cpu.overrun,
      dropped: cpu.dropped,
      lostEvents,
      complete: lostEvents === 0,
    };
  };

  const handlers: [string, (...a: unknown[]) => void][] = [];
  const teardownSync = (budgetMs: number): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (fd >= 0) {
      try {
        // Stop recording first so the backlog is finite, then parse what is left within budget.
        writeFileSync(join(instance, 'tracing_on'), '0');
        drain(budgetMs);
        deliver(asm.flush(nowMonoUs(), true));
      } catch {
        // keep what we have
      }
      finalStats = readStats();
      closeQuietly(fd);
      fd = -1;
    }
    destroyInstance(instance);
    if (mounted) unmountTracefs(root);
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.length = 0;
    ended = true;
    wake();
  };
  let resolveDone: () => void = () => undefined;
  let rejectDone: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined);
  const stop = (): Promise<void> => {
    if (!ended) teardownSync(30_000);
    if (failure !== undefined) rejectDone(failure);
    else resolveDone();
    return Promise.resolve();
  };

  const onExit = (): void => teardownSync(200);
  process.on('exit', onExit);
  handlers.push(['exit', onExit]);
  if (options.handleSignals !== false) {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const h = (): void => {
        void stop();
        // Nobody else handles it: die by the same signal, as without us.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      };
      process.on(sig, h);
      handlers.push([sig, h]);
    }
  }
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted === true) void stop();
  else timer = setTimeout(tick, 0);

  const iterator = async function* (): AsyncGenerator<TimelineEvent> {
    try {
      for (;;) {
        while (head < queue.length) yield queue[head++] as TimelineEvent;
        queue = [];
        head = 0;
        if (ended) break;
        await new Promise<void>((res) => (waiter = res));
      }
      while (head < queue.length) yield queue[head++] as TimelineEvent;
      if (failure !== undefined) throw failure;
    } finally {
      if (!ended) await stop();
    }
  };

  return {
    [Symbol.asyncIterator]: iterator,
    stop,
    stats: readStats,
    clock,
    capabilities,
    instancePath: instance,
    markerPath: join(instance, 'trace_marker'),
    setPorts: (next: readonly number[]): void => {
      const list = [...new Set(next)];
      for (const ev of capabilities.events) {
        if (ev.startsWith('sock/') || ev.startsWith('tcp/'))
          refilterEvent(instance, ev, { ports: list, signals: [], pids: [] });
      }
      asm.setPorts(list);
      watchedPorts = list;
      if (lookup === undefined) scanOwners(list);
    },
    done,
  };
}
