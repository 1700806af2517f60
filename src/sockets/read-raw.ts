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
  type NetstatStreamFilter,
  type NetstatStreamInput,
  type NetstatStreamOutput,
} from './netstat-stream.js';
import type { NetstatFormatOptions } from './netstat-format.js';
import { listPids, planScan, procFdCounter, programOf, scanOnThisThread, type ScanResult } from './owners.js';
import { inodeOwners } from './inode-owners.js';
import { ownerScanFor } from './owners-parallel.js';
import { readTableBytes, readTableText } from './read.js';
import type { ReadSocketsOptions, SocketScanStats } from './types.js';

/** The raw material of `--format netstat`: /proc text and the inode → owner maps. */
export interface RawSocketTable extends NetstatStreamInput {
  readonly stats: Omit<SocketScanStats, 'socketsOwned' | 'orphans'>;
}

type Scan = () => Promise<ScanResult>;

/** About 2,200 lines of /proc/net/tcp: enough for V8 to compile the formatter's hot functions. */
const EARLY_BYTES = 320 << 10;

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
