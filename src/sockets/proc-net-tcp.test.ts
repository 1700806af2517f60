import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  kernelLine,
  TCP_HEADER,
  TCP6_HEADER,
  V4_MAPPED,
  V6_LOOPBACK,
} from '../../test/sockets/kernel-line.js';
import { BAD_TCP4, TCP4_LINES, TCP6_LINES } from '../../test/sockets/fixture-tree.js';
import { parseProcNetTcp, parseProcNetTcpLine } from './proc-net-tcp.js';

const LE = { proto: 'tcp', byteOrder: 'LE' } as const;
const LE6 = { proto: 'tcp6', byteOrder: 'LE' } as const;

describe('parseProcNetTcp', () => {
  const text = [TCP_HEADER, ...TCP4_LINES.map(kernelLine)].join('\n') + '\n';

  it('reads every state, queue, timer, uid and inode of the v4 fixture', () => {
    const { entries, issues } = parseProcNetTcp(text, LE);
    expect(issues).toEqual([]);
    expect(entries.map((e) => e.state)).toEqual([
      'LISTEN',
      'LISTEN',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'FIN_WAIT1',
      'FIN_WAIT2',
      'TIME_WAIT',
      'SYN_SENT',
      'SYN_RECV',
      'LAST_ACK',
      'CLOSING',
      'CLOSE',
      'ESTABLISHED',
      'ESTABLISHED',
    ]);
    const cw = entries[3];
    expect(cw).toMatchObject({
      proto: 'tcp',
      family: 4,
      local: { addr: '127.0.0.1', port: 40000 },
      remote: { addr: '127.0.0.1', port: 8006 },
      recvQ: 59,
      sendQ: 0,
      inode: 1004,
      uid: 1000,
    });
    expect(entries[1]?.recvQ).toBe(3);
    expect(entries[4]?.timer).toEqual({
      kind: 'on',
      code: 1,
      expiresTicks: 20,
      expiresMs: 200,
      retransmits: 1,
      probes: 0,
    });
    expect(entries[6]?.timer.kind).toBe('timewait');
    expect(entries[6]?.inode).toBe(0);
    expect(entries[12]?.timer).toMatchObject({ kind: 'keepalive', expiresMs: 7_200_000, probes: 2 });
    expect(entries[13]?.timer).toMatchObject({ kind: 'persist', code: 4, probes: 3 });
    expect(entries[13]?.sendQ).toBe(5000);
    expect(entries[11]?.local).toEqual({ addr: '10.1.2.3', port: 5000 });
  });

  it('reads IPv6, ::1, :: and IPv4-mapped addresses', () => {
    const { entries, issues } = parseProcNetTcp([TCP6_HEADER, ...TCP6_LINES.map(kernelLine)].join('\n'), LE6);
    expect(issues).toEqual([]);
    expect(entries.map((e) => `${e.local.addr} ${e.local.port} ${e.remote.addr} ${e.remote.port}`)).toEqual([
      '::1 8080 :: 0',
      '::ffff:127.0.0.1 9000 ::ffff:127.0.0.1 50000',
      '2001:db8:1234:5678:9abc:def0:1234:5678 443 2001:db8::2 50001',
      ':: 22 :: 0',
    ]);
    expect(entries.every((e) => e.family === 6 && e.proto === 'tcp6')).toBe(true);
  });

  it('honours the byte order: the same bytes read as big-endian give the reversed address', () => {
    const line = kernelLine({ ...(TCP4_LINES[2] as (typeof TCP4_LINES)[number]) });
    const le = parseProcNetTcpLine(line, LE);
    const be = parseProcNetTcpLine(line, { proto: 'tcp', byteOrder: 'BE' });
    expect(le.ok && le.entry.local.addr).toBe('127.0.0.1');
    expect(be.ok && be.entry.local.addr).toBe('1.0.0.127');
    const six = parseProcNetTcpLine(kernelLine({ ...(TCP6_LINES[0] as (typeof TCP6_LINES)[number]) }), {
      proto: 'tcp6',
      byteOrder: 'BE',
    });
    expect(six.ok && six.entry.local.addr).toBe('::1.0.0.0'); // glibc prints ::a.b.c.d for an IPv4-compatible address;
  });

  it('turns each malformed line into an issue naming the field and quoting the raw text, keeping the rest', () => {
    const bad = [TCP_HEADER, ...TCP4_LINES.map(kernelLine), ...BAD_TCP4.map((b) => b.line)].join('\n');
    const { entries, issues } = parseProcNetTcp(bad, LE);
    expect(entries).toHaveLength(TCP4_LINES.length);
    expect(issues.map((i) => i.field)).toEqual(BAD_TCP4.map((b) => b.field));
    expect(issues[0]).toMatchObject({
      code: 'malformed-line',
      lineNumber: TCP4_LINES.length + 2,
      raw: '14: garbage',
    });
    expect(issues[1]).toMatchObject({
      code: 'bad-field',
      raw: '0100007F0:1F46',
      reason: 'address must be 8 hex digits',
    });
    expect(issues[2]).toMatchObject({ raw: 'ZZ' });
    expect(issues[3]).toMatchObject({ code: 'unknown-state', raw: '0E', reason: 'unknown TCP state 14' });
    expect(issues[4]).toMatchObject({ raw: '0000000G:00000000' });
    expect(issues[5]).toMatchObject({ raw: '-12x' });
    expect(issues[6]).toMatchObject({ raw: '0100007F:1F4', reason: 'port must be 4 hex digits' });
  });

  it('handles an empty table and a missing trailing newline', () => {
    expect(parseProcNetTcp(TCP_HEADER + '\n', LE)).toEqual({ entries: [], issues: [] });
    expect(parseProcNetTcp('', LE)).toEqual({ entries: [], issues: [] });
    expect(
      parseProcNetTcp(TCP_HEADER + '\n' + kernelLine(TCP4_LINES[0] as (typeof TCP4_LINES)[number]), LE)
        .entries,
    ).toHaveLength(1);
  });

  it('fast path and validating path agree on any kernel-format line (property)', () => {
    const bytes = (n: number) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });
    const fields = (v6: boolean) =>
      fc.record({
        sl: fc.integer({ min: 0, max: 200_000 }),
        local: v6
          ? fc.oneof(bytes(16), fc.constant(V6_LOOPBACK), fc.constant(V4_MAPPED(127, 0, 0, 1)))
          : bytes(4),
        localPort: fc.integer({ min: 0, max: 65535 }),
        remote: v6 ? bytes(16) : bytes(4),
        remotePort: fc.integer({ min: 0, max: 65535 }),
        state: fc.integer({ min: 1, max: 11 }),
        txQueue: fc.integer({ min: 0, max: 0x7fffffff }),
        rxQueue: fc.integer({ min: 0, max: 0x7fffffff }),
        timer: fc.integer({ min: 0, max: 4 }),
        whenTicks: fc.integer({ min: 0, max: 0x7fffffff }),
        retransmits: fc.integer({ min: 0, max: 255 }),
        uid: fc.integer({ min: 0, max: 4_000_000_000 }),
        probes: fc.integer({ min: 0, max: 100 }),
        inode: fc.integer({ min: 0, max: 2 ** 40 }),
        short: fc.boolean(),
      });
    for (const v6 of [false, true]) {
      fc.assert(
        fc.property(fields(v6), (f) => {
          const line = kernelLine(f);
          const opts = v6 ? LE6 : LE;
          const viaFile = parseProcNetTcp(`${v6 ? TCP6_HEADER : TCP_HEADER}\n${line}\n`, opts);
          const slow = parseProcNetTcpLine(line, opts);
          expect(slow.ok).toBe(true);
          expect(viaFile.issues).toEqual([]);
          expect(viaFile.entries[0]).toEqual(slow.ok ? slow.entry : undefined);
          expect(viaFile.entries[0]).toMatchObject({
            inode: f.inode,
            uid: f.uid,
            recvQ: f.rxQueue,
            sendQ: f.txQueue,
          });
        }),
        { numRuns: 300 },
      );
    }
  });
});
