import { describe, expect, it } from 'vitest';
import { eventToJson, flowKey, sortTimeline } from './events.js';

describe('flowKey', () => {
  it('is the same for both directions', () => {
    const a = { addr: '127.0.0.1', port: 8006 };
    const b = { addr: '127.0.0.1', port: 40000 };
    expect(flowKey(a, b)).toBe(flowKey(b, a));
    expect(flowKey(a, b)).toBe('127.0.0.1.8006-127.0.0.1.40000');
  });
  it('differs for different ports', () => {
    const a = { addr: '::1', port: 1 };
    expect(flowKey(a, { addr: '::1', port: 2 })).not.toBe(flowKey(a, { addr: '::1', port: 3 }));
  });
});

describe('timeline helpers', () => {
  it('sorts by time and keeps source order on ties', () => {
    const ev = [
      { tsNs: 5n, id: 'a' },
      { tsNs: 1n, id: 'b' },
      { tsNs: 5n, id: 'c' },
    ];
    expect(sortTimeline(ev).map((e) => e.id)).toEqual(['b', 'a', 'c']);
  });
  it('writes bigints as strings', () => {
    const line = eventToJson({ kind: 'marker', lens: 'lab', tsNs: 12345678901234567890n, text: 'x' });
    expect(JSON.parse(line)).toEqual({
      kind: 'marker',
      lens: 'lab',
      tsNs: '12345678901234567890',
      text: 'x',
    });
  });
});
