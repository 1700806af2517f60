import { describe, expect, it } from 'vitest';
import { measureClockOffset } from './clock.js';

describe('measureClockOffset', () => {
  it('finds the offset of a fake realtime clock to within the sampling step', () => {
    // mono advances 300 ns per read; realtime = mono + 1.7e18 + 123_456 ns.
    let mono = 5_000_000_000n;
    const trueOffset = 1_700_000_000_000_123_456n;
    const r = measureClockOffset(3, {
      monoNs: () => (mono += 300n),
      realtimeMs: () => Number((mono + trueOffset) / 1_000_000n),
    });
    expect(r.samples).toBe(3);
    const err = r.offsetNs - trueOffset;
    expect(err < 0n ? -err : err).toBeLessThanOrEqual(r.uncertaintyNs);
    expect(r.uncertaintyNs).toBeLessThan(2000n);
  });
  it('agrees with Date.now() on the real clocks', () => {
    const r = measureClockOffset();
    const nowNs = process.hrtime.bigint() + r.offsetNs;
    const diffMs = Number(nowNs / 1_000_000n) - Date.now();
    expect(Math.abs(diffMs)).toBeLessThanOrEqual(2);
    expect(r.uncertaintyNs).toBeLessThan(1_000_000n);
  });
});
