/**
 * @module report/explain/explain
 * `explain(key, params, lang)`: render one catalog message. Pure.
 */
import { CATALOG, type ExplainKey } from './catalog.js';

/** Output language: English, or Simplified Chinese (the seed article's language). */
export type Lang = 'en' | 'zh';

/** Parameter values; bigints and numbers are printed in decimal. */
export type ExplainParams = Readonly<Record<string, string | number | bigint | boolean>>;

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Render the message `key` in `lang`, filling `{name}` placeholders from `params`. A placeholder
 * without a value stays visible as `{name}` (so a missing parameter shows, never crashes).
 * @example explain('fin-takes-one-seq', { ack: 60, seq: 59 }, 'en')
 *   // 'ack 60 = FIN seq 59 + 1: the FIN takes one sequence number'
 */
export function explain(key: ExplainKey, params: ExplainParams = {}, lang: Lang = 'en'): string {
  return fillTemplate(CATALOG[key][lang], params);
}

/**
 * Fill `{name}` placeholders of any catalog's template (this one, the socket notes, the trace
 * notes, the lab's sentences); a placeholder without a value stays visible.
 * @example fillTemplate('Recv-Q {recvQ}', { recvQ: 59 }) // 'Recv-Q 59'
 */
export function fillTemplate(template: string, params: ExplainParams): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** True when `key` names a catalog entry (for keys that arrive as data, e.g. from JSON). */
export function isExplainKey(key: string): key is ExplainKey {
  return Object.prototype.hasOwnProperty.call(CATALOG, key);
}

/** The parameter names a template uses, in order of first appearance. */
export function templateParams(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/** All catalog keys. */
export function explainKeys(): ExplainKey[] {
  return Object.keys(CATALOG) as ExplainKey[];
}
