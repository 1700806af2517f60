/**
 * @module trace/procs
 * Signals and process exits. `signal:signal_generate` says which signal a task got and whether it
 * was delivered or ignored; `sched:sched_process_exit` says a process ended but not how, so the
 * exit is explained from what preceded it: an `exit_group(code)` call, else the last fatal signal
 * delivered to it. Pure.
 */
import type { ProcessEvent, SignalEvent } from '../events.js';
import type { TraceRecord } from './line.js';
import { signalName } from './names.js';
import { putBounded } from './owners.js';

type Rec<T extends TraceRecord['type']> = Extract<TraceRecord, { type: T }>;

const RESULTS = ['delivered', 'ignored', 'already-pending', 'overflow', 'lose-info'] as const;

/** Remembers exit codes and delivered signals per process until the process exits. */
export class ProcessTracker {
  private readonly fatal = new Map<string, number>();
  private readonly exitCodes = new Map<string, number>();
  /** Processes some of whose threads exited (tgid -> last such tid), until the last one does. */
  private readonly exiting = new Map<string, number>();

  /**
   * @example const procs = new ProcessTracker(new Set([13]), 10_000);
   */
  constructor(
    private readonly signals: ReadonlySet<number>,
    private readonly max: number,
  ) {}

  /** The SignalEvent for a generated signal that was asked for (others are only remembered). */
  signal(rec: Rec<'signal'>, tsNs: bigint, senderPid: number): SignalEvent | undefined {
    if (rec.result === 0) putBounded(this.fatal, String(rec.targetPid), rec.sig, this.max);
    if (!this.signals.has(rec.sig)) return undefined;
    return {
      kind: 'signal',
      tsNs,
      lens: 'process',
      sig: rec.sig,
      signame: signalName(rec.sig),
      pid: rec.targetPid,
      comm: rec.targetComm,
      result: RESULTS[rec.result] ?? 'unknown',
      senderPid,
    };
  }

  /** Remembers the status a process passed to exit_group(). */
  exitGroup(rec: Rec<'exit-group'>): void {
    putBounded(this.exitCodes, String(rec.tgid ?? rec.tid), rec.code, this.max);
  }

  /**
   * The ProcessEvent for the last thread of a process, when `wanted(pid)`; `commOf` names it.
   *
   * tracefs learns a thread's tgid only when the thread is switched out after an event on its
   * CPU, so the line of a last thread that never ran since (a Node helper thread) can be read
   * before its tgid is known: `(-------)`. Such a line is given to the process whose other
   * threads were just seen exiting, when exactly one wanted process is in that state.
   */
  exit(
    rec: Rec<'exit'>,
    tsNs: bigint,
    wanted: (pid: number) => boolean,
    commOf: (pid: number) => string | undefined = () => undefined,
  ): ProcessEvent | undefined {
    if (!rec.groupDead) {
      if (rec.tgid !== undefined) putBounded(this.exiting, String(rec.tgid), rec.exitTid, this.max);
      return undefined;
    }
    const pid = rec.tgid ?? this.dyingOwner(rec.exitTid, wanted);
    this.exiting.delete(String(pid));
    const code = this.exitCodes.get(String(pid));
    const sig = this.fatal.get(String(pid)) ?? this.fatal.get(String(rec.exitTid));
    this.exitCodes.delete(String(pid));
    this.fatal.delete(String(pid));
    if (!wanted(pid)) return undefined;
    return {
      kind: 'process',
      tsNs,
      lens: 'process',
      action: 'exit',
      pid,
      comm: commOf(pid) ?? rec.exitComm,
      exitCode: code ?? null,
      signal: code === undefined && sig !== undefined ? signalName(sig) : null,
    };
  }

  /** The wanted process a last thread of unknown tgid most likely belongs to (else the tid). */
  private dyingOwner(tid: number, wanted: (pid: number) => boolean): number {
    if (wanted(tid)) return tid;
    let found: number | undefined;
    for (const key of this.exiting.keys()) {
      const pid = Number(key);
      if (!wanted(pid)) continue;
      if (found !== undefined) return tid; // two candidates: do not guess
      found = pid;
    }
    return found ?? tid;
  }
}
