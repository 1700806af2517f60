/**
 * @module trace/types
 * Public types of the kernel lens: the options of `traceTcp`, its loss/volume counters, the
 * measured clock offset and the handle it returns.
 */
import type { Endpoint, TimelineEvent } from '../events.js';

/** The owner of one socket, as the socket reader's fd scan or syscall context found it. */
export interface SocketOwnerInfo {
  readonly pid: number;
  readonly comm: string;
}

/**
 * Looks up the process owning the socket `local` → `remote` (an fd scan, e.g. `readSockets`).
 * Returns undefined when no process holds it (orphaned, not yet accepted, or gone).
 */
export type OwnerLookup = (
  local: Endpoint,
  remote: Endpoint,
) => SocketOwnerInfo | undefined | Promise<SocketOwnerInfo | undefined>;

/** Options of `traceTcp`. Every field is optional. */
export interface TraceOptions {
  /** Ports to watch (local or remote side). Empty/absent: every TCP port. Filtered in the kernel. */
  readonly ports?: readonly number[];
  /** Processes of interest: their syscalls are traced (with `includeSyscalls`) and exits reported. */
  readonly pids?: readonly number[];
  /** Signal numbers reported by `signal:signal_generate`. Default `[13]` (SIGPIPE). */
  readonly signals?: readonly number[];
  /** Where tracefs is mounted. Default `/sys/kernel/tracing`. */
  readonly tracefsRoot?: string;
  /** Mount tracefs at `tracefsRoot` when it is not mounted (root only). Default: only for the default root. */
  readonly mount?: boolean;
  /** Per-CPU ring buffer size in KiB. Default 4096. */
  readonly bufferSizeKb?: number;
  /** Trace `sys_exit_*` of socket calls: of `pids` when given, else only failing sends. Default false. */
  readonly includeSyscalls?: boolean;
  /** Report lines written to the instance's `trace_marker`. Default true. */
  readonly markers?: boolean;
  /** Report `tcp:tcp_retransmit_skb`. Default true. */
  readonly retransmits?: boolean;
  /** Report process exits (`sched:sched_process_exit`) of socket owners and `pids`. Default true. */
  readonly processExits?: boolean;
  /** Synthesize TIME_WAIT (the tracepoint never reports it). Default true. */
  readonly synthesizeTimeWait?: boolean;
  /** Resolve owners by fd scan; default uses `readSockets` (rate-limited). `null` disables it. */
  readonly ownerLookup?: OwnerLookup | null;
  /** How often trace_pipe is drained, in ms. Default 20. */
  readonly pollIntervalMs?: number;
  /** Instance name prefix (the pid is appended). Default `tcpscope`. */
  readonly instancePrefix?: string;
  /** Install SIGINT/SIGTERM/SIGHUP handlers that tear the instance down. Default true. */
  readonly handleSignals?: boolean;
  /** Abort tracing (same as `stop()`). */
  readonly signal?: AbortSignal;
}

/** Loss and volume counters. `complete` is false as soon as any event was lost. */
export interface TraceStats {
  /** trace_pipe lines read. */
  readonly lines: number;
  /** TimelineEvents produced. */
  readonly events: number;
  /** Lines the parser could not use (counted, never fatal). */
  readonly unparsed: number;
  /** Sum of `[LOST N EVENTS]` lines seen in trace_pipe. */
  readonly lostInPipe: number;
  /** Sum over CPUs of `per_cpu/cpuN/stats` overrun. */
  readonly overrun: number;
  /** Sum over CPUs of `per_cpu/cpuN/stats` dropped events. */
  readonly dropped: number;
  /** Best estimate of events lost (max of the pipe count and the per-CPU counters). */
  readonly lostEvents: number;
  /** True only when no event was lost. */
  readonly complete: boolean;
}

/** The monotonic → realtime conversion measured at start (DESIGN.md "One clock"). */
export interface ClockInfo {
  /** The instance's trace_clock (`mono`). */
  readonly traceClock: string;
  /** realtime ns = mono ns + offsetNs. */
  readonly offsetNs: bigint;
  /** Half-width of the interval the offset is known within, in ns. */
  readonly uncertaintyNs: bigint;
  /** How many samples were taken; the tightest was kept. */
  readonly samples: number;
  /** trace_pipe text has microsecond timestamps: the resolution of every kernel event, in ns. */
  readonly resolutionNs: bigint;
}

/** What the kernel here offers: which optional fields and events exist. */
export interface TraceCapabilities {
  readonly resetReason: boolean;
  readonly resetState: boolean;
  /** Every reset reason the kernel's format file lists, in order. */
  readonly resetReasons: readonly string[];
  readonly events: readonly string[];
  /** Events that were asked for and are missing on this kernel. */
  readonly missing: readonly string[];
}

/** The running tracer: iterate it for events, then `stop()` (iteration also ends on stop). */
export interface TcpTrace extends AsyncIterable<TimelineEvent> {
  /** Tears the instance down (disable events, rmdir); idempotent. */
  stop(): Promise<void>;
  /**
   * Replaces the watched ports (kernel filters are rewritten in place; empty: every TCP port). For
   * servers bound to port 0: start with the ports you know, add the real one once it is bound.
   */
  setPorts(ports: readonly number[]): void;
  /** Current counters (per-CPU stats are re-read). */
  stats(): TraceStats;
  readonly clock: ClockInfo;
  readonly capabilities: TraceCapabilities;
  /** Absolute path of the private tracefs instance. */
  readonly instancePath: string;
  /** Absolute path of the instance's `trace_marker` (lab peers write lines into it). */
  readonly markerPath: string;
  /** Resolves when tracing has ended (stop, signal, error); rejects on a reader error. */
  readonly done: Promise<void>;
}
