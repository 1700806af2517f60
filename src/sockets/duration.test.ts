import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it('accepts ms, s, m and bare seconds', () => {
    expect(parseDurationMs('100ms', '--watch')).toBe(100);
    expect(parseDurationMs('1s', '--watch')).toBe(1000);
    expect(parseDurationMs('1.5s', '--watch')).toBe(1500);
    expect(parseDurationMs('2m', '--duration')).toBe(120_000);
    expect(parseDurationMs('3', '--watch')).toBe(3000);
  });
  it('names the option and the bad text', () => {
    expect(() => parseDurationMs('fast', '--watch')).toThrow('--watch: "fast" is not a duration');
    expect(() => parseDurationMs('0s', '--watch')).toThrow('must be greater than zero');
  });
});
