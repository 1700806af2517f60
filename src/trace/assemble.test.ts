import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StateEvent, TimelineEvent } from '../events.js';
import { TraceAssembler } from './assemble.js';
import { parseTraceLine } from './line.js';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

function run(lines: string[], asm = new TraceAssembler({ offsetNs: 1_000_000_000_000n })): TimelineEvent[] {
  for (const l of lines) {
    const r = parseTraceLine(l);
    if (r.type !== 'issue') asm.push(r);
  }
  return asm.flush(asm.lastMonoUs, true);
}

const side = (evs: TimelineEvent[], port: number): string[] =>
  evs
    .filter((e): e is StateEvent => e.kind === 'state' && e.local.port === port)
    .map(
      (e) =>
        `${e.oldState}->${e.newState}${e.source === 'synthesized' ? '*' : ''} ${e.pid ?? '-'}${e.pidIsOwner === true ? '' : '?'}`,
    );

describe('TraceAssembler on a recorded exchange (server 16206 port 32947, client 16218)', () => {
  const evs = run(fixture('exchange.trace'));
  const client = evs.find((e): e is StateEvent => e.kind === 'state' && e.local.port !== 32947);
  it('links CLOSE -> SYN_SENT (sport=0) to its port and owner', () => {
    expect(client?.oldState).toBe('CLOSE');
    expect(client?.newState).toBe('SYN_SENT');
    expect(client?.local.port).not.toBe(0);
  });
  it('gives both sides every transition with the right owner, TIME_WAIT synthesized', () => {
    expect(side(evs, client?.local.port ?? -1)).toEqual([
      'CLOSE->SYN_SENT 16218',
      'SYN_SENT->ESTABLISHED 16218',
      'ESTABLISHED->FIN_WAIT1 16218',
      'FIN_WAIT1->FIN_WAIT2 16218',
      'FIN_WAIT2->TIME_WAIT* 16218',
    ]);
    expect(side(evs, 32947)).toEqual([
      'CLOSE->LISTEN 16206',
      'LISTEN->SYN_RECV 16206',
      'SYN_RECV->ESTABLISHED 16206',
      'ESTABLISHED->CLOSE_WAIT 16206',
      'CLOSE_WAIT->LAST_ACK 16206',
      'LAST_ACK->CLOSE 16206',
      'LISTEN->CLOSE 16206',
    ]);
  });
  it('converts mono µs to realtime ns with the offset, in time order, with time in the old state', () => {
    expect(evs[0]?.tsNs).toBe(1_000_000_000_000n + 1399_994_259_000n);
    for (let i = 1; i < evs.length; i++) expect((evs[i]?.tsNs ?? 0n) >= (evs[i - 1]?.tsNs ?? 0n)).toBe(true);
    const est = evs.find((e): e is StateEvent => e.kind === 'state' && e.oldState === 'SYN_SENT');
    expect(est?.inOldStateNs).toBe((1400_284_825n - 1400_284_732n) * 1000n);
  });
});

describe('TraceAssembler on the recorded seed (server 8431, client 8442)', () => {
  const evs = run(fixture('seed.trace'));
  it('reports the reset with its reason, then removes the time-wait socket', () => {
    const i = evs.findIndex((e) => e.kind === 'reset' && e.direction === 'sent');
    expect(evs[i]).toMatchObject({
      state: 'TIME_WAIT',
      reason: 'TCP_TIMEWAIT_SOCKET',
      local: { port: 37163 },
      pid: 8431,
      pidIsOwner: true,
    });
    expect(evs[i + 1]).toMatchObject({
      kind: 'state',
      oldState: 'TIME_WAIT',
      newState: 'CLOSE',
      source: 'synthesized',
    });
    const tw = evs.find((e): e is StateEvent => e.kind === 'state' && e.newState === 'TIME_WAIT');
    expect(tw?.note).toMatch(/substate FIN_WAIT2/);
  });
  it('attributes the received reset to the client, and its SIGPIPE, syscall and exit', () => {
    expect(evs.find((e) => e.kind === 'reset' && e.direction === 'received')).toMatchObject({
      pid: 8442,
      state: 'CLOSE_WAIT',
    });
    expect(evs.find((e) => e.kind === 'signal')).toMatchObject({ sig: 13, pid: 8442, result: 'delivered' });
    expect(evs.find((e) => e.kind === 'syscall')).toMatchObject({
      name: 'write',
      ret: -32,
      errno: 'EPIPE',
      pid: 8442,
    });
    expect(evs.find((e) => e.kind === 'process')).toMatchObject({
      pid: 8442,
      signal: 'SIGPIPE',
      exitCode: null,
    });
  });
  it('marks a softirq pid with no known owner as on-CPU only', () => {
    const asm = new TraceAssembler({ offsetNs: 0n });
    const out = run([fixture('seed.trace')[3] as string], asm); // LISTEN -> SYN_RECV seen alone
    expect(out[0]).toMatchObject({ pid: 8442, pidIsOwner: false });
    expect(asm.unowned.size).toBe(1);
  });
});

describe('TraceAssembler edge cases', () => {
  const connect = fixture('exchange.trace')[1] as string;
  it('releases a connect whose port never showed, after the hold time', () => {
    const asm = new TraceAssembler({ offsetNs: 0n, holdUs: 1000 });
    const r = parseTraceLine(connect);
    if (r.type === 'issue') throw new Error('fixture');
    asm.push(r);
    expect(asm.flush(r.type === 'lost' ? 0 : r.monoUs)).toEqual([]);
    expect(asm.flush(r.type === 'lost' ? 0 : r.monoUs + 2000)).toMatchObject([
      { newState: 'SYN_SENT', local: { port: 0 } },
    ]);
  });
  it('expires a synthesized TIME_WAIT after timeWaitMs', () => {
    const asm = new TraceAssembler({ offsetNs: 0n, timeWaitMs: 60_000 });
    run(fixture('exchange.trace'), asm);
    const later = asm.flush(asm.lastMonoUs + 61_000_000);
    expect(later).toMatchObject([
      { oldState: 'TIME_WAIT', newState: 'CLOSE', source: 'synthesized', pid: 16218 },
    ]);
  });
  it('drops events of other ports and signals not asked for', () => {
    expect(run(fixture('exchange.trace'), new TraceAssembler({ offsetNs: 0n, ports: [1] }))).toEqual([]);
    const evs = run(fixture('seed.trace'), new TraceAssembler({ offsetNs: 0n, signals: [9] }));
    expect(evs.some((e) => e.kind === 'signal')).toBe(false);
  });
});
