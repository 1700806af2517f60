import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEventFormat, symbolNames } from './format.js';
import { TRACE_NOTES, resetReasonGloss, stateMeaning, traceNote } from './explain.js';

describe('trace explanation catalog', () => {
  it('has both languages with the same placeholders for every key', () => {
    for (const [key, e] of Object.entries(TRACE_NOTES)) {
      const names = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(e.zh), key).toEqual(names(e.en));
      expect(e.zh.length, key).toBeGreaterThan(0);
    }
  });
  it('glosses every reset reason of the kernel format (recorded from this machine)', () => {
    const f = parseEventFormat(
      readFileSync(new URL('./fixtures/tcp_send_reset.format', import.meta.url), 'utf8'),
    );
    for (const r of symbolNames(f.printFmt, 'reason')) {
      if (r === 'MAX') continue;
      expect(resetReasonGloss(r), r).not.toMatch(/does not know/);
    }
    expect(resetReasonGloss('SOMETHING_NEW')).toMatch(/does not know: SOMETHING_NEW/);
  });
  it('explains transitions', () => {
    expect(stateMeaning('ESTABLISHED', 'CLOSE_WAIT')).toBe(
      'the peer sent FIN; this process has not closed yet',
    );
    expect(stateMeaning('LAST_ACK', 'CLOSE')).toMatch(/fully closed/);
    expect(stateMeaning('SYN_SENT', 'CLOSE', 'zh')).toMatch(/连接失败/);
    expect(traceNote('exit-signal', { signal: 'SIGPIPE' }, 'zh')).toBe('被 SIGPIPE 杀死');
  });
});
