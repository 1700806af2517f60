/**
 * @module lab/lenses
 * Starts and stops the lab's three observing lenses around a run, each optional: the kernel+process
 * lens (`traceTcp`), the packet lens (`liveCapture` on lo, saved to capture.pcap) and a socket-table
 * sampler (every 50 ms, keeping a snapshot only when the table for the port changed). A lens that
 * cannot start leaves one clear line in `notes`; the run goes on without it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { CaptureRecord } from '../capture/types.js';
import { liveCapture, type LiveCapture } from '../capture/live.js';
import type { SocketSnapshotEvent, TimelineEvent } from '../events.js';
import { readSocketsSync, toSocketSnapshotEvent } from '../sockets/index.js';
import { traceTcp, type ClockInfo, type TcpTrace } from '../trace/index.js';
import { nowNs } from './children.js';

/** Runs one async iterable into an array in the background. */
function drainInto<T>(source: AsyncIterable<T>, into: T[], onError: (e: unknown) => void): Promise<void> {
  return (async () => {
    try {
      for await (const x of source) into.push(x);
    } catch (e) {
      onError(e);
    }
  })();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The kernel lens, or undefined with a note. */
export class KernelLens {
  private constructor(
    readonly trace: TcpTrace,
    readonly events: TimelineEvent[],
    private readonly drained: Promise<void>,
  ) {}

  static start(notes: string[], ports: number[]): KernelLens | undefined {
    let trace: TcpTrace;
    try {
      trace = traceTcp({
        ports,
        signals: [13, 2, 9],
        includeSyscalls: true,
        handleSignals: false,
        instancePrefix: 'tcpscope-lab',
      });
    } catch (e) {
      notes.push(`kernel + process lens off: ${message(e)}`);
      return undefined;
    }
    const events: TimelineEvent[] = [];
    const drained = drainInto(trace, events, (e) => notes.push(`kernel lens stopped early: ${message(e)}`));
    return new KernelLens(trace, events, drained);
  }

  get clock(): ClockInfo {
    return this.trace.clock;
  }

  async stop(): Promise<void> {
    await this.trace.stop();
    await this.drained;
  }
}

/** The packet lens: tcpdump on lo for the port, saved to `writePath`. */
export class WireLens {
  private constructor(
    readonly capture: LiveCapture,
    readonly records: CaptureRecord[],
    private readonly drained: Promise<void>,
  ) {}

  static async start(notes: string[], port: number, writePath: string): Promise<WireLens | undefined> {
    let capture: LiveCapture;
    try {
      capture = liveCapture({
        iface: 'lo',
        filter: ['tcp', 'port', String(port)],
        writePath,
        handleSignals: false,
      });
    } catch (e) {
      notes.push(`packet lens off: ${message(e)}`);
      return undefined;
    }
    const records: CaptureRecord[] = [];
    let failed: string | undefined;
    const drained = drainInto(capture, records, (e) => (failed = message(e)));
    await Promise.race([capture.ready, drained]);
    if (!/listening on/.test(capture.stderr)) {
      // tcpdump exited before listening (no permission, no such device): its error ends the iteration.
      await drained;
      failed ??= capture.stderr.split('\n').find((l) => l.trim() !== '') ?? 'tcpdump did not start';
    }
    if (failed !== undefined) {
      notes.push(`packet lens off: ${failed}`);
      return undefined;
    }
    return new WireLens(capture, records, drained);
  }

  async stop(notes: string[]): Promise<void> {
    const s = await this.capture.stop();
    await this.drained;
    if (s.counts.droppedByKernel)
      notes.push(`tcpdump: ${s.counts.droppedByKernel} packets dropped by kernel`);
  }
}

/** inode -> owner for the sockets the given processes hold (their /proc/<pid>/fd links). */
export function scanOwners(
  pids: readonly number[],
  procRoot = '/proc',
): Map<number, { pid: number; comm: string }> {
  const owners = new Map<number, { pid: number; comm: string }>();
  for (const pid of pids) {
    let fds: string[];
    let comm = '';
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
      comm = readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // gone
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${procRoot}/${pid}/fd/${fd}`));
        if (m && !owners.has(Number(m[1]))) owners.set(Number(m[1]), { pid, comm });
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return owners;
}

/**
 * Samples the socket table for one port every `everyMs`; keeps a snapshot each time its rows change.
 * A full owner scan of every process costs ~20 ms on a busy machine, too much every 50 ms, so the
 * sampler reads the IPv4 table (the lab runs on 127.0.0.1) and joins owners from the peers' own fd
 * tables only: any other row shows `-`, exactly what netstat shows for an orphan.
 */
export class SocketSampler {
  readonly snapshots: SocketSnapshotEvent[] = [];
  samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly port: number,
    private readonly pids: () => readonly number[],
    private readonly everyMs = 50,
  ) {}

  start(notes: string[]): boolean {
    try {
      this.sample();
    } catch (e) {
      notes.push(`socket-table lens off: ${message(e)}`);
      return false;
    }
    this.timer = setInterval(() => {
      try {
        this.sample();
      } catch {
        // a sample that fails (a vanished process mid-scan) is simply skipped
      }
    }, this.everyMs);
    return true;
  }

  sample(): void {
    const { rows } = readSocketsSync({ owners: false, users: false, families: [4] });
    const owners = scanOwners(this.pids());
    const mine = rows
      .filter((r) => r.local.port === this.port || r.remote.port === this.port)
      .map((r) => {
        const o = r.inode !== 0 ? owners.get(r.inode) : undefined;
        return o ? { ...r, pid: o.pid, comm: o.comm } : r;
      });
    this.samples++;
    const key = mine
      .map((r) => `${r.local.port}>${r.remote.port}:${r.state}:${r.recvQ}:${r.sendQ}:${r.pid ?? '-'}`)
      .sort()
      .join('|');
    if (key === this.last) return;
    this.last = key;
    this.snapshots.push(toSocketSnapshotEvent(mine, nowNs(), 'changed'));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
