/**
 * @module sockets/inode-owners
 * Socket inode → lowest owning pid in two typed arrays (open addressing, linear probing): for
 * 100,000 sockets it allocates a few arrays instead of a Map's growing tables, so the garbage
 * collector has nothing to copy. Pure.
 */

/** What the netstat formatter asks of an owner map (a `Map<number, number>` also fits). */
export interface InodeOwnerLookup {
  get(inode: number): number | undefined;
}

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
