/**
 * @module capture/live
 * Live capture: spawn `tcpdump -U --immediate-mode -w - [-i IFACE] [-s N] [-c N] -- FILTER...` (an
 * argv array, never a shell string), read its stdout with the same stream reader as files, and
 * optionally save the raw capture (`writePath`: only whole records are written, so the file stays
 * valid whatever happens to tcpdump). tcpdump is stopped on every exit path: normal end, a consumer
 * that stops iterating, an error, SIGINT/SIGTERM of this process (while capturing, those signals
 * mean "stop the capture"), and process exit. Spawning is injected for tests.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { InputError, PermissionError, TcpscopeError, ToolMissingError } from '../util/errors.js';
import { openCapture } from './stream.js';
import type { CaptureInfo, CaptureIssue, CaptureRecord } from './types.js';

/** A capture could not run to its end (tcpdump refused the filter or device, or died). */
export class CaptureError extends TcpscopeError {
  constructor(message: string) {
    super('TCPSCOPE_ERR_CAPTURE', message);
  }
}

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface LiveCaptureOptions {
  /** Interface (`any`, `lo`, …); tcpdump picks one when omitted. */
  readonly iface?: string;
  /** Filter words, passed to tcpdump as separate arguments after `--`. */
  readonly filter?: readonly string[];
  readonly snaplen?: number;
  /** Stop after this many packets (tcpdump `-c`). */
  readonly count?: number;
  /** Capture nanosecond timestamps (tcpdump `--time-stamp-precision nano`). */
  readonly nano?: boolean;
  /** Also save the capture to this pcap file. */
  readonly writePath?: string;
  /** Default `tcpdump`. */
  readonly tcpdumpPath?: string;
  /** Injected for tests (default child_process.spawn). */
  readonly spawn?: SpawnFn;
  /** Treat SIGINT/SIGTERM of this process as "stop the capture" while it runs (default true). */
  readonly handleSignals?: boolean;
  /** Grace period for tcpdump to exit after SIGTERM before SIGKILL (default 3000 ms). */
  readonly killTimeoutMs?: number;
}

/** tcpdump's own counts, from the lines it prints on stderr when it exits. */
export interface CaptureCounts {
  readonly captured?: number;
  readonly receivedByFilter?: number;
  readonly droppedByKernel?: number;
  readonly droppedByInterface?: number;
}

export interface LiveCaptureSummary {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether the end was asked for (stop(), -c reached, a signal to this process). */
  readonly requested: boolean;
  readonly counts: CaptureCounts;
  /** Everything tcpdump wrote on stderr. */
  readonly stderr: string;
  /** Records read from tcpdump's stdout. */
  readonly records: number;
}

export interface LiveCapture extends AsyncIterable<CaptureRecord> {
  /** The argv tcpdump was started with (after the program name). */
  readonly argv: readonly string[];
  readonly pid: number | undefined;
  readonly info: CaptureInfo | undefined;
  readonly issues: readonly CaptureIssue[];
  /** Stop tcpdump cleanly (SIGTERM, then SIGKILL after the grace period) and wait for it. */
  stop(): Promise<LiveCaptureSummary>;
  /** Resolves when tcpdump has exited and its stderr has been read. */
  readonly done: Promise<LiveCaptureSummary>;
  /** Resolves once tcpdump says it is listening (or has exited): traffic sent after it is seen. */
  readonly ready: Promise<void>;
  /** What tcpdump has written on stderr so far. */
  readonly stderr: string;
}

/**
 * The argv for tcpdump.
 * @example tcpdumpArgs({ iface: 'lo', count: 5, filter: ['tcp', 'port', '80'] })
 * // ['-U', '--immediate-mode', '-w', '-', '-i', 'lo', '-c', '5', '--', 'tcp', 'port', '80']
 */
export function tcpdumpArgs(o: LiveCaptureOptions): string[] {
  const a = ['-U', '--immediate-mode', '-w', '-'];
  if (o.iface !== undefined) a.push('-i', o.iface);
  if (o.snaplen !== undefined) a.push('-s', String(o.snaplen));
  if (o.count !== undefined) a.push('-c', String(o.count));
  if (o.nano) a.push('--time-stamp-precision', 'nano');
  if (o.filter && o.filter.length > 0) a.push('--', ...o.filter);
  return a;
}

/**
 * Parse tcpdump's closing counts ("N packets captured", "… received by filter", "… dropped by kernel").
 * @example parseTcpdumpCounts('3 packets captured\n4 packets received by filter\n0 packets dropped by kernel\n')
 * // { captured: 3, receivedByFilter: 4, droppedByKernel: 0 }
 */
export function parseTcpdumpCounts(stderr: string): CaptureCounts {
  const grab = (re: RegExp): number | undefined => {
    const m = re.exec(stderr);
    return m ? Number(m[1]) : undefined;
  };
  const c = {
    captured: grab(/(\d+) packets? captured/),
    receivedByFilter: grab(/(\d+) packets? received by filter/),
    droppedByKernel: grab(/(\d+) packets? dropped by kernel/),
    droppedByInterface: grab(/(\d+) packets? dropped by interface/),
  };
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

/** tcpdump's own message lines (without the listening banner and the counts). */
function tcpdumpMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^tcpdump: listening on|^\d+ packets? (captured|received|dropped)|^tcpdump: data link type/.test(l),
    )
    .join('; ');
}

/** Turn an unasked-for tcpdump exit into the error the user should see. */
export function classifyTcpdumpFailure(
  s: LiveCaptureSummary,
  iface: string | undefined,
  readIssue?: CaptureIssue,
): TcpscopeError {
  const msg = tcpdumpMessage(s.stderr) || '(no message)';
  if (/permission|not permitted/i.test(s.stderr)) {
    return new PermissionError(
      `capturing on ${iface ?? 'the default interface'} (${msg})`,
      'Run as root, or give tcpdump the capture capabilities: setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)".',
    );
  }
  const how = s.signal ? `was killed by ${s.signal}` : `exited with status ${s.exitCode}`;
  if (
    s.records === 0 &&
    s.signal === null &&
    /filter|syntax|expression|device|interface|option/i.test(s.stderr)
  ) {
    return new CaptureError(`tcpdump refused to start: ${msg}`);
  }
  const cut = readIssue ? ` (its output ended mid-record: ${readIssue.reason})` : '';
  return new CaptureError(
    `tcpdump ${how} after ${s.records} packet${s.records === 1 ? '' : 's'}${cut}: ${msg}. The packets captured so far were kept.`,
  );
}

/**
 * Capture live packets with tcpdump.
 * Iteration yields records as they arrive and throws a TcpscopeError (ToolMissingError,
 * PermissionError, CaptureError) after the last record if tcpdump failed or died.
 * @example
 * const cap = liveCapture({ iface: 'lo', filter: ['tcp', 'port', '8080'], count: 10 });
 * for await (const rec of cap) console.log(rec.tsNs, rec.caplen);
 * console.log((await cap.done).counts); // { captured: 10, receivedByFilter: 10, droppedByKernel: 0 }
 */
export function liveCapture(opts: LiveCaptureOptions): LiveCapture {
  const argv = tcpdumpArgs(opts);
  const tool = opts.tcpdumpPath ?? 'tcpdump';
  const killTimeoutMs = opts.killTimeoutMs ?? 3000;
  let out: WriteStream | undefined;
  if (opts.writePath !== undefined) {
    let fd: number;
    try {
      fd = openSync(opts.writePath, 'w');
    } catch (err) {
      throw new InputError(`cannot write ${opts.writePath}: ${(err as Error).message}`, { cause: err });
    }
    try {
      out = createWriteStream('', { fd });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }
  const child = (opts.spawn ?? nodeSpawn)(tool, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let requested = false;
  let records = 0;
  let spawnError: NodeJS.ErrnoException | undefined;
  child.stderr?.setEncoding('utf8');
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 65536) stderr += s;
    if (/listening on/.test(stderr)) markReady();
  });
  // 'exit' (not 'close': stdout may be unread and never close) plus the end of stderr (the counts).
  const stderrEnded = new Promise<void>((r) => {
    if (!child.stderr) r();
    child.stderr?.once('close', r);
    child.stderr?.once('error', () => r());
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => void stderrEnded.then(() => resolve({ code, signal })));
  });
  const running = () => child.exitCode === null && child.signalCode === null && spawnError === undefined;
  const onExit = () => {
    if (running()) child.kill('SIGKILL');
  };
  const onSignal = () => {
    void stop();
  };
  process.once('exit', onExit);
  if (opts.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const cleanupHooks = () => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  const done: Promise<LiveCaptureSummary> = exited.then(async ({ code, signal }) => {
    markReady();
    cleanupHooks();
    if (out) await new Promise<void>((r) => out.end(r));
    if (opts.count !== undefined && code === 0) requested = true;
    return { exitCode: code, signal, requested, counts: parseTcpdumpCounts(stderr), stderr, records };
  });

  async function stop(): Promise<LiveCaptureSummary> {
    requested = true;
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, killTimeoutMs);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    }
    return done;
  }

  const stream = child.stdout
    ? openCapture(child.stdout, { tee: out ? (b) => out.write(b) : undefined })
    : undefined;

  async function* iterate(): AsyncGenerator<CaptureRecord> {
    let outputEnded = false;
    try {
      if (stream) {
        for await (const batch of stream.batches()) {
          for (const r of batch) {
            records++;
            yield r;
          }
        }
      }
      outputEnded = true;
    } finally {
      // Consumer break or error: stop tcpdump now. It must never outlive the iteration.
      if (!outputEnded && running()) await stop();
    }
    // Output ended (tcpdump exited or closed stdout, or its output could not be read): give it
    // a moment to exit by itself, so an outside kill is reported as such, then make sure.
    const grace = new Promise((r) => setTimeout(r, Math.min(killTimeoutMs, 1000)).unref());
    await Promise.race([done, grace]);
    if (running()) {
      await stop();
      if (stream?.stop) throw new CaptureError(`cannot read tcpdump's output: ${stream.stop.reason}`);
    }
    const s = await done;
    if (spawnError) {
      if (spawnError.code === 'ENOENT') {
        throw new ToolMissingError(
          tool,
          'install it (Debian/Ubuntu: apt-get install tcpdump; Fedora: dnf install tcpdump).',
        );
      }
      if (spawnError.code === 'EACCES')
        throw new PermissionError(`running ${tool}`, 'Check its file permissions.');
      throw new CaptureError(`cannot start ${tool}: ${spawnError.message}`);
    }
    const clean =
      s.exitCode === 0 ||
      (s.requested && (s.signal === 'SIGTERM' || s.signal === 'SIGINT' || s.signal === 'SIGKILL'));
    if (!clean) throw classifyTcpdumpFailure(s, opts.iface, stream?.stop);
  }

  return {
    argv,
    get pid() {
      return child.pid;
    },
    get info() {
      return stream?.info;
    },
    issues: stream?.issues ?? [],
    stop,
    done,
    ready,
    get stderr() {
      return stderr;
    },
    [Symbol.asyncIterator]: iterate,
  };
}
