/**
 * @module trace/setup
 * Opens the kernel lens: resolves (or mounts) tracefs, removes stale instances, creates and
 * configures a private one, enables each event with a filter built from its format file, measures
 * the clock offset and opens trace_pipe. Any failure undoes every step before rethrowing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TcpscopeError } from '../util/errors.js';
import { measureClockOffset } from './clock.js';
import { hasField, symbolNames, type EventFormat, type FilterWants } from './format.js';
import {
  closeQuietly,
  configureInstance,
  createInstance,
  destroyInstance,
  enableEvent,
  openTracePipe,
  removeStaleInstances,
  resolveTracefs,
  unmountTracefs,
} from './tracefs.js';
import type { ClockInfo, TraceCapabilities, TraceOptions } from './types.js';

/** Socket calls traced with `includeSyscalls`. */
export const SOCKET_SYSCALLS = [
  'connect',
  'accept4',
  'sendto',
  'sendmsg',
  'write',
  'writev',
  'recvfrom',
  'read',
  'close',
  'shutdown',
];

/** Extra signals always captured (not reported) so a process exit can say which one killed it. */
const FATAL_SIGNALS = [1, 2, 3, 6, 9, 11, 14, 15];

/** A configured instance with its trace_pipe open. */
export interface OpenedInstance {
  readonly root: string;
  /** true when tracefs was mounted by us (and must be unmounted at teardown). */
  readonly mounted: boolean;
  readonly instance: string;
  readonly fd: number;
  readonly capabilities: TraceCapabilities;
  readonly clock: ClockInfo;
}

/**
 * Sets up the private instance for `traceTcp`.
 * @example const { instance, fd } = openTraceInstance({}, { ports: [8006], signals: [13], pids: [] });
 */
export function openTraceInstance(
  options: TraceOptions,
  want: { ports: number[]; signals: number[]; pids: number[] },
): OpenedInstance {
  const { ports, signals, pids } = want;
  const { root, mounted } = resolveTracefs(
    options.tracefsRoot ?? '/sys/kernel/tracing',
    options.mount ?? options.tracefsRoot === undefined,
  );
  const prefix = options.instancePrefix ?? 'tcpscope';
  let instance: string;
  try {
    removeStaleInstances(root, prefix);
    instance = createInstance(root, prefix);
  } catch (err) {
    if (mounted) unmountTracefs(root);
    throw err;
  }
  let fd = -1;
  let capabilities: TraceCapabilities;
  let clock: ClockInfo;
  try {
    configureInstance(instance, options.bufferSizeKb ?? 4096);
    const wants: FilterWants = { ports, signals: [...new Set([...signals, ...FATAL_SIGNALS])], pids };
    const events = [
      'sock/inet_sock_set_state',
      'tcp/tcp_send_reset',
      'tcp/tcp_receive_reset',
      'tcp/tcp_destroy_sock',
      'signal/signal_generate',
    ];
    if (options.retransmits !== false) events.push('tcp/tcp_retransmit_skb');
    if (options.processExits !== false)
      events.push('sched/sched_process_exit', 'syscalls/sys_enter_exit_group');
    if (options.includeSyscalls === true)
      for (const s of SOCKET_SYSCALLS) events.push(`syscalls/sys_exit_${s}`);
    const enabled: string[] = [];
    const missing: string[] = [];
    let resetFormat: EventFormat | undefined;
    for (const ev of events) {
      const w = ev === 'syscalls/sys_enter_exit_group' ? { ...wants, pids } : wants;
      const f = enableEvent(instance, ev, w);
      if (f) enabled.push(ev);
      else missing.push(ev);
      if (ev === 'tcp/tcp_send_reset') resetFormat = f;
    }
    if (!enabled.includes('sock/inet_sock_set_state'))
      throw new TcpscopeError(
        'TCPSCOPE_ERR_TRACEFS',
        'this kernel has no sock:inet_sock_set_state tracepoint',
      );
    capabilities = {
      resetReason: hasField(resetFormat, 'reason'),
      resetState: hasField(resetFormat, 'state'),
      resetReasons: resetFormat ? symbolNames(resetFormat.printFmt, 'reason') : [],
      events: enabled,
      missing,
    };
    const traceClock =
      /\[(\w+)\]/.exec(readFileSync(join(instance, 'trace_clock'), 'utf8'))?.[1] ?? 'unknown';
    const off = measureClockOffset();
    clock = {
      traceClock,
      offsetNs: off.offsetNs,
      uncertaintyNs: off.uncertaintyNs,
      samples: off.samples,
      resolutionNs: 1000n,
    };
    fd = openTracePipe(instance);
  } catch (err) {
    if (fd >= 0) closeQuietly(fd);
    destroyInstance(instance);
    if (mounted) unmountTracefs(root);
    throw err;
  }

  return { root, mounted, instance, fd, capabilities, clock };
}
