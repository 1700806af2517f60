/**
 * @module analysis/flow-table
 * The engine's IPv4 flow table: open addressing with linear probing over typed arrays (the
 * 4-tuple and its hash per slot), so a lookup compares numbers in a few adjacent cache lines and
 * touches no connection object until it has found the right one. Deletion shifts later entries
 * back (no tombstones); the table doubles when half full. One entry per 4-tuple.
 */

/** Direction-free 30-bit hash of an IPv4 4-tuple (addresses as unsigned 32-bit numbers). */
export function hash4(a: number, ap: number, b: number, bp: number): number {
  let lo = a;
  let hi = b;
  let lp = ap;
  let hp = bp;
  if (a > b || (a === b && ap > bp)) {
    lo = b;
    hi = a;
    lp = bp;
    hp = ap;
  }
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((lp << 16) | hp), 0x27d4eb2f);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

/** Maps an IPv4 4-tuple, in either direction, to its value (a connection). */
export class FlowTable4<T> {
  private mask: number;
  private count = 0;
  private origAddr: Int32Array;
  private respAddr: Int32Array;
  /** origPort << 16 | respPort. */
  private ports: Int32Array;
  private hashes: Int32Array;
  private values: (T | undefined)[];

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity) n *= 2;
    [this.mask, this.origAddr, this.respAddr, this.ports, this.hashes, this.values] = FlowTable4.slots<T>(n);
  }

  /** Empty slot arrays for `n` (a power of two) entries, and the index mask. */
  private static slots<T>(n: number) {
    const ints = () => new Int32Array(n);
    return [n - 1, ints(), ints(), ints(), ints(), new Array<T | undefined>(n).fill(undefined)] as const;
  }

  get size(): number {
    return this.count;
  }

  /** The value for a packet from `src:sport` to `dst:dport`, in either direction. */
  get(src: number, sport: number, dst: number, dport: number): T | undefined {
    const s = src | 0;
    const d = dst | 0;
    const fwd = (sport << 16) | dport;
    const rev = (dport << 16) | sport;
    const values = this.values;
    for (let i = hash4(src, sport, dst, dport) & this.mask; ; i = (i + 1) & this.mask) {
      const v = values[i];
      if (v === undefined) return undefined;
      const a = this.origAddr[i];
      const b = this.respAddr[i];
      const p = this.ports[i];
      if ((a === s && b === d && p === fwd) || (a === d && b === s && p === rev)) return v;
    }
  }

  /** Adds `value` for the flow originator `orig:origPort` -> responder `resp:respPort` (not present). */
  set(orig: number, origPort: number, resp: number, respPort: number, value: T): void {
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    const h = hash4(orig, origPort, resp, respPort);
    this.place(h, orig | 0, resp | 0, (origPort << 16) | respPort, value);
    this.count++;
  }

  /** Removes the flow's entry if it holds `value`; true when it did. */
  delete(orig: number, origPort: number, resp: number, respPort: number, value: T): boolean {
    const mask = this.mask;
    let i = hash4(orig, origPort, resp, respPort) & mask;
    for (; this.values[i] !== value; i = (i + 1) & mask) if (this.values[i] === undefined) return false;
    // Shift back the entries of the probe run that would no longer be found past the hole.
    for (let j = (i + 1) & mask; this.values[j] !== undefined; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      this.origAddr[i] = this.origAddr[j]!;
      this.respAddr[i] = this.respAddr[j]!;
      this.ports[i] = this.ports[j]!;
      this.hashes[i] = this.hashes[j]!;
      this.values[i] = this.values[j];
      i = j;
    }
    this.values[i] = undefined;
    this.count--;
    return true;
  }

  private place(h: number, a: number, b: number, p: number, value: T): void {
    let i = h & this.mask;
    while (this.values[i] !== undefined) i = (i + 1) & this.mask;
    this.origAddr[i] = a;
    this.respAddr[i] = b;
    this.ports[i] = p;
    this.hashes[i] = h;
    this.values[i] = value;
  }

  private grow(): void {
    const { origAddr, respAddr, ports, hashes, values } = this;
    [this.mask, this.origAddr, this.respAddr, this.ports, this.hashes, this.values] = FlowTable4.slots<T>(
      values.length * 2,
    );
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined) this.place(hashes[i]!, origAddr[i]!, respAddr[i]!, ports[i]!, v);
    }
  }
}
