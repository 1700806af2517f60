/**
 * @module format/app/robust.test
 * Properties of formatTcpPayload on arbitrary bytes, for every port tcpdump dispatches on: it never
 * throws, and it never looks at a byte at or past `capEnd` (changing those bytes changes nothing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTcpPayload } from './index.js';

const PORTS = [
  21, 22, 23, 25, 43, 53, 80, 139, 179, 323, 445, 554, 639, 646, 1723, 2049, 6379, 6633, 6653, 8080, 8554,
  10288, 12345,
];
const HEADER = 54;

/** Payload bytes that look like each protocol often enough to reach deep code paths. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .array(
      fc.constantFrom(
        'GET ',
        'HTTP/1.1 ',
        '200 ',
        'OK',
        'SSH-2.0-x',
        '\r\n',
        '\n',
        '\t',
        '\x00',
        '\xff\xfb\x01',
        'a',
      ),
      {
        maxLength: 30,
      },
    )
    .map((parts) => Uint8Array.from(parts.join(''), (ch) => ch.charCodeAt(0) & 0xff)),
  fc
    .tuple(fc.uint8Array({ minLength: 12, maxLength: 200 }), fc.nat(40))
    .map(([m, n]) =>
      Uint8Array.from([(m.length >> 8) & 0xff, m.length & 0xff, ...m.slice(0, 12), 0xc0, n, ...m.slice(12)]),
    ),
  fc
    .uint8Array({ minLength: 3, maxLength: 60 })
    .map((body) => Uint8Array.from([...new Array<number>(16).fill(0xff), 0, 19 + body.length, ...body])),
  fc
    .tuple(fc.constantFrom(1, 4, 5), fc.nat(30), fc.uint8Array({ maxLength: 80 }))
    .map(([v, t, b]) => Uint8Array.from([v, t, 0, 8 + b.length, 0, 0, 0, 1, ...b])),
);

describe('formatTcpPayload on arbitrary payloads', () => {
  it('never throws and never reads at or past capEnd, on any port and verbosity', () => {
    fc.assert(
      fc.property(
        payload,
        fc.constantFrom(...PORTS),
        fc.boolean(),
        fc.nat(400),
        fc.nat(3),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (body, port, toServer, cutAt, verbose, junk) => {
          const frame = new Uint8Array(HEADER + body.length + junk.length);
          frame.set(body, HEADER);
          const capEnd = HEADER + Math.min(cutAt, body.length);
          const [sport, dport] = toServer ? [40000, port] : [port, 40000];
          const a = formatTcpPayload(frame, HEADER, body.length, capEnd, sport, dport, verbose);
          // Same frame, every byte from capEnd on replaced: the text must not change.
          const other = frame.slice();
          for (let i = capEnd; i < other.length; i++) other[i] = (other[i] as number) ^ 0x5a;
          other.set(junk, HEADER + body.length);
          const b = formatTcpPayload(other, HEADER, body.length, capEnd, sport, dport, verbose);
          expect(b).toBe(a);
          expect(typeof a).toBe('string');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('prints nothing for ports tcpdump has no printer for, and for an empty payload', () => {
    const frame = new Uint8Array(HEADER + 20).fill(0x41);
    expect(formatTcpPayload(frame, HEADER, 20, frame.length, 40000, 12345, 0)).toBe('');
    expect(formatTcpPayload(frame, HEADER, 0, HEADER, 40000, 80, 0)).toBe('');
  });
});
