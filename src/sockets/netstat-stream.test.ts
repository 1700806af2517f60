import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TCP_STATES, type TcpState } from '../events.js';
import {
  kernelLine,
  TCP_HEADER,
  TCP6_HEADER,
  V4_MAPPED,
  V6_ANY,
  V6_LOOPBACK,
  type KernelLineFields,
} from '../../test/sockets/kernel-line.js';
import { InodeOwners, inodeOwners } from './read-raw.js';
import { formatNetstatHeader, formatNetstatRow, type NetstatFormatOptions } from './netstat-format.js';
import { NetstatWriter } from './netstat-stream.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import type { SocketRow } from './types.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

const bytes = (n: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });
/** IPv6 addresses of every text length: each 16-bit group zero or not (`::` shortens them). */
const groups = fc
  .array(
    fc.oneof(fc.constant([0, 0]), bytes(2), fc.tuple(fc.constant(0), fc.integer({ min: 1, max: 255 }))),
    {
      minLength: 8,
      maxLength: 8,
    },
  )
  .map((g) => g.flat());
const line = (v6: boolean): fc.Arbitrary<KernelLineFields> =>
  fc.record({
    sl: fc.integer({ min: 0, max: 200_000 }),
    local: v6
      ? fc.oneof(
          bytes(16),
          fc.constant(V6_LOOPBACK),
          fc.constant(V6_ANY),
          fc.constant(V4_MAPPED(127, 0, 0, 1)),
        )
      : fc.oneof(bytes(4), fc.constant<number[]>([127, 0, 0, 1])),
    localPort: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant(0), fc.constant(8006)),
    remote: v6 ? fc.oneof(groups, bytes(16), fc.constant(V6_ANY)) : bytes(4),
    remotePort: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant(0)),
    state: fc.integer({ min: 1, max: 11 }),
    // Queues of a million bytes or more widen the row (and leave the row template).
    txQueue: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7fffffff })),
    rxQueue: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000_000 })),
    timer: fc.integer({ min: 0, max: 4 }),
    whenTicks: fc.integer({ min: 0, max: 0x7fffffff }),
    retransmits: fc.integer({ min: 0, max: 255 }),
    uid: fc.integer({ min: 0, max: 4_000_000_000 }),
    probes: fc.integer({ min: 0, max: 100 }),
    inode: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 40 })),
    short: fc.boolean(),
  });

/** A line with one byte replaced (a corrupt field, a stray newline, a missing tail). */
const damage = (text: string, at: number, by: string): string => {
  const i = at % Math.max(1, text.length);
  return text.slice(0, i) + by + text.slice(i + 1);
};

/** What the row path prints for the same table: parse, own, filter, format. */
function viaRows(
  tables: { proto: 'tcp' | 'tcp6'; text: string }[],
  owners: Map<number, number>,
  programs: (pid: number) => string,
  states: readonly TcpState[] | undefined,
  ports: readonly number[] | undefined,
  opts: NetstatFormatOptions,
) {
  let text = formatNetstatHeader(opts);
  const issues = [];
  for (const { proto, text: t } of tables) {
    const parsed = parseProcNetTcp(t, { proto, byteOrder: 'LE' });
    issues.push(...parsed.issues);
    for (const entry of parsed.entries) {
      const pid = entry.inode !== 0 ? owners.get(entry.inode) : undefined;
      const row: SocketRow = pid === undefined ? entry : { ...entry, pid, program: programs(pid) };
      if (states ? !states.includes(row.state) : !inScope(row, opts)) continue;
      if (ports && !ports.includes(row.local.port) && !ports.includes(row.remote.port)) continue;
      text += formatNetstatRow(row, opts);
    }
  }
  return { text, issues };
}

function inScope(row: SocketRow, opts: NetstatFormatOptions): boolean {
  if (opts.scope === 'all') return true;
  return opts.scope === 'listening' ? row.remote.port === 0 : row.remote.port !== 0;
}

describe('NetstatWriter', () => {
  it('prints what the row path prints, issues included, for any table (property)', () => {
    const table = (v6: boolean) =>
      fc.array(
        fc.tuple(
          line(v6),
          fc.option(fc.tuple(fc.nat(), fc.constantFrom('Z', '\n', ' ', '', ':')), { freq: 8 }),
        ),
        { maxLength: 30 },
      );
    const owned = fc.array(
      fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5_000_000 })),
      {
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(
        table(false),
        table(true),
        owned,
        fc.constantFrom('all', 'listening', 'connected'),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.subarray([...TCP_STATES], { minLength: 1 })),
        fc.option(fc.constantFrom([8006], [0, 8006])),
        fc.option(fc.nat()),
        (v4, v6, ownedPairs, scope, timers, programsColumn, states, ports, split) => {
          const render = (rows: typeof v4, header: string): string =>
            [header, ...rows.map(([f, d]) => (d ? damage(kernelLine(f), d[0], d[1]) : kernelLine(f)))].join(
              '\n',
            ) + '\n';
          const tables = [
            { proto: 'tcp' as const, text: render(v4, TCP_HEADER) },
            { proto: 'tcp6' as const, text: render(v6, TCP6_HEADER) },
          ];
          const owners = new Map<number, number>();
          for (const [inode, pid] of ownedPairs) owners.set(inode, Math.min(pid, owners.get(inode) ?? pid));
          const programOf = (pid: number): string => `prog-${pid % 7 === 0 ? 'with-a-very-long-name' : pid}`;
          const opts: NetstatFormatOptions = { scope, timers, programs: programsColumn };
          const filter = { ...(states ? { states } : {}), ...(ports ? { ports } : {}) };
          const w = new NetstatWriter('LE', filter, opts);
          for (const t of tables) {
            const bytes = Buffer.from(t.text, 'latin1');
            if (split === null) w.addTable(t.proto, bytes);
            else {
              // In two parts, as read: the first ends anywhere (in the header, mid-line).
              const head = bytes.subarray(0, split % (bytes.length + 1));
              w.addLines(t.proto, bytes, w.addLines(t.proto, head, 0, false), true);
            }
          }
          const triples = ownedPairs.flatMap(([inode, pid]) => [inode, pid, 3]);
          w.patchOwners(inodeOwners(triples), programOf);
          const expected = viaRows(tables, owners, programOf, states ?? undefined, ports ?? undefined, opts);
          const got = w.result();
          expect(decode(got.bytes)).toBe(expected.text);
          expect(got.issues).toEqual(expected.issues);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps the lowest pid per inode, for any number of inodes', () => {
    const owners = new InodeOwners(4);
    const want = new Map<number, number>();
    for (let i = 1; i <= 5000; i++) {
      const inode = i * 2654435761 + (i % 3) * 2 ** 33;
      for (const pid of [500 + (i % 7), 400 + (i % 5), 600]) {
        owners.add(inode, pid);
        want.set(inode, Math.min(pid, want.get(inode) ?? pid));
      }
    }
    owners.add(0, 1);
    expect(owners.size).toBe(5000);
    for (const [inode, pid] of want) expect(owners.get(inode)).toBe(pid);
    expect(owners.get(0)).toBeUndefined();
    expect(owners.get(12345)).toBeUndefined();
  });
});
