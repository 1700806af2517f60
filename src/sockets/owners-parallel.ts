/**
 * @module sockets/owners-parallel
 * The fd scan on two threads. A worker thread and the calling thread claim pids from one shared
 * counter (`scanPidsLoop`), so the work balances itself: the caller first reads and parses
 * /proc/net/tcp while the worker scans, then joins the scan. One readlink per fd is the whole
 * cost of owner mapping, and it is kernel time, so a second core halves it. The worker runs the
 * very same loop: its source text is `scanPidsLoop.toString()`, evaluated in the worker.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { buildOwners, planScanTasks, scanPidsLoop, type OwnerScan } from './owners.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const scan = (${scanPidsLoop.toString()});
const out = [];
const counts = new Int32Array(4);
scan(fs, workerData.procRoot, workerData.tasks, workerData.next, out, counts);
const triples = Float64Array.from(out);
parentPort.postMessage({ triples, counts }, [triples.buffer]);
`;

/** A scan running on a worker; `finish` makes the caller help, then merges. */
export interface ParallelOwnerScan {
  /** Helps until the task list is done, then returns every `inode, pid, fd` triple and the counts. */
  finishTriples(): Promise<{ triples: number[]; counts: Int32Array }>;
  finish(wanted: ReadonlySet<number> | undefined, withCmdline: boolean): Promise<OwnerScan>;
}

/**
 * Starts scanning `pids` on a worker thread right away.
 * @example const scan = startParallelOwnerScan('/proc', pids); parseTables(); const owners = await scan.finish(wanted, false);
 */
export function startParallelOwnerScan(procRoot: string, pids: Int32Array): ParallelOwnerScan {
  const plan = planScanTasks(procRoot, pids, true);
  const shared = new SharedArrayBuffer(4 + plan.length * 4);
  const next = new Int32Array(shared, 0, 1);
  const tasks = new Int32Array(shared, 4, plan.length);
  tasks.set(plan);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { procRoot, tasks, next },
  });
  const fromWorker = new Promise<{ triples: Float64Array; counts: Int32Array }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`owner-scan worker exited with code ${code}`)));
  });
  // The outcome is consumed in finish(); avoid an unhandled rejection if the caller throws first.
  fromWorker.catch(() => undefined);
  const finishTriples = async (): Promise<{ triples: number[]; counts: Int32Array }> => {
    const out: number[] = [];
    const counts = new Int32Array(4);
    scanPidsLoop({ readdirSync, readlinkSync }, procRoot, tasks, next, out, counts);
    let theirs: { triples: Float64Array; counts: Int32Array };
    try {
      theirs = await fromWorker;
    } catch {
      // The worker failed (cannot start threads here?): rescan everything on this thread.
      await worker.terminate();
      const again: number[] = [];
      const c2 = new Int32Array(4);
      scanPidsLoop({ readdirSync, readlinkSync }, procRoot, plan, new Int32Array(1), again, c2);
      return { triples: again, counts: c2 };
    }
    for (let i = 0; i < theirs.triples.length; i++) out.push(theirs.triples[i] as number);
    for (let i = 0; i < 4; i++) counts[i] = (counts[i] as number) + (theirs.counts[i] as number);
    return { triples: out, counts };
  };
  return {
    finishTriples,
    async finish(wanted, withCmdline) {
      const { triples, counts } = await finishTriples();
      return toScan(procRoot, triples, counts, wanted, withCmdline);
    },
  };
}

function toScan(
  procRoot: string,
  triples: number[],
  counts: Int32Array,
  wanted: ReadonlySet<number> | undefined,
  withCmdline: boolean,
): OwnerScan {
  return {
    owners: buildOwners(procRoot, triples, wanted, withCmdline),
    processesScanned: counts[0] as number,
    vanished: counts[1] as number,
    denied: counts[2] as number,
    fdsRead: counts[3] as number,
  };
}
