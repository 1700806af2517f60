/**
 * @module sockets/owners-parallel
 * The fd scan on two threads. A worker thread claims tasks of the shared scan plan from its back
 * end while the calling thread first reads and formats /proc/net/tcp, then claims tasks from the
 * front end (`scanFds`): the work balances itself, and the two threads read different processes
 * until they meet, so neither waits on the other's kernel locks. One readlink per fd is the whole
 * cost of owner mapping, and it is kernel time, so a second core halves it. The worker runs the
 * very same loop: its source text is `scanFds.toString()`, evaluated in the worker.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  buildOwners,
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
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const scan = (${scanFds.toString()});
const counts = new Int32Array(4);
Error.stackTraceLimit = 0;
const triples = scan(fs, workerData.procRoot, workerData.plan, true, counts).slice();
parentPort.postMessage({ triples, counts }, [triples.buffer]);
`;

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
  const plan = planScan(pids, fdCount, undefined, undefined, true);
  const pristine = plan.slice();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { procRoot, plan },
  });
  const fromWorker = new Promise<{ triples: Float64Array; counts: Int32Array }>((resolve, reject) => {
    worker.once('message', (m: { triples: Float64Array; counts: Int32Array }) => {
      // Its result is in: let the process exit without waiting for the thread to wind down.
      worker.unref();
      resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`owner-scan worker exited with code ${code}`)));
  });
  // The outcome is consumed in finish(); avoid an unhandled rejection if the caller throws first.
  fromWorker.catch(() => undefined);
  const finishTriples = async (): Promise<ScanResult> => {
    const counts = new Int32Array(4);
    const mine = withoutStacks(() => scanFds({ readdirSync, readlinkSync }, procRoot, plan, false, counts));
    let theirs: { triples: Float64Array; counts: Int32Array };
    try {
      theirs = await fromWorker;
    } catch {
      // The worker failed (cannot start threads here?): rescan everything on this thread.
      await worker.terminate();
      return scanOnThisThread(procRoot, pristine);
    }
    const triples = new Float64Array(mine.length + theirs.triples.length);
    triples.set(mine);
    triples.set(theirs.triples, mine.length);
    for (let i = 0; i < 4; i++) counts[i] = (counts[i] as number) + (theirs.counts[i] as number);
    counts[0] = (counts[0] as number) + planEmptyProcesses(plan);
    return { triples, counts };
  };
  return {
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
}
