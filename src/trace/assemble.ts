/**
 * @module trace/assemble
 * Turns parsed kernel records into `TimelineEvent`s. Pure (clock offset and name lookup are
 * injected). It:
 * - converts mono µs to realtime ns with the measured offset;
 * - attributes each connection to its owner: a transition made in process context (no softirq or
 *   irq flag: connect, listen, close, shutdown, backlog processing under the socket lock) is made
 *   by the owner; accepted sockets inherit the listener's owner; an fd scan can fill in the rest
 *   (`setOwner`). Owners are cached by 4-tuple; events say whether `pid` is the owner;
 * - fills in the local port of `CLOSE → SYN_SENT` (the kernel prints sport=0 there) from the
 *   connection's next transition, holding output back until then so it stays in time order;
 * - synthesizes TIME_WAIT: the tracepoint reports FIN_WAIT2 → CLOSE when a time-wait
 *   mini-socket takes over the 4-tuple; it is reported as FIN_WAIT2 → TIME_WAIT, and
 *   TIME_WAIT → CLOSE when that mini-socket sends a reset or its timer runs out;
 * - tracks time spent in each state.
 */
import type { Endpoint, StateEvent, TcpState, TimelineEvent } from '../events.js';
import { flowKey } from '../events.js';
import { inInterrupt, type TraceRecord } from './line.js';
import { OwnerTracker, putBounded, sockKey, type Attribution, type TaskContext } from './owners.js';
import { traceNote } from './explain.js';
import { errnoName } from './names.js';
import { ProcessTracker } from './procs.js';
import type { SocketOwnerInfo } from './types.js';

export interface AssemblerOptions {
  /** realtime ns = mono ns + offsetNs. */
  readonly offsetNs: bigint;
  /** Ports of interest (empty: all). */
  readonly ports?: readonly number[];
  /** Signals to report. Others are only used to explain process exits. */
  readonly signals?: readonly number[];
  /** Pids of interest: their exits are reported even when they own no watched socket. */
  readonly pids?: readonly number[];
  readonly synthesizeTimeWait?: boolean;
  /** TIME_WAIT length used to synthesize the expiry. Default 60 000 ms (Linux TCP_TIMEWAIT_LEN). */
  readonly timeWaitMs?: number;
  /** How long a `CLOSE → SYN_SENT` with sport=0 waits for its port, µs. Default 2 000 000. */
  readonly holdUs?: number;
  /** Process name lookup for tasks tracefs printed as `<...>`. */
  readonly commOf?: (pid: number) => string | undefined;
  /** Cache bound (entries per map). Default 200 000. */
  readonly maxEntries?: number;
}

interface SockInfo {
  state: TcpState;
  sinceUs: number;
}
interface Slot {
  ev: TimelineEvent | undefined;
  monoUs: number;
}
interface PendingConnect {
  slot: Slot;
  rec: Extract<TraceRecord, { type: 'state' }>;
  owner: SocketOwnerInfo;
}

/** Stateful record → event converter; see the module comment. */
export class TraceAssembler {
  private readonly o: AssemblerOptions;
  private ports: Set<number>;
  private readonly signals: Set<number>;
  private readonly pids: Set<number>;
  private readonly max: number;
  /** The owner cache (exposed so the tracer can resolve `unowned` 4-tuples by fd scan). */
  readonly owners: OwnerTracker;
  private readonly socks = new Map<string, SockInfo>();
  private readonly timeWait = new Map<string, { monoUs: number; local: Endpoint; remote: Endpoint }>();
  private readonly resetRx = new Map<string, number>();
  private readonly pending = new Map<string, PendingConnect[]>();
  private readonly procs: ProcessTracker;
  private readonly out: Slot[] = [];
  lastMonoUs = 0;

  constructor(options: AssemblerOptions) {
    this.o = options;
    this.ports = new Set(options.ports ?? []);
    this.signals = new Set(options.signals ?? [13]);
    this.pids = new Set(options.pids ?? []);
    this.max = options.maxEntries ?? 200_000;
    this.owners = new OwnerTracker(this.max, options.commOf);
    this.procs = new ProcessTracker(this.signals, this.max);
  }

  /** Replaces the ports of interest (empty: all). */
  setPorts(ports: readonly number[]): void {
    this.ports = new Set(ports);
  }

  /** Records the owner of a 4-tuple (e.g. from the socket reader's fd scan). */
  setOwner(local: Endpoint, remote: Endpoint, owner: SocketOwnerInfo): void {
    this.owners.set(local, remote, owner);
  }

  /** 4-tuples seen without an owner. */
  get unowned(): Map<string, { local: Endpoint; remote: Endpoint }> {
    return this.owners.unowned;
  }

  private put<V>(m: Map<string, V>, k: string, v: V): void {
    putBounded(m, k, v, this.max);
  }

  private ts(monoUs: number): bigint {
    return BigInt(Math.round(monoUs)) * 1000n + this.o.offsetNs;
  }

  private watched(l: Endpoint, r: Endpoint): boolean {
    return this.ports.size === 0 || this.ports.has(l.port) || this.ports.has(r.port);
  }

  private emit(ev: TimelineEvent, monoUs: number): void {
    this.out.push({ ev, monoUs });
  }

  private taskOf(rec: { tid: number; tgid?: number | undefined; comm: string }): SocketOwnerInfo {
    return this.owners.task(rec);
  }

  private ownerFor(rec: TaskContext, local: Endpoint, remote: Endpoint): Attribution {
    return this.owners.attribute(rec, local, remote);
  }

  /** Feeds one record. */
  push(rec: TraceRecord): void {
    if (rec.type === 'lost') return;
    this.lastMonoUs = Math.max(this.lastMonoUs, rec.monoUs);
    switch (rec.type) {
      case 'state':
        return this.onState(rec);
      case 'send-reset':
      case 'receive-reset':
        return this.onReset(rec);
      case 'retransmit':
        if (!this.watched(rec.local, rec.remote)) return;
        return this.emit(
          {
            kind: 'retransmit',
            tsNs: this.ts(rec.monoUs),
            lens: 'kernel',
            flow: flowKey(rec.local, rec.remote),
            local: rec.local,
            remote: rec.remote,
            ...(rec.state ? { state: rec.state } : {}),
          },
          rec.monoUs,
        );
      case 'destroy':
        this.socks.delete(sockKey(rec.local, rec.remote));
        return;
      case 'signal': {
        const ev = this.procs.signal(rec, this.ts(rec.monoUs), this.taskOf(rec).pid);
        if (ev) this.emit(ev, rec.monoUs);
        return;
      }
      case 'exit-group':
        return this.procs.exitGroup(rec);
      case 'exit': {
        const wanted = (p: number): boolean => this.owners.pids.has(p) || this.pids.has(p);
        const ev = this.procs.exit(rec, this.ts(rec.monoUs), wanted, (p) => this.owners.commOfPid(p));
        if (ev) this.emit(ev, rec.monoUs);
        return;
      }
      case 'syscall': {
        const task = this.taskOf(rec);
        const errno = rec.ret < 0 ? errnoName(-rec.ret) : undefined;
        return this.emit(
          {
            kind: 'syscall',
            tsNs: this.ts(rec.monoUs),
            lens: 'process',
            pid: task.pid,
            comm: task.comm,
            name: rec.name,
            ret: rec.ret,
            ...(errno !== undefined ? { errno } : {}),
          },
          rec.monoUs,
        );
      }
      case 'marker':
        return this.emit(
          {
            kind: 'marker',
            tsNs: this.ts(rec.monoUs),
            lens: 'process',
            pid: this.taskOf(rec).pid,
            text: rec.text,
          },
          rec.monoUs,
        );
      case 'other':
        return;
    }
  }

  private stateEvent(
    rec: { monoUs: number },
    local: Endpoint,
    remote: Endpoint,
    oldState: TcpState,
    newState: TcpState,
    source: 'traced' | 'synthesized',
    who: { pid?: number; comm?: string; pidIsOwner: boolean },
    note?: string,
  ): TimelineEvent {
    const key = sockKey(local, remote);
    const prev = this.socks.get(key);
    const inOld =
      prev && prev.state === oldState ? BigInt(Math.round(rec.monoUs - prev.sinceUs)) * 1000n : undefined;
    if (newState === 'CLOSE') this.socks.delete(key);
    else this.put(this.socks, key, { state: newState, sinceUs: rec.monoUs });
    // Written out (no object spread): this is the hot path. Absent values stay undefined.
    const ev: StateEvent = {
      kind: 'state',
      tsNs: this.ts(rec.monoUs),
      lens: 'kernel',
      flow: flowKey(local, remote),
      local,
      remote,
      oldState,
      newState,
      source,
      pid: who.pid,
      comm: who.pid !== undefined ? (who.comm ?? '') : undefined,
      pidIsOwner: who.pidIsOwner,
      note,
      inOldStateNs: inOld,
    };
    return ev;
  }

  private onState(rec: Extract<TraceRecord, { type: 'state' }>): void {
    if (rec.protocol !== undefined && rec.protocol !== 'IPPROTO_TCP') return;
    if (!this.watched(rec.local, rec.remote)) return;
    if (rec.oldState === 'CLOSE' && rec.newState === 'SYN_SENT' && rec.local.port === 0) {
      const slot: Slot = { ev: undefined, monoUs: rec.monoUs };
      this.out.push(slot);
      const k = `${rec.local.addr}>${rec.remote.addr}:${rec.remote.port}`;
      const list = this.pending.get(k) ?? [];
      list.push({ slot, rec, owner: this.taskOf(rec) });
      this.pending.set(k, list);
      return;
    }
    if (rec.oldState === 'SYN_SENT') this.linkConnect(rec);
    const key = sockKey(rec.local, rec.remote);
    const who = this.ownerFor(rec, rec.local, rec.remote);
    const twCandidate =
      this.o.synthesizeTimeWait !== false &&
      rec.newState === 'CLOSE' &&
      (rec.oldState === 'FIN_WAIT2' || rec.oldState === 'CLOSING');
    const rx = this.resetRx.get(key);
    if (twCandidate && !(rx !== undefined && rec.monoUs - rx < 1_000_000)) {
      const peer = this.socks.get(sockKey(rec.remote, rec.local));
      const peerOpen = peer !== undefined && (peer.state === 'CLOSE_WAIT' || peer.state === 'ESTABLISHED');
      const note =
        traceNote('time-wait-synthesized') +
        (peerOpen ? '; substate FIN_WAIT2: the peer has not sent its FIN yet (netstat shows FIN_WAIT2)' : '');
      this.emit(
        this.stateEvent(rec, rec.local, rec.remote, rec.oldState, 'TIME_WAIT', 'synthesized', who, note),
        rec.monoUs,
      );
      this.put(this.timeWait, key, { monoUs: rec.monoUs, local: rec.local, remote: rec.remote });
      return;
    }
    this.emit(
      this.stateEvent(rec, rec.local, rec.remote, rec.oldState, rec.newState, 'traced', who),
      rec.monoUs,
    );
  }

  private linkConnect(rec: Extract<TraceRecord, { type: 'state' }>): void {
    const k = `${rec.local.addr}>${rec.remote.addr}:${rec.remote.port}`;
    const list = this.pending.get(k);
    if (!list || list.length === 0) return;
    let i = 0;
    // Without skaddr in the text format, pick the likeliest of several concurrent connects to the
    // same remote: the same task (process context: backlog processing inside connect()), else one
    // made on the same CPU (softirq follows the CPU that sent the SYN), else the oldest.
    const same = inInterrupt(rec.flags)
      ? list.findIndex((p) => p.rec.cpu === rec.cpu)
      : list.findIndex((p) => p.rec.tid === rec.tid);
    if (same >= 0) i = same;
    const [p] = list.splice(i, 1);
    if (list.length === 0) this.pending.delete(k);
    if (!p) return;
    const local = { addr: rec.local.addr, port: rec.local.port };
    this.owners.set(local, rec.remote, p.owner);
    p.slot.ev = this.stateEvent(p.rec, local, rec.remote, 'CLOSE', 'SYN_SENT', 'traced', {
      ...p.owner,
      pidIsOwner: true,
    });
  }

  private onReset(rec: Extract<TraceRecord, { type: 'send-reset' | 'receive-reset' }>): void {
    if (!this.watched(rec.local, rec.remote)) return;
    const key = sockKey(rec.local, rec.remote);
    const who = this.ownerFor(rec, rec.local, rec.remote);
    const sent = rec.type === 'send-reset';
    if (!sent) this.put(this.resetRx, key, rec.monoUs);
    this.emit(
      {
        kind: 'reset',
        tsNs: this.ts(rec.monoUs),
        lens: 'kernel',
        flow: flowKey(rec.local, rec.remote),
        direction: sent ? 'sent' : 'received',
        local: rec.local,
        remote: rec.remote,
        ...(sent && rec.state ? { state: rec.state } : this.stateOf(key)),
        ...(sent && rec.reason !== undefined ? { reason: rec.reason } : {}),
        ...(who.pid !== undefined ? { pid: who.pid, comm: who.comm ?? '' } : {}),
        pidIsOwner: who.pidIsOwner,
      },
      rec.monoUs,
    );
    if (sent && this.timeWait.has(key) && (rec.state === undefined || rec.state === 'TIME_WAIT')) {
      this.timeWait.delete(key);
      const ev = this.stateEvent(
        rec,
        rec.local,
        rec.remote,
        'TIME_WAIT',
        'CLOSE',
        'synthesized',
        who,
        traceNote('time-wait-reset'),
      );
      this.emit(ev, rec.monoUs);
    }
  }

  private stateOf(key: string): { state?: TcpState } {
    const s = this.socks.get(key);
    return s ? { state: s.state } : {};
  }

  /**
   * Returns the events that are ready, in time order. `nowMonoUs` releases connects still waiting
   * for their port and expires synthesized TIME_WAITs; `final` releases everything.
   */
  flush(nowMonoUs: number = this.lastMonoUs, final = false): TimelineEvent[] {
    const hold = this.o.holdUs ?? 2_000_000;
    for (const [k, list] of this.pending) {
      for (const p of [...list]) {
        if (!final && nowMonoUs - p.rec.monoUs < hold) continue;
        p.slot.ev = this.stateEvent(p.rec, p.rec.local, p.rec.remote, 'CLOSE', 'SYN_SENT', 'traced', {
          ...p.owner,
          pidIsOwner: true,
        });
        list.splice(list.indexOf(p), 1);
      }
      if (list.length === 0) this.pending.delete(k);
    }
    const twUs = (this.o.timeWaitMs ?? 60_000) * 1000;
    for (const [k, tw] of this.timeWait) {
      if (nowMonoUs - tw.monoUs < twUs) break; // insertion order = time order
      this.timeWait.delete(k);
      const at = { monoUs: tw.monoUs + twUs };
      const owner = this.owners.get(k);
      const who = owner ? { ...owner, pidIsOwner: true } : { pidIsOwner: false };
      const note = traceNote('time-wait-expired', { seconds: twUs / 1e6 });
      this.emit(
        this.stateEvent(at, tw.local, tw.remote, 'TIME_WAIT', 'CLOSE', 'synthesized', who, note),
        at.monoUs,
      );
    }
    let n = 0;
    while (n < this.out.length && (this.out[n] as Slot).ev !== undefined) n++;
    const ready = this.out.splice(0, n);
    ready.sort((a, b) => a.monoUs - b.monoUs);
    return ready.map((s) => s.ev as TimelineEvent);
  }
}
