/**
 * @module trace/owners
 * Who owns a traced socket. The pid inside a tracepoint is whatever ran on the CPU (softirq, or the
 * peer on loopback), so ownership is learned, then cached by 4-tuple: a transition made in process
 * context (no softirq/irq flag: connect, listen, close, shutdown, backlog processing under the
 * socket lock) is made by the owner; accepted sockets inherit the listener's owner; an fd scan
 * (`setOwner`) fills in the rest. Bounded maps (oldest entries evicted). Pure.
 */
import type { Endpoint } from '../events.js';
import { inInterrupt } from './line.js';
import type { SocketOwnerInfo } from './types.js';

/** The owner fields an event carries. */
export interface Attribution {
  readonly pid?: number;
  readonly comm?: string;
  /** true when `pid` owns the socket; false when it is only the task that was on the CPU. */
  readonly pidIsOwner: boolean;
}

/** The task columns of a trace line. */
export interface TaskContext {
  readonly tid: number;
  readonly tgid?: number | undefined;
  readonly comm: string;
  readonly flags: string;
}

/** Map key of one socket, seen from its own side. */
export const sockKey = (l: Endpoint, r: Endpoint): string => `${l.addr}:${l.port}>${r.addr}:${r.port}`;

/** Map.set that evicts the oldest entry beyond `max`. */
export function putBounded<V>(m: Map<string, V>, k: string, v: V, max: number): void {
  if (m.size >= max && !m.has(k)) {
    const first = m.keys().next();
    if (first.done !== true) m.delete(first.value);
  }
  m.set(k, v);
}

/** The owner cache. */
export class OwnerTracker {
  private readonly owners = new Map<string, SocketOwnerInfo>();
  private readonly listeners = new Map<string, SocketOwnerInfo>();
  private readonly comms = new Map<string, string>();
  /** Pids that owned a watched socket (their exits are reported). */
  readonly pids = new Set<number>();
  /** 4-tuples seen without an owner (the tracer may resolve them by fd scan). */
  readonly unowned = new Map<string, { local: Endpoint; remote: Endpoint }>();

  /**
   * @example const owners = new OwnerTracker(200_000, (pid) => readComm(pid));
   */
  constructor(
    private readonly max: number,
    private readonly commOf?: (pid: number) => string | undefined,
  ) {}

  /** Records the owner of a 4-tuple (e.g. from the socket reader's fd scan). */
  set(local: Endpoint, remote: Endpoint, owner: SocketOwnerInfo): void {
    const key = sockKey(local, remote);
    putBounded(this.owners, key, owner, this.max);
    if (remote.port === 0) putBounded(this.listeners, `${local.addr}:${local.port}`, owner, this.max);
    this.unowned.delete(key);
    this.remember(owner);
  }

  get(key: string): SocketOwnerInfo | undefined {
    return this.owners.get(key);
  }

  /** The last known name of an owner pid. */
  commOfPid(pid: number): string | undefined {
    return this.comms.get(String(pid));
  }

  /**
   * The task on the CPU, with its name looked up when tracefs printed `<...>`: the name already
   * seen for that pid first, /proc only for a new pid (events are read a little late, and by then
   * a pid that exited may belong to another process).
   */
  task(rec: { tid: number; tgid?: number | undefined; comm: string }): SocketOwnerInfo {
    const pid = rec.tgid ?? rec.tid;
    const comm =
      rec.comm === '<...>' ? (this.comms.get(String(pid)) ?? this.commOf?.(pid) ?? rec.comm) : rec.comm;
    return { pid, comm };
  }

  private remember(o: SocketOwnerInfo): void {
    this.pids.add(o.pid);
    if (o.comm !== '<...>') putBounded(this.comms, String(o.pid), o.comm, this.max);
  }

  /** Attributes an event on socket local → remote seen in task context `rec`. */
  attribute(rec: TaskContext, local: Endpoint, remote: Endpoint): Attribution {
    const key = sockKey(local, remote);
    if (!inInterrupt(rec.flags) && rec.tid !== 0 && !rec.comm.startsWith('kworker') && local.port !== 0) {
      const task = this.task(rec);
      const known = this.owners.get(key);
      if (
        known === undefined ||
        known.pid !== task.pid ||
        (known.comm !== task.comm && task.comm !== '<...>')
      ) {
        putBounded(this.owners, key, task, this.max);
        this.unowned.delete(key);
        this.remember(task);
      }
      if (remote.port === 0) putBounded(this.listeners, `${local.addr}:${local.port}`, task, this.max);
      return { pid: task.pid, comm: task.comm, pidIsOwner: true };
    }
    const known =
      this.owners.get(key) ??
      this.listeners.get(`${local.addr}:${local.port}`) ??
      this.listeners.get(`${local.addr.includes(':') ? '::' : '0.0.0.0'}:${local.port}`);
    if (known) {
      if (!this.owners.has(key)) putBounded(this.owners, key, known, this.max);
      return { pid: known.pid, comm: known.comm, pidIsOwner: true };
    }
    if (local.port !== 0 && this.unowned.size < 10_000) this.unowned.set(key, { local, remote });
    if (rec.tid === 0) return { pidIsOwner: false };
    const t = this.task(rec);
    return { pid: t.pid, comm: t.comm, pidIsOwner: false };
  }
}
