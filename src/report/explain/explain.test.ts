import { describe, expect, it } from 'vitest';
import { CATALOG, explain, explainKeys, isExplainKey, templateParams } from './index.js';

describe('explain catalog', () => {
  it('renders the seed arithmetic in English and Chinese', () => {
    expect(explain('seq-range', { start: 1, end: 59, length: 58 })).toBe(
      'seq 1:59 carries 58 bytes: 59 = 1 + 58',
    );
    expect(explain('fin-takes-one-seq', { ack: 60, seq: 59 }, 'zh')).toBe(
      'ack 60 = FIN 的 seq 59 + 1：FIN 占用一个序列号',
    );
    expect(explain('ack-next', { ack: 59n, seq: 1, length: 58 })).toContain(
      'ack 59 = peer seq 1 + length 58',
    );
  });

  it('keeps a missing parameter visible instead of crashing', () => {
    expect(explain('rst-refused', {})).toContain('port {port}');
  });

  it('uses the same parameters in both languages of every entry', () => {
    for (const key of explainKeys()) {
      const entry = CATALOG[key];
      expect(templateParams(entry.zh).sort(), key).toEqual(templateParams(entry.en).sort());
      expect(entry.en.length, key).toBeGreaterThan(0);
      // Chinese text, or (for a template that only joins others) Chinese punctuation.
      const words = entry.zh.replace(/\{\w+\}/g, '');
      expect(words, key).toMatch(/[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/);
    }
  });

  it('recognises its own keys', () => {
    expect(isExplainKey('delayed-ack')).toBe(true);
    expect(isExplainKey('toString')).toBe(false);
  });
});
