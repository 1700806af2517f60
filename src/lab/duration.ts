/**
 * @module lab/duration
 * Parses the lab's interval options (`5s`, `300ms`, `1.5s`, a bare number = seconds). Pure.
 */
import { InputError } from '../util/errors.js';

/**
 * A duration in milliseconds.
 * @example parseDurationMs('300ms') === 300; parseDurationMs('5s') === 5000; parseDurationMs('2') === 2000
 */
export function parseDurationMs(text: string, option = '--interval'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new InputError(`${option}: "${text}" is not a duration (examples: 5s, 300ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000;
  if (!(ms > 0) || ms > 3_600_000) throw new InputError(`${option}: "${text}" must be between 1ms and 1h`);
  return Math.round(ms);
}
