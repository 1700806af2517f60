/**
 * @module analysis/flow-table.test
 * The IPv4 flow table against a plain Map model: any sequence of adds, lookups (both
 * directions) and deletions, with few distinct addresses and ports so probe runs collide, wrap
 * around the end of the table and are shifted back on deletion.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowTable4, hash4 } from './flow-table.js';

type Tuple = readonly [number, number, number, number];
const key = ([a, ap, b, bp]: Tuple): string =>
  a < b || (a === b && ap <= bp) ? `${a}:${ap}-${b}:${bp}` : `${b}:${bp}-${a}:${ap}`;

const addr = fc.constantFrom(0x7f000001, 0x0a000001, 0xc0a80001, 0xffffffff, 0);
const port = fc.constantFrom(0, 80, 443, 8006, 40000, 65535);
const tuple = fc.tuple(addr, port, addr, port);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), t: tuple }),
  fc.record({ kind: fc.constant('del' as const), t: tuple }),
  fc.record({ kind: fc.constant('get' as const), t: tuple, reversed: fc.boolean() }),
);

describe('FlowTable4', () => {
  it('behaves like a Map keyed by the direction-free 4-tuple', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 800 }), (ops) => {
        const table = new FlowTable4<{ t: Tuple }>(16);
        const model = new Map<string, { t: Tuple }>();
        for (const o of ops) {
          const k = key(o.t);
          if (o.kind === 'set') {
            if (model.has(k)) continue; // one entry per 4-tuple, as the engine uses it
            const v = { t: o.t };
            table.set(...o.t, v);
            model.set(k, v);
          } else if (o.kind === 'del') {
            const v = model.get(k);
            // Deleting another value for the same flow does nothing.
            expect(table.delete(...o.t, { t: o.t })).toBe(false);
            if (v) {
              expect(table.delete(...v.t, v)).toBe(true);
              model.delete(k);
            }
          } else {
            const [a, ap, b, bp] = o.t;
            const got = o.reversed ? table.get(b, bp, a, ap) : table.get(a, ap, b, bp);
            const want = model.get(k);
            expect(got).toBe(want);
          }
          expect(table.size).toBe(model.size);
        }
        for (const v of model.values()) expect(table.get(...v.t)).toBe(v);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes both directions of a flow alike', () => {
    expect(hash4(0x7f000001, 40000, 0x0a000001, 80)).toBe(hash4(0x0a000001, 80, 0x7f000001, 40000));
    expect(hash4(1, 2, 3, 4)).not.toBe(hash4(1, 2, 3, 5));
  });
});
