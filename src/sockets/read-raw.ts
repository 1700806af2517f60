/**
 * @module sockets/read-raw
 * The fast path of `tcpscope sockets --format netstat`: /proc/net/tcp{,6} as bytes plus the fd
 * scan, without row objects. With many sockets a worker thread starts scanning fds at once while
 * this thread reads and formats the tables, then helps with the scan; owners are patched into the
 * PID/Program column at the end.
 */
import { endianness } from 'node:os';
import {
  NetstatWriter,
  type InodeOwnerLookup,
  type NetstatStreamFilter,
  type NetstatStreamInput,
  type NetstatStreamOutput,
} from './netstat-stream.js';
import type { NetstatFormatOptions } from './netstat-format.js';
import { listPids, planScan, procFdCounter, programOf, scanOnThisThread, type ScanResult } from './owners.js';
import { ownerScanFor } from './owners-parallel.js';
import { readTableBytes, readTableText } from './proc-files.js';
import type { ReadSocketsOptions, SocketScanStats } from './types.js';

/** The raw material of `--format netstat`: /proc text and the inode → owner maps. */
export interface RawSocketTable extends NetstatStreamInput {
  readonly stats: Omit<SocketScanStats, 'socketsOwned' | 'orphans'>;
}

type Scan = () => Promise<ScanResult>;

/** About 1,600 lines of /proc/net/tcp: enough for V8 to compile the formatter's row function. */
const EARLY_BYTES = 240 << 10;

/** Starts the fd scan (on a worker too when there are many sockets); the result helps it finish. */
function startScan(procRoot: string, options: ReadSocketsOptions): Scan {
  const parallel = ownerScanFor(procRoot, options.parallel ?? 'auto');
  if (parallel) return () => parallel.finishTriples();
  const pids = listPids(procRoot);
  return () => Promise.resolve(scanOnThisThread(procRoot, planScan(pids, procFdCounter(procRoot))));
}

function protos(options: ReadSocketsOptions): ('tcp' | 'tcp6')[] {
  const families = options.families ?? [4, 6];
  return (['tcp', 'tcp6'] as const).filter((p) => families.includes(p === 'tcp' ? 4 : 6));
}

/** inode → lowest owning pid, and pid → netstat program name for those pids. */
function ownerMaps(procRoot: string, triples: ArrayLike<number>) {
  const ownerPid = new Map<number, number>();
  for (let i = 0; i + 2 < triples.length; i += 3) {
    const inode = triples[i] as number;
    const pid = triples[i + 1] as number;
    const had = ownerPid.get(inode);
    if (had === undefined || pid < had) ownerPid.set(inode, pid);
  }
  const programs = new Map<number, string>();
  for (const pid of ownerPid.values()) {
    if (!programs.has(pid)) programs.set(pid, programOf(`${procRoot}/${pid}`));
  }
  return { ownerPid, programs };
}

function statsOf(counts: Int32Array, started: number): RawSocketTable['stats'] {
  return {
    processesScanned: counts[0] as number,
    vanished: counts[1] as number,
    denied: counts[2] as number,
    fdsRead: counts[3] as number,
    durationMs: performance.now() - started,
  };
}

/**
 * Reads /proc/net/tcp{,6} as text and scans fd owners (on two threads when there are many
 * sockets), without building rows: the input of `formatNetstatFromProc`.
 * @example formatNetstatFromProc(await readRawSocketTable({}), {}, { scope: 'all' }).bytes
 */
export async function readRawSocketTable(options: ReadSocketsOptions = {}): Promise<RawSocketTable> {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const finish = startScan(procRoot, options);
  const tables: { proto: 'tcp' | 'tcp6'; text: string }[] = [];
  try {
    for (const proto of protos(options)) {
      const text = readTableText(procRoot, proto);
      if (text !== undefined) tables.push({ proto, text });
    }
  } catch (err) {
    await finish().catch(() => undefined);
    throw err;
  }
  const { triples, counts } = await finish();
  return {
    tables,
    byteOrder: options.endianness ?? endianness(),
    ...ownerMaps(procRoot, triples),
    stats: statsOf(counts, started),
  };
}

/**
 * `netstat -tanp` text (as bytes) for this machine: the tables are formatted while the fd scan
 * runs, then owners are patched in.
 * @example process.stdout.write((await readNetstatOutput({}, {}, { scope: 'all' })).bytes)
 */
export async function readNetstatOutput(
  options: ReadSocketsOptions,
  filter: NetstatStreamFilter,
  fmt: NetstatFormatOptions,
): Promise<NetstatStreamOutput & { stats: RawSocketTable['stats'] }> {
  const started = performance.now();
  const procRoot = options.procRoot ?? '/proc';
  const withOwners = options.owners !== false && fmt.programs !== false;
  const finish = withOwners ? startScan(procRoot, options) : undefined;
  const writer = new NetstatWriter(options.endianness ?? endianness(), filter, fmt);
  try {
    for (const proto of protos(options)) {
      // The first lines are formatted while the kernel still prints the rest (see readProcBytes).
      let done = 0;
      const early = { after: EARLY_BYTES, head: (b: Buffer) => (done = writer.addLines(proto, b, 0, false)) };
      const bytes = readTableBytes(procRoot, proto, early);
      if (bytes !== undefined) writer.addLines(proto, bytes, done, true);
    }
  } catch (err) {
    await finish?.().catch(() => undefined);
    throw err;
  }
  let counts: Int32Array = new Int32Array(4);
  if (finish) {
    const scan = await finish();
    counts = scan.counts;
    writer.patchOwners(inodeOwners(scan.triples), (pid) => programOf(`${procRoot}/${pid}`));
  }
  return { ...writer.result(), stats: statsOf(counts, started) };
}

/*
 * Socket inode → lowest owning pid in two typed arrays (open addressing, linear probing): for
 * 100,000 sockets it allocates a few arrays instead of a Map's growing tables, so the garbage
 * collector has nothing to copy.
 */
export class InodeOwners implements InodeOwnerLookup {
  private keys: Float64Array;
  private pids: Int32Array;
  private used = 0;

  /** `expected`: about how many inodes will be added (the table grows past it anyway). */
  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.pids = new Int32Array(cap);
  }

  /** Slot of `inode`, or of the empty slot where it would go (keys are never 0). */
  private slot(inode: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    // One loop shape for hits, misses and collisions: the optimized code meets no untried branch.
    for (
      let i = Math.imul((inode | 0) ^ ((inode / 4294967296) | 0), 0x9e3779b1) & mask;
      ;
      i = (i + 1) & mask
    ) {
      const k = keys[i] as number;
      if (k === inode || k === 0) return i;
    }
  }

  /** Records that `pid` holds `inode`; the lowest pid wins. Inode 0 (no socket) is ignored. */
  add(inode: number, pid: number): void {
    if (inode === 0) return;
    const i = this.slot(inode);
    if (this.keys[i] === 0) {
      this.keys[i] = inode;
      this.pids[i] = pid;
      if (++this.used * 2 > this.keys.length) this.grow();
    } else if (pid < (this.pids[i] as number)) this.pids[i] = pid;
  }

  /**
   * Adds fd-scan triples (`inode, pid, fd`, …): `add` in one loop without a call per triple, as
   * it runs once over 100,000 triples, mostly before it is optimized.
   */
  addTriples(triples: ArrayLike<number>): void {
    while ((this.used + triples.length / 3) * 2 > this.keys.length) this.grow();
    const { keys, pids } = this;
    const mask = keys.length - 1;
    for (let t = 0; t + 2 < triples.length; t += 3) {
      const inode = triples[t] as number;
      const pid = triples[t + 1] as number;
      if (inode === 0) continue;
      let i = Math.imul((inode | 0) ^ ((inode / 4294967296) | 0), 0x9e3779b1) & mask;
      for (;;) {
        const k = keys[i] as number;
        if (k === 0) {
          keys[i] = inode;
          pids[i] = pid;
          this.used++;
          break;
        }
        if (k === inode) {
          if (pid < (pids[i] as number)) pids[i] = pid;
          break;
        }
        i = (i + 1) & mask;
      }
    }
  }

  get(inode: number): number | undefined {
    if (inode === 0) return undefined;
    const i = this.slot(inode);
    return this.keys[i] === 0 ? undefined : this.pids[i];
  }

  get size(): number {
    return this.used;
  }

  private grow(): void {
    const { keys, pids } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.pids = new Int32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      if (k === 0) continue;
      const j = this.slot(k);
      this.keys[j] = k;
      this.pids[j] = pids[i] as number;
    }
  }
}

/**
 * The owner map of fd-scan triples (`inode, pid, fd`, …).
 * @example inodeOwners([4242, 100, 3]).get(4242) === 100
 */
export function inodeOwners(triples: ArrayLike<number>): InodeOwners {
  const owners = new InodeOwners(triples.length / 3);
  owners.addTriples(triples);
  return owners;
}
