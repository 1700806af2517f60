/**
 * @module trace/line
 * Pure parser for tracefs `trace_pipe` text lines into typed kernel records. Knows both field
 * layouts seen in the wild (e.g. `tcp_send_reset` with `src=`/`dest=` sockaddrs on new kernels,
 * `sport=`/`saddr=` on old ones); a field the kernel does not print is simply absent from the
 * record. `[LOST N EVENTS]` lines become `lost` records. Never throws: unusable lines are issues.
 */
import type { Endpoint, TcpState } from '../events.js';
import {
  bodyField,
  endpointsOf,
  parseKeyValues,
  parseSyscallRet,
  parseTcpState,
  portEndpoints,
} from './fields.js';

/** The context every trace_pipe event line starts with. */
export interface TraceLineHeader {
  /** Task name as tracefs remembered it (`<...>` when unknown). */
  readonly comm: string;
  /** Thread id of the task that was on the CPU (0 = idle). */
  readonly tid: number;
  /** Thread-group id (the process), when `record-tgid` was on and known. */
  readonly tgid: number | undefined;
  readonly cpu: number;
  /** The latency flags column, e.g. `..s2.` (`s`: softirq, `h`/`H`: hard irq). */
  readonly flags: string;
  /** Timestamp on the instance's trace_clock, microseconds (trace_pipe prints µs). */
  readonly monoUs: number;
}

/** Is the on-CPU task running in interrupt context (softirq/hardirq) per the flags column? */
export function inInterrupt(flags: string): boolean {
  const c = flags.charCodeAt(2);
  return c === 115 /* s */ || c === 104 /* h */ || c === 72; /* H */
}

export type TraceRecord =
  | (TraceLineHeader & {
      readonly type: 'state';
      readonly family: 4 | 6;
      readonly protocol: string | undefined;
      readonly local: Endpoint;
      readonly remote: Endpoint;
      readonly oldState: TcpState;
      readonly newState: TcpState;
    })
  | (TraceLineHeader & {
      readonly type: 'send-reset';
      readonly local: Endpoint;
      readonly remote: Endpoint;
      readonly state?: TcpState;
      readonly reason?: string;
    })
  | (TraceLineHeader & {
      readonly type: 'receive-reset';
      readonly local: Endpoint;
      readonly remote: Endpoint;
    })
  | (TraceLineHeader & {
      readonly type: 'retransmit';
      readonly local: Endpoint;
      readonly remote: Endpoint;
      readonly state?: TcpState;
    })
  | (TraceLineHeader & { readonly type: 'destroy'; readonly local: Endpoint; readonly remote: Endpoint })
  | (TraceLineHeader & {
      readonly type: 'signal';
      readonly sig: number;
      /** Target task id and name. */
      readonly targetPid: number;
      readonly targetComm: string;
      /** Kernel result: 0 delivered, 1 ignored, 2 already pending, 3 overflow, 4 lose info. */
      readonly result: number;
      readonly group: boolean;
    })
  | (TraceLineHeader & {
      readonly type: 'exit';
      /** The exiting thread (`pid=` field). */
      readonly exitTid: number;
      readonly exitComm: string;
      readonly groupDead: boolean;
    })
  | (TraceLineHeader & { readonly type: 'exit-group'; readonly code: number })
  | (TraceLineHeader & { readonly type: 'syscall'; readonly name: string; readonly ret: number })
  | (TraceLineHeader & { readonly type: 'marker'; readonly text: string })
  | (TraceLineHeader & { readonly type: 'other'; readonly event: string; readonly body: string })
  | { readonly type: 'lost'; readonly cpu?: number; readonly count: number };

/** A line the parser could not use; quotes the text. */
export interface TraceLineIssue {
  readonly type: 'issue';
  readonly reason: string;
  readonly raw: string;
}

const HEADER = /^\s*(.*?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+(\S+)\s+(\d+)\.(\d+): /;
const LOST = /\[LOST (\d+) EVENTS\]/;

function decodeBody(h: TraceLineHeader, event: string, body: string): TraceRecord | TraceLineIssue {
  switch (event) {
    case 'inet_sock_set_state': {
      const ep = portEndpoints(body);
      const oldState = parseTcpState(bodyField(body, 'oldstate'));
      const newState = parseTcpState(bodyField(body, 'newstate'));
      if (!ep || !oldState || !newState)
        return { type: 'issue', reason: 'inet_sock_set_state fields', raw: body };
      // Written out (no object spread): this is the hot path.
      return {
        type: 'state',
        comm: h.comm,
        tid: h.tid,
        tgid: h.tgid,
        cpu: h.cpu,
        flags: h.flags,
        monoUs: h.monoUs,
        family: ep.family,
        protocol: bodyField(body, 'protocol'),
        local: ep.local,
        remote: ep.remote,
        oldState,
        newState,
      };
    }
    case 'tcp_send_reset': {
      const ep = endpointsOf(body);
      if (!ep) return { type: 'issue', reason: 'tcp_send_reset endpoints', raw: body };
      return {
        ...h,
        type: 'send-reset',
        local: ep.local,
        remote: ep.remote,
        state: parseTcpState(bodyField(body, 'state')),
        reason: bodyField(body, 'reason'),
      };
    }
    case 'tcp_receive_reset':
    case 'tcp_destroy_sock': {
      const ep = endpointsOf(body);
      if (!ep) return { type: 'issue', reason: `${event} endpoints`, raw: body };
      return {
        type: event === 'tcp_receive_reset' ? 'receive-reset' : 'destroy',
        comm: h.comm,
        tid: h.tid,
        tgid: h.tgid,
        cpu: h.cpu,
        flags: h.flags,
        monoUs: h.monoUs,
        local: ep.local,
        remote: ep.remote,
      };
    }
    case 'tcp_retransmit_skb': {
      const ep = endpointsOf(body);
      if (!ep) return { type: 'issue', reason: 'tcp_retransmit_skb endpoints', raw: body };
      return {
        ...h,
        type: 'retransmit',
        local: ep.local,
        remote: ep.remote,
        state: parseTcpState(bodyField(body, 'state')),
      };
    }
    case 'signal_generate':
      return decodeSignal(h, body);
    case 'sched_process_exit': {
      // comm may contain spaces: take it between `comm=` and the last ` pid=`.
      const p = body.lastIndexOf(' pid=');
      const kv = parseKeyValues(body.slice(p + 1));
      const exitTid = Number(kv.get('pid'));
      if (p < 0 || !Number.isInteger(exitTid))
        return { type: 'issue', reason: 'sched_process_exit pid', raw: body };
      return {
        ...h,
        type: 'exit',
        exitTid,
        exitComm: body.startsWith('comm=') ? body.slice(5, p) : h.comm,
        groupDead: kv.get('group_dead') === 'true' || kv.get('group_dead') === '1',
      };
    }
    case 'tracing_mark_write':
      return { ...h, type: 'marker', text: body };
    default:
      return { ...h, type: 'other', event, body };
  }
}

function decodeSignal(h: TraceLineHeader, body: string): TraceRecord | TraceLineIssue {
  const c = body.indexOf(' comm=');
  const p = body.lastIndexOf(' pid=');
  if (c < 0 || p < c) return { type: 'issue', reason: 'signal_generate fields', raw: body };
  const head = parseKeyValues(body.slice(0, c));
  const tail = parseKeyValues(body.slice(p + 1));
  const sig = Number(head.get('sig'));
  const targetPid = Number(tail.get('pid'));
  const result = Number(tail.get('res') ?? 'NaN');
  if (!Number.isInteger(sig) || !Number.isInteger(targetPid))
    return { type: 'issue', reason: 'signal_generate sig/pid', raw: body };
  return {
    ...h,
    type: 'signal',
    sig,
    targetPid,
    targetComm: body.slice(c + 6, p),
    result: Number.isInteger(result) ? result : -1,
    group: tail.get('grp') === '1',
  };
}

/**
 * Parses one trace_pipe line (without its newline).
 * @example
 * parseTraceLine('  node-8442 (  8442) [001] dN.1.  830.112864: signal_generate: sig=13 errno=0 code=0 comm=seedclient pid=8442 grp=0 res=0')
 * // { type: 'signal', sig: 13, targetPid: 8442, result: 0, monoUs: 830112864, ... }
 */
export function parseTraceLine(line: string): TraceRecord | TraceLineIssue {
  const m = HEADER.exec(line);
  if (!m) {
    const lost = LOST.exec(line);
    if (lost) {
      const cpu = /CPU:(\d+)/.exec(line);
      return { type: 'lost', count: Number(lost[1]), ...(cpu ? { cpu: Number(cpu[1]) } : {}) };
    }
    return { type: 'issue', reason: 'not a trace_pipe event line', raw: line };
  }
  const tgidText = m[3];
  const frac = m[7] as string;
  // trace_pipe prints 6 fractional digits for ns clocks; scale anything else to µs.
  const fracUs = frac.length === 6 ? Number(frac) : Math.round(Number(`0.${frac}`) * 1e6);
  const h: TraceLineHeader = {
    comm: m[1] as string,
    tid: Number(m[2]),
    tgid: tgidText !== undefined && tgidText.charCodeAt(0) !== 45 ? Number(tgidText) : undefined,
    cpu: Number(m[4]),
    flags: m[5] as string,
    monoUs: Number(m[6]) * 1e6 + fracUs,
  };
  const rest = line.slice(m[0].length);
  const colon = rest.indexOf(': ');
  const paren = rest.indexOf('(');
  // Syscall events print `sys_write -> 0x3a` / `sys_exit_group(error_code: 3)`, without `name:`.
  if (rest.startsWith('sys_')) {
    const arrow = rest.indexOf(' -> ');
    if (arrow > 0)
      return {
        ...h,
        type: 'syscall',
        name: rest.slice(4, arrow),
        ret: parseSyscallRet(rest.slice(arrow + 4)),
      };
    if (paren > 0 && rest.startsWith('sys_exit_group(')) {
      const v = rest.slice(rest.indexOf(':', paren) + 1, rest.lastIndexOf(')'));
      return { ...h, type: 'exit-group', code: parseSyscallRet(v) };
    }
  }
  if (colon < 0) return { ...h, type: 'other', event: rest, body: '' };
  return decodeBody(h, rest.slice(0, colon), rest.slice(colon + 2));
}
