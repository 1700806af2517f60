import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TraceAssembler } from './assemble.js';
import { parseTraceLine } from './line.js';
import { formatClock, formatSpan, formatWatchLine } from './render.js';

function seedEvents() {
  const asm = new TraceAssembler({ offsetNs: 1_764_000_000_000_000_000n });
  for (const l of readFileSync(new URL('./fixtures/seed.trace', import.meta.url), 'utf8').split('\n')) {
    const r = parseTraceLine(l);
    if (r.type !== 'issue') asm.push(r);
  }
  return asm.flush(asm.lastMonoUs, true);
}

describe('formatWatchLine', () => {
  const evs = seedEvents();
  const en = evs.map((e) => formatWatchLine(e, 'en'));
  const zh = evs.map((e) => formatWatchLine(e, 'zh'));
  it('prints transitions with time in the old state, owner and meaning', () => {
    expect(en).toContain(
      `${formatClock(evs.find((e) => e.kind === 'state' && e.newState === 'CLOSE_WAIT')?.tsNs ?? 0n)} 127.0.0.1:56142 -> 127.0.0.1:37163 ESTABLISHED -> CLOSE_WAIT (2.208 ms) 8442/seedclient: the peer sent FIN; this process has not closed yet`,
    );
    expect(
      en.some((l) =>
        /FIN_WAIT2 -> TIME_WAIT \(25 µs\) \[synthesized\] 8431\/.*time-wait mini-socket/.test(l),
      ),
    ).toBe(true);
  });
  it('prints resets with state and reason gloss, SIGPIPE and the exit', () => {
    expect(
      en.some((l) =>
        /RST sent in TIME_WAIT 8431\/.*reason TCP_TIMEWAIT_SOCKET: a time-wait socket got new data/.test(l),
      ),
    ).toBe(true);
    expect(en.some((l) => /SIGPIPE generated for 8442\/seedclient: delivered/.test(l))).toBe(true);
    expect(en.some((l) => /process 8442\/seedclient killed by SIGPIPE$/.test(l))).toBe(true);
  });
  it('speaks Simplified Chinese with --lang zh', () => {
    expect(zh.some((l) => l.includes('对端发来了 FIN；本进程还没有关闭套接字'))).toBe(true);
    expect(
      zh.some(
        (l) =>
          l.includes('发出 RST') &&
          l.includes('（状态 TIME_WAIT）') &&
          l.includes('原因 TCP_TIMEWAIT_SOCKET'),
      ),
    ).toBe(true);
    expect(zh.some((l) => l.includes('为 8442/seedclient 产生了 SIGPIPE'))).toBe(true);
    expect(zh.some((l) => l.includes('进程 8442/seedclient 被 SIGPIPE 杀死'))).toBe(true);
  });
  it('formats clocks and spans', () => {
    expect(formatClock(1_764_000_123_456_789_000n)).toBe('16:02:03.456789');
    expect(formatSpan(56_000n)).toBe('56 µs');
    expect(formatSpan(2_208_000n)).toBe('2.208 ms');
    expect(formatSpan(97_800_000n)).toBe('97.8 ms');
  });
});
