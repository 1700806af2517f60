/**
 * The property tests' inputs reach the bounds they are written with (test/fast-check-setup.ts):
 * `fc.uint8Array({ maxLength: 300 })` must produce inputs longer than fast-check's "small" 10.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('fast-check sizes in this suite', () => {
  it('explores lengths up to an explicit maxLength', () => {
    expect(fc.readConfigureGlobal().defaultSizeToMaxWhenMaxSpecified).toBe(true);
    const lengths = fc
      .sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 300, seed: 42 })
      .map((a) => a.length);
    expect(Math.max(...lengths)).toBeGreaterThan(100);
  });
});
