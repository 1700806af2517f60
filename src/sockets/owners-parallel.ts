/**
 * @module sockets/owners-parallel
 * The fd scan on two threads. A worker thread claims tasks of the shared scan plan from its back
 * end while the calling thread first reads and formats /proc/net/tcp, then claims tasks from the
 * front end (`scanFds`): the work balances itself, and the two threads read different processes
 * until they meet, so neither waits on the other's kernel locks. One readlink per fd is the whole
 * cost of owner mapping, and it is kernel time, so a second core halves it. The worker runs the
 * very same loop: its source text is `scanFds.toString()`, evaluated in the worker.
 *
 * A worker takes about 20 ms to boot, as long as the CLI takes to load its modules, so the CLI
 * boots one first (`prestartScanWorker`, from cli/main); the worker then waits for its plan. The
 * `sockets` command starts the scan itself before its implementation loads (`startOwnerScanEarly`);
 * the reader then takes that scan over (`ownerScanFor`).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  buildOwners,
  listPids,
  planEmptyProcesses,
  planScan,
  procFdCounter,
  scanFds,
  scanOnThisThread,
  withoutStacks,
  type FdCounter,
  type OwnerScan,
  type ScanResult,
} from './owners.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const scan = (${scanFds.toString()});
parentPort.once('message', ({ procRoot, plan }) => {
  Error.stackTraceLimit = 0;
  const counts = new Int32Array(4);
  const triples = scan(fs, procRoot, plan, true, counts).slice();
  parentPort.postMessage({ triples, counts }, [triples.buffer]);
  parentPort.close();
});
`;

interface WorkerResult {
  triples: Float64Array;
  counts: Int32Array;
}

/** A booting or idle scan worker and its one result. */
interface ScanWorker {
  readonly worker: Worker;
  readonly result: Promise<WorkerResult>;
}

function spawnScanWorker(): ScanWorker {
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.once('message', (m: WorkerResult) => {
      // Its result is in: let the process exit without waiting for the thread to wind down.
      worker.unref();
      resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`owner-scan worker exited with code ${code}`)));
  });
  // The outcome is consumed by the scan that adopts the worker, if any.
  result.catch(() => undefined);
  return { worker, result };
}

let spare: ScanWorker | undefined;

/**
 * Boots a scan worker now, for a scan that starts soon (the next `startParallelOwnerScan` adopts
 * it). Until then it does not keep the process alive.
 * @example prestartScanWorker(); await loadTheRest(); await readSockets({}) // uses it
 */
export function prestartScanWorker(): void {
  if (spare) return;
  try {
    spare = spawnScanWorker();
    spare.worker.unref();
  } catch {
    spare = undefined; // no threads here: the scan will find out and scan on its own
  }
}

/** A scan running on a worker; `finish` makes the caller help, then merges. */
export interface ParallelOwnerScan {
  /** Helps until the plan is done, then returns every `inode, pid, fd` triple and the counts. */
  finishTriples(): Promise<ScanResult>;
  finish(wanted: ReadonlySet<number> | undefined, withCmdline: boolean): Promise<OwnerScan>;
}

/**
 * Starts scanning the fds of `pids` on a worker thread right away (`fdCount`: see `planScan`).
 * @example const scan = startParallelOwnerScan('/proc', pids); parseTables(); const owners = await scan.finish(wanted, false);
 */
export function startParallelOwnerScan(
  procRoot: string,
  pids: Int32Array,
  fdCount: FdCounter | undefined = procFdCounter(procRoot),
): ParallelOwnerScan {
  return begin(procRoot, pids, fdCount).scan;
}

function begin(
  procRoot: string,
  pids: Int32Array,
  fdCount: FdCounter | undefined,
): { scan: ParallelOwnerScan; worker: Worker } {
  const plan = planScan(pids, fdCount, undefined, undefined, true);
  const pristine = plan.slice();
  const helper = spare ?? spawnScanWorker();
  spare = undefined;
  helper.worker.ref();
  helper.worker.postMessage({ procRoot, plan });
  const finishTriples = async (): Promise<ScanResult> => {
    const counts = new Int32Array(4);
    const mine = withoutStacks(() => scanFds({ readdirSync, readlinkSync }, procRoot, plan, false, counts));
    let theirs: WorkerResult;
    try {
      theirs = await helper.result;
    } catch {
      // The worker failed (cannot start threads here?): rescan everything on this thread.
      await helper.worker.terminate();
      return scanOnThisThread(procRoot, pristine);
    }
    const triples = new Float64Array(mine.length + theirs.triples.length);
    triples.set(mine);
    triples.set(theirs.triples, mine.length);
    for (let i = 0; i < 4; i++) counts[i] = (counts[i] as number) + (theirs.counts[i] as number);
    counts[0] = (counts[0] as number) + planEmptyProcesses(plan);
    return { triples, counts };
  };
  const scan: ParallelOwnerScan = {
    finishTriples,
    async finish(wanted, withCmdline) {
      const { triples, counts } = await finishTriples();
      return {
        owners: buildOwners(procRoot, triples, wanted, withCmdline),
        processesScanned: counts[0] as number,
        vanished: counts[1] as number,
        denied: counts[2] as number,
        fdsRead: counts[3] as number,
      };
    },
  };
  return { scan, worker: helper.worker };
}

/** Total sockets in use (`sockets: used N` of net/sockstat), or 0 when unknown. */
export function socketsInUse(procRoot: string): number {
  try {
    const m = /sockets: used (\d+)/.exec(readFileSync(join(procRoot, 'net', 'sockstat'), 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Below this many sockets in use, a worker thread costs more than it saves. */
export const PARALLEL_MIN_SOCKETS = 3000;

let early: { procRoot: string; scan: ParallelOwnerScan; worker: Worker } | undefined;

/**
 * Starts the two-thread owner scan of every process of `procRoot` now, when there are many
 * sockets, for a reader that has yet to load (`ownerScanFor` hands it over). Until then it does
 * not keep the process alive; errors (no such procRoot) are left for the reader to report.
 * @example startOwnerScanEarly('/proc'); const { readSockets } = await import('./read.js'); await readSockets({})
 */
export function startOwnerScanEarly(procRoot: string): void {
  if (early || socketsInUse(procRoot) < PARALLEL_MIN_SOCKETS) return;
  try {
    early = { procRoot, ...begin(procRoot, listPids(procRoot), procFdCounter(procRoot)) };
    early.worker.unref();
  } catch {
    early = undefined;
  }
}

/**
 * The parallel owner scan a reader of `procRoot` should use: the one started early, a new one
 * (`parallel` true, or 'auto' with many sockets), or undefined (scan on this thread).
 */
export function ownerScanFor(procRoot: string, parallel: boolean | 'auto'): ParallelOwnerScan | undefined {
  const started = early;
  early = undefined;
  if (parallel !== false && started?.procRoot === procRoot) {
    started.worker.ref();
    return started.scan;
  }
  if (parallel === true || (parallel === 'auto' && socketsInUse(procRoot) >= PARALLEL_MIN_SOCKETS)) {
    try {
      return startParallelOwnerScan(procRoot, listPids(procRoot));
    } catch {
      // No thread (or no procRoot): the scan on this thread will do, or report the error.
    }
  }
  return undefined;
}
