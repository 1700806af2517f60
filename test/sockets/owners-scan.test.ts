/**
 * @module test/sockets/owners-scan
 * The fd scan on fixture trees with injected fd counts (what the size of `/proc/<pid>/fd` says on
 * Linux 6.2 and later): fds read by number without listing directories, holes in the numbering
 * (probing on past the range, then listing the directory for the rest), a range with too many
 * holes, a vanished process, a denied one, two threads sharing a plan, and the worker thread.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ownerScanFor,
  planScan,
  prestartScanWorker,
  procFdCounter,
  scanFds,
  scanOnThisThread,
  startOwnerScanEarly,
  startParallelOwnerScan,
  type ScanFs,
} from '../../src/sockets/index.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A procfs-like tree: pid → fd → link target (null: a process without an fd directory). */
function tree(procs: Record<number, Record<number, string> | null>): string {
  const root = mkdtempSync(join(tmpdir(), 'tcpscope-owners-'));
  roots.push(root);
  for (const [pid, fds] of Object.entries(procs)) {
    mkdirSync(join(root, pid));
    if (!fds) continue;
    mkdirSync(join(root, pid, 'fd'));
    for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, pid, 'fd', fd));
  }
  return root;
}

/** fds `from..to-1` holding sockets `base + fd`. */
function sockets(fds: Iterable<number>, base: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (const fd of fds) out[fd] = `socket:[${base + fd}]`;
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The real fs, counting calls: how often each link was read and which directories were listed. */
function countingFs(): ScanFs & { reads: Map<string, number>; listed: string[] } {
  const reads = new Map<string, number>();
  const listed: string[] = [];
  return {
    reads,
    listed,
    readdirSync(path: string) {
      listed.push(path);
      return readdirSync(path);
    },
    readlinkSync(path: string) {
      // The scan tries pid 0 (no such process) once to warm its miss path: not a read of the tree.
      if (!path.includes('/0/fd/')) reads.set(path, (reads.get(path) ?? 0) + 1);
      return readlinkSync(path);
    },
  };
}

/** Triples as sorted `inode/pid/fd` strings. */
function owners(triples: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < triples.length; i += 3)
    out.push(`${triples[i]}/${triples[i + 1]}/${triples[i + 2]}`);
  return out.sort();
}

function expected(pid: number, fds: Iterable<number>, base: number): string[] {
  return [...fds].map((fd) => `${base + fd}/${pid}/${fd}`);
}

/** Links that were read more than once (each fd must be read exactly once). */
const rereads = (fs: { reads: Map<string, number> }): string[] =>
  [...fs.reads].filter(([, n]) => n > 1).map(([p]) => p);

describe('fd scan by fd number', () => {
  it('reads every fd by number without listing a directory when the count matches', () => {
    const procRoot = tree({
      10: { ...sockets(range(3, 300), 1000), 0: '/dev/null', 1: 'pipe:[5]', 2: '/dev/null' },
    });
    const fs = countingFs();
    const plan = planScan(Int32Array.from([10]), () => 300, 64);
    expect(plan[3]).toBe(5); // five tasks of at most 64 fd numbers
    const { triples, counts } = scanOnThisThread(procRoot, plan, fs);
    expect(owners(triples)).toEqual(expected(10, range(3, 300), 1000).sort());
    expect(fs.listed).toEqual([]);
    expect(fs.reads.size).toBe(300);
    expect(Array.from(counts)).toEqual([1, 0, 0, 300]);
  });

  it('finds fds past a hole by probing on, and lists the directory only when that fails', () => {
    const dense = [...range(0, 10), ...range(12, 102)]; // holes at 10 and 11, so fds 100 and 101 are past the count
    const sparse = [...range(0, 50), ...range(900, 910)]; // 60 fds, ten of them far away
    const procRoot = tree({ 20: sockets(dense, 2000), 21: sockets(sparse, 3000) });
    const fs = countingFs();
    const counts: Record<number, number> = { 20: 100, 21: 60 };
    const plan = planScan(Int32Array.from([20, 21]), (pid) => counts[pid] ?? -1, 32);
    const scan = scanOnThisThread(procRoot, plan, fs);
    expect(owners(scan.triples)).toEqual(
      [...expected(20, dense, 2000), ...expected(21, sparse, 3000)].sort(),
    );
    expect(fs.listed).toEqual([join(procRoot, '21', 'fd') + '/']);
    expect(rereads(fs)).toEqual([]);
    expect(Array.from(scan.counts)).toEqual([2, 0, 0, 160]);
  });

  it('gives up on a range with too many holes and lists the directory for the rest', () => {
    const even = range(0, 200).map((i) => 2 * i);
    const procRoot = tree({ 30: sockets(even, 4000) });
    const fs = countingFs();
    const plan = planScan(Int32Array.from([30]), () => 200, 64, 8);
    const scan = scanOnThisThread(procRoot, plan, fs);
    expect(owners(scan.triples)).toEqual(expected(30, even, 4000).sort());
    expect(fs.listed).toHaveLength(1);
    expect(rereads(fs)).toEqual([]);
    expect(scan.counts[3]).toBe(200);
  });

  it('counts a vanished process and one it may not read, and skips processes without fds', () => {
    const procRoot = tree({ 40: null, 41: sockets([0, 1], 5000), 42: sockets([0], 6000) });
    const real = countingFs();
    const fs: ScanFs = {
      readdirSync: (path) => real.readdirSync(path),
      readlinkSync(path) {
        if (path.includes('/41/')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return real.readlinkSync(path);
      },
    };
    const fdCounts: Record<number, number> = { 40: 5, 41: 2, 43: 0 };
    const plan = planScan(Int32Array.from([40, 41, 42, 43]), (pid) => fdCounts[pid] ?? -1);
    const scan = scanOnThisThread(procRoot, plan, fs);
    // 42: count unknown, so its directory is listed; 43: no fds, no task, but scanned.
    expect(owners(scan.triples)).toEqual(['6000/42/0']);
    expect(Array.from(scan.counts)).toEqual([2, 1, 1, 1]); // scanned 42 and 43, vanished 40, denied 41
    expect(real.listed.filter((p) => p.includes('/41/'))).toEqual([]);
  });

  it('reads each fd once when two threads share a plan (one from the front, one from the back)', () => {
    const big = [...range(0, 700), ...range(705, 1000), ...range(5000, 5005)]; // 1000 fds, 5 beyond a hole
    const procRoot = tree({
      50: sockets([0, 1, 2], 7000),
      51: sockets(big, 10_000),
      52: sockets(range(0, 40), 20_000),
    });
    const fdCounts: Record<number, number> = { 50: 3, 51: 1000, 52: 40 };
    // The big process's tasks come last, so the back thread starts with one of them.
    const plan = planScan(Int32Array.from([50, 52, 51]), (pid) => fdCounts[pid] ?? -1, 100, 16);
    const fs = countingFs();
    const front = new Int32Array(4);
    let helped: Float64Array | undefined;
    let calls = 0;
    // "Thread" B (from the back) starts; midway through its first task, "thread" A (from the
    // front) runs to the end, so B finishes the big process's last task and its directory listing.
    const listedByBack: string[] = [];
    const back: ScanFs = {
      readdirSync(path) {
        listedByBack.push(path);
        return fs.readdirSync(path);
      },
      readlinkSync(path) {
        if (++calls === 20) helped = scanFds(fs, procRoot, plan, false, front);
        return fs.readlinkSync(path);
      },
    };
    const behind = new Int32Array(4);
    const mine = scanFds(back, procRoot, plan, true, behind);
    const all = owners([...Array.from(mine), ...Array.from(helped ?? [])]);
    expect(all).toEqual(
      [
        ...expected(50, [0, 1, 2], 7000),
        ...expected(51, big, 10_000),
        ...expected(52, range(0, 40), 20_000),
      ].sort(),
    );
    expect(rereads(fs)).toEqual([]);
    expect(listedByBack).toEqual([join(procRoot, '51', 'fd') + '/']);
    expect((front[0] as number) + (behind[0] as number)).toBe(3);
    expect((front[3] as number) + (behind[3] as number)).toBe(1043);
  });

  it('gives the same owners on a worker thread as on this one', async () => {
    const procRoot = tree({
      60: sockets([...range(0, 300), 400, 401], 30_000),
      61: null,
      62: sockets(
        range(0, 5000).filter((fd) => fd % 97 !== 5),
        40_000,
      ),
    });
    const fdCounts: Record<number, number> = { 60: 302, 61: 4, 62: 5000 - 52 };
    const fdCount = (pid: number): number => fdCounts[pid] ?? -1;
    const pids = Int32Array.from([60, 61, 62]);
    const one = scanOnThisThread(procRoot, planScan(pids, fdCount));
    const two = await startParallelOwnerScan(procRoot, pids, fdCount).finishTriples();
    expect(owners(two.triples)).toEqual(owners(one.triples));
    expect(Array.from(two.counts)).toEqual(Array.from(one.counts));
    expect(one.counts[1]).toBe(1);
  });

  it('hands a scan started early, on the pre-booted worker, to the next reader of its procRoot', async () => {
    const procRoot = tree({ 80: sockets(range(0, 50), 50_000), 81: sockets([0, 3], 60_000) });
    mkdirSync(join(procRoot, 'net'));
    // Few sockets here: start nothing early. Many: start the two-thread scan.
    writeFileSync(join(procRoot, 'net', 'sockstat'), 'sockets: used 12\n');
    startOwnerScanEarly(procRoot);
    expect(ownerScanFor(procRoot, 'auto')).toBeUndefined();
    const many = (n: number): void =>
      writeFileSync(join(procRoot, 'net', 'sockstat'), `sockets: used ${n}\n`);
    many(5000);
    prestartScanWorker();
    startOwnerScanEarly(procRoot);
    many(12); // a reader would start no thread now: what it gets is the early scan
    const early = ownerScanFor(procRoot, 'auto');
    expect(early).toBeDefined();
    const alone = scanOnThisThread(procRoot, planScan(Int32Array.from([80, 81]), procFdCounter(procRoot)));
    const viaEarly = await early?.finishTriples();
    expect(owners(viaEarly?.triples ?? [])).toEqual(owners(alone.triples));
    expect(ownerScanFor(procRoot, 'auto')).toBeUndefined(); // taken once
    // A reader of another procRoot, or one that wants no thread, drops it.
    for (const [root, mode] of [
      [join(procRoot, 'elsewhere'), 'auto'],
      [procRoot, false],
    ] as const) {
      many(5000);
      startOwnerScanEarly(procRoot);
      many(12);
      expect(ownerScanFor(root, mode)).toBeUndefined();
      expect(ownerScanFor(procRoot, 'auto')).toBeUndefined();
    }
  });

  it('uses directory sizes as fd counts only on procfs', () => {
    expect(procFdCounter(tree({ 70: sockets([0], 1) }))).toBeUndefined();
  });
});
