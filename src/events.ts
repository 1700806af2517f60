/**
 * @module events
 * The one event model every lens produces (see DESIGN.md "The event model"). Each event carries
 * `tsNs` (CLOCK_REALTIME, nanoseconds since the epoch, as a bigint) and, where it has one, a
 * direction-free `flow` key. Events are plain data: JSON-safe once bigints are stringified
 * (use `eventToJson`).
 */

/** Which lens produced an event. */
export type Lens = 'wire' | 'kernel' | 'process' | 'socket-table' | 'lab';

/** One end of a TCP connection. `addr` is printed the way tcpdump -n prints it. */
export interface Endpoint {
  readonly addr: string;
  readonly port: number;
}

/**
 * Canonical connection key: the lower endpoint (by address string, then port) first, so both
 * directions of one connection share it. Build it with `flowKey`.
 */
export type FlowKey = string;

/** Linux TCP state names as the kernel's tracepoints and /proc print them (without `TCP_`). */
export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'BOUND_INACTIVE';

/** Every TcpState in the kernel's numbering order (include/net/tcp_states.h: ESTABLISHED = 1). */
export const TCP_STATES: readonly TcpState[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'BOUND_INACTIVE',
];

interface EventBase {
  /** CLOCK_REALTIME in nanoseconds. */
  readonly tsNs: bigint;
  readonly lens: Lens;
  /** Direction-free connection key, when the event belongs to one connection. */
  readonly flow?: FlowKey;
}

/** A packet seen on the wire. `line` is the tcpdump -n line (without the timestamp). */
export interface PacketEvent extends EventBase {
  readonly kind: 'packet';
  readonly index: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly flags: string;
  readonly seq: number;
  readonly ack: number;
  readonly payloadLength: number;
  readonly line: string;
}

/** A kernel state transition (`sock:inet_sock_set_state`), or one inferred from packets/polls. */
export interface StateEvent extends EventBase {
  readonly kind: 'state';
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly oldState: TcpState;
  readonly newState: TcpState;
  /** How the transition is known: traced by the kernel, inferred from packets, or sampled. */
  readonly source: 'traced' | 'inferred' | 'sampled' | 'synthesized';
  readonly pid?: number;
  readonly comm?: string;
  /** true when `pid` owns the socket; false when it is only the task that was on the CPU. */
  readonly pidIsOwner?: boolean;
  readonly note?: string;
  /** How long the socket was in `oldState`, when the tracer saw it enter it. */
  readonly inOldStateNs?: bigint;
}

/** A reset sent or received by the kernel. */
export interface ResetEvent extends EventBase {
  readonly kind: 'reset';
  readonly direction: 'sent' | 'received';
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state?: TcpState;
  /** Kernel reason (`TCP_TIMEWAIT_SOCKET`, `NO_SOCKET`, …) when the kernel reports it. */
  readonly reason?: string;
  readonly pid?: number;
  readonly comm?: string;
  /** true when `pid` owns the socket; false when it is only the task that was on the CPU. */
  readonly pidIsOwner?: boolean;
}

export interface RetransmitEvent extends EventBase {
  readonly kind: 'retransmit';
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state?: TcpState;
}

/** A signal generated for a process (`signal:signal_generate`). */
export interface SignalEvent extends EventBase {
  readonly kind: 'signal';
  readonly sig: number;
  readonly signame: string;
  readonly pid: number;
  readonly comm: string;
  /** Kernel's result code: delivered, ignored, already pending, … */
  readonly result: 'delivered' | 'ignored' | 'already-pending' | 'overflow' | 'lose-info' | 'unknown';
  readonly senderPid?: number;
}

/** A socket system call's result for a watched process. */
export interface SyscallEvent extends EventBase {
  readonly kind: 'syscall';
  readonly pid: number;
  readonly comm: string;
  readonly name: string;
  readonly ret: number;
  /** errno name for negative returns, e.g. `EPIPE`. */
  readonly errno?: string;
}

/** A process exited (`sched:sched_process_exit` or the lab's own child handle). */
export interface ProcessEvent extends EventBase {
  readonly kind: 'process';
  readonly action: 'start' | 'exit';
  readonly pid: number;
  readonly comm: string;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
}

/** One row of the socket table at one moment (netstat/ss columns). */
export interface SocketSnapshotEvent extends EventBase {
  readonly kind: 'socket-snapshot';
  readonly rows: readonly SocketRowSummary[];
  readonly reason?: string;
}

export interface SocketRowSummary {
  readonly proto: 'tcp' | 'tcp6';
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state: TcpState;
  readonly recvQ: number;
  readonly sendQ: number;
  readonly pid?: number;
  readonly comm?: string;
}

/** A line a lab peer wrote to `trace_marker`, or a note from the lab runner. */
export interface MarkerEvent extends EventBase {
  readonly kind: 'marker';
  readonly pid?: number;
  readonly text: string;
}

/** An explanation attached to the timeline (by an analyzer or the lab). */
export interface AnnotationEvent extends EventBase {
  readonly kind: 'annotation';
  readonly key: string;
  readonly text: string;
}

export type TimelineEvent =
  | PacketEvent
  | StateEvent
  | ResetEvent
  | RetransmitEvent
  | SignalEvent
  | SyscallEvent
  | ProcessEvent
  | SocketSnapshotEvent
  | MarkerEvent
  | AnnotationEvent;

function endpointLess(a: Endpoint, b: Endpoint): boolean {
  if (a.addr !== b.addr) return a.addr < b.addr;
  return a.port < b.port;
}

/**
 * Direction-free key for a connection.
 * @example flowKey({addr:'127.0.0.1',port:8006},{addr:'127.0.0.1',port:40000}) === flowKey(b, a)
 */
export function flowKey(a: Endpoint, b: Endpoint): FlowKey {
  const [lo, hi] = endpointLess(a, b) ? [a, b] : [b, a];
  return `${lo.addr}.${lo.port}-${hi.addr}.${hi.port}`;
}

/** JSON.stringify replacer that writes bigints as decimal strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** One event as a JSON line (NDJSON). */
export function eventToJson(event: TimelineEvent): string {
  return JSON.stringify(event, jsonReplacer);
}

/** Sort merged events by time, keeping source order for ties (stable sort). */
export function sortTimeline<T extends { tsNs: bigint }>(events: T[]): T[] {
  return events.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
}
