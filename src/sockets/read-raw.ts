/**
 * @module sockets/read-raw
 * The fast path of `tcpscope sockets --format netstat`: /proc/net/tcp{,6} as text plus the fd
 * scan, without row objects. The table is formatted while the fd scan still runs on the worker
 * thread; owners are patched into the PID/Program column afterwards.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import {
  formatNetstatDeferred,
  patchNetstatOwners,
  type NetstatStreamFilter,
  type NetstatStreamInput,
  type NetstatStreamOutput,
} from './netstat-stream.js';
import type { NetstatFormatOptions } from './netstat-format.js';
import { listPids, planScanTasks, processInfo, scanPidsLoop } from './owners.js';
import { startParallelOwnerScan } from './owners-parallel.js';
import { PARALLEL_MIN_SOCKETS, readTableText, socketsInUse } from './read.js';
import type { ReadSocketsOptions, SocketScanStats } from './types.js';

/** The raw material of `--format netstat`: /proc text and the inode → owner maps. */
export interface RawSocketTable extends NetstatStreamInput {
  readonly stats: Omit<SocketScanStats, 'socketsOwned' | 'orphans'>;
}

type Scan = () => Promise<{ triples: number[]; counts: Int32Array }>;

function startScan(procRoot: string, options: ReadSocketsOptions): Scan {
  const pids = listPids(procRoot);
  const mode = options.parallel ?? 'auto';
  const parallel = mode === true || (mode === 'auto' && socketsInUse(procRoot) >= PARALLEL_MIN_SOCKETS);
  if (parallel) {
    const scan = startParallelOwnerScan(procRoot, pids);
    return () => scan.finishTriples();
  }
  return () => {
    const triples: number[] = [];
    const counts = new Int32Array(4);
    const tasks = planScanTasks(procRoot, pids, false);
    scanPidsLoop({ readdirSync, readlinkSync }, procRoot, tasks, new Int32Array(1), triples, counts);
    return Promise.resolve({ triples, counts });
  };
}

function readTexts(procRoot: string, options: ReadSocketsOptions): NetstatStreamInput['tables'] {
  const families = options.families ?? [4, 6];
  const tables: { proto: 'tcp' | 'tcp6'; text: string }[] = [];
  for (const fam of [4, 6] as const) {
    if (!families.includes(fam)) continue;
    const proto = fam === 4 ? 'tcp' : 'tcp6';
    const text = readTableText(procRoot, proto);
    if (text !== undefined) tables.push({ proto, text });
  }
  return tables;
}

/** inode → lowest owning pid, and pid → netstat program name for those pids. */
function ownerMaps(procRoot: string, triples: readonly number[]) {
  const ownerPid = new Map<number, number>();
  for (let i = 0; i + 2 < triples.length; i += 3) {
    const inode = triples[i] as number;
    const pid = triples[i + 1] as number;
    const had = ownerPid.get(inode);
    if (had === undefined || pid < had) ownerPid.set(inode, pid);
  }
  const programs = new Map<number, string>();
  for (const pid of ownerPid.values()) {
    if (!programs.has(pid)) programs.set(pid, processInfo(`${procRoot}/${pid}`, false).program);
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
  let tables: NetstatStreamInput['tables'];
  try {
    tables = readTexts(procRoot, options);
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
 * `netstat -tanp` text (as bytes) for this machine: the table is formatted while the fd scan runs,
 * then owners are patched in.
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
  let deferred: ReturnType<typeof formatNetstatDeferred>;
  try {
    deferred = formatNetstatDeferred(
      readTexts(procRoot, options),
      options.endianness ?? endianness(),
      filter,
      fmt,
    );
  } catch (err) {
    await finish?.().catch(() => undefined);
    throw err;
  }
  let counts: Int32Array = new Int32Array(4);
  if (finish) {
    const scan = await finish();
    counts = scan.counts;
    const { ownerPid, programs } = ownerMaps(procRoot, scan.triples);
    patchNetstatOwners(deferred, ownerPid, programs);
  }
  return {
    bytes: deferred.out.bytes(),
    issues: deferred.issues,
    rows: deferred.rows,
    stats: statsOf(counts, started),
  };
}
