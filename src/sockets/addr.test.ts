import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProcAddr4, decodeProcAddr6, formatIPv6 } from './addr.js';

/** Expands any IPv6 text (with optional dotted quad) to its 16 bytes. */
function expand(text: string): number[] {
  let t = text;
  const dot = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (dot) {
    const [a, b, c, d] = dot.slice(1).map(Number) as [number, number, number, number];
    t = t.slice(0, dot.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const words = [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl].map((w) =>
    parseInt(w, 16),
  );
  return words.flatMap((w) => [w >> 8, w & 255]);
}

describe('addresses', () => {
  it('decodes IPv4 in either byte order', () => {
    expect(decodeProcAddr4('0100007F', 'LE')).toBe('127.0.0.1');
    expect(decodeProcAddr4('7F000001', 'BE')).toBe('127.0.0.1');
    expect(decodeProcAddr4('00000000', 'LE')).toBe('0.0.0.0');
    expect(decodeProcAddr4('0100007', 'LE')).toBeUndefined();
    expect(decodeProcAddr4('0100007G', 'LE')).toBeUndefined();
  });

  it('decodes IPv6 words in host order', () => {
    expect(decodeProcAddr6('00000000000000000000000001000000', 'LE')).toBe('::1');
    expect(decodeProcAddr6('0000000000000000FFFF00000100007F', 'LE')).toBe('::ffff:127.0.0.1');
    expect(decodeProcAddr6('B80D0120000000000000000002000000', 'LE')).toBe('2001:db8::2');
    expect(decodeProcAddr6('000080FE00000000FF020000010000FE', 'LE')).toBe('fe80::2ff:fe00:1');
    expect(decodeProcAddr6('0000', 'LE')).toBeUndefined();
  });

  it('formats like glibc inet_ntop', () => {
    expect(formatIPv6(Array<number>(16).fill(0))).toBe('::');
    // A single zero word is not compressed; the first of two equal runs is.
    expect(formatIPv6(expand('1:0:2:3:4:5:6:7'))).toBe('1:0:2:3:4:5:6:7');
    expect(formatIPv6(expand('1:0:0:2:0:0:3:4'))).toBe('1::2:0:0:3:4');
    expect(formatIPv6(expand('1:0:0:2:0:0:0:4'))).toBe('1:0:0:2::4');
    expect(formatIPv6(expand('::1.2.3.4'))).toBe('::1.2.3.4');
    expect(formatIPv6(expand('1::'))).toBe('1::');
  });

  it('round-trips any 16 bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }), (b) => {
        const text = formatIPv6(b);
        expect(isIPv6(text)).toBe(true);
        expect(expand(text)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});
