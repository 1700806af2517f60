/**
 * @module sockets/duration
 * Parses watch intervals and durations: `100ms`, `1s`, `1.5s`, `2m`, or a bare number of seconds.
 * Pure.
 */
import { InputError } from '../util/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/**
 * Milliseconds in a duration text; throws InputError naming the option and the text.
 * @example parseDurationMs('100ms', '--watch') === 100
 */
export function parseDurationMs(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new InputError(`${option}: "${text}" is not a duration (examples: 100ms, 1s, 2m)`);
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  if (!(ms > 0)) throw new InputError(`${option}: "${text}" must be greater than zero`);
  return ms;
}
