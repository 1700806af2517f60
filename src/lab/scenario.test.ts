import { describe, expect, it } from 'vitest';
import type { Endpoint, TimelineEvent } from '../events.js';
import { labText } from './explain.js';
import { missingInOrder, packetsOf, sendsOf, transitionsOf, type RunFacts } from './scenario.js';
import { findScenario, SCENARIOS } from './scenarios/index.js';
import { labMessage } from './server.js';

const S: Endpoint = { addr: '127.0.0.1', port: 8006 };
const C: Endpoint = { addr: '127.0.0.1', port: 40000 };
let t = 0n;
const ts = (): bigint => (t += 1000n);

function pkt(toServer: boolean, flags: string, payloadLength = 0, seq = 0): TimelineEvent {
  return {
    kind: 'packet',
    lens: 'wire',
    tsNs: ts(),
    index: 0,
    src: toServer ? C : S,
    dst: toServer ? S : C,
    flags,
    seq,
    ack: 0,
    payloadLength,
    line: '',
  };
}
function state(local: Endpoint, oldState: string, newState: string): TimelineEvent {
  return {
    kind: 'state',
    lens: 'kernel',
    tsNs: ts(),
    local,
    remote: local === S ? C : S,
    oldState: oldState as 'CLOSE',
    newState: newState as 'CLOSE',
    source: 'traced',
  };
}
const marker = (text: string): TimelineEvent => ({
  kind: 'marker',
  lens: 'process',
  tsNs: ts(),
  pid: 2,
  text,
});

/** The seed run as the lenses report it (default ending). */
function seedTimeline(): TimelineEvent[] {
  return [
    pkt(true, 'S'),
    pkt(false, 'S.'),
    pkt(true, '.'),
    pkt(true, 'P.', 58, 1),
    marker('tcpscope-lab client send #1 ok 58'),
    pkt(false, '.'),
    pkt(false, 'P.', 58, 1),
    pkt(true, '.'),
    state(S, 'ESTABLISHED', 'FIN_WAIT1'),
    pkt(false, 'F.', 0, 59),
    state(C, 'ESTABLISHED', 'CLOSE_WAIT'),
    {
      kind: 'socket-snapshot',
      lens: 'socket-table',
      tsNs: ts(),
      rows: [
        {
          proto: 'tcp',
          local: C,
          remote: S,
          state: 'CLOSE_WAIT',
          recvQ: 59,
          sendQ: 0,
          pid: 2,
          comm: 'lab-client',
        },
        { proto: 'tcp', local: S, remote: C, state: 'FIN_WAIT1', recvQ: 0, sendQ: 1 },
      ],
    },
    pkt(true, '.'),
    state(S, 'FIN_WAIT1', 'FIN_WAIT2'),
    pkt(true, 'P.', 58, 59),
    marker('tcpscope-lab client send #2 ok 58'),
    {
      kind: 'reset',
      lens: 'kernel',
      tsNs: ts(),
      direction: 'sent',
      local: S,
      remote: C,
      reason: 'TCP_TIMEWAIT_SOCKET',
    },
    pkt(false, 'R', 0, 60),
    state(C, 'CLOSE_WAIT', 'CLOSE'),
    {
      kind: 'signal',
      lens: 'process',
      tsNs: ts(),
      sig: 13,
      signame: 'SIGPIPE',
      pid: 2,
      comm: 'lab-client',
      result: 'delivered',
    },
    {
      kind: 'syscall',
      lens: 'process',
      tsNs: ts(),
      pid: 2,
      comm: 'lab-client',
      name: 'write',
      ret: -32,
      errno: 'EPIPE',
    },
    {
      kind: 'process',
      lens: 'lab',
      tsNs: ts(),
      action: 'exit',
      pid: 2,
      comm: 'lab-client',
      exitCode: null,
      signal: 'SIGPIPE',
    },
  ];
}
const facts: RunFacts = {
  serverPort: 8006,
  serverPid: 1,
  clientPid: 2,
  size: 58,
  trapSignals: false,
  lenses: { wire: true, kernel: true, sockets: true },
};

describe('lab scenarios', () => {
  it('builds messages of exactly the asked size', () => {
    for (const n of [1, 10, 58, 1000]) expect(labMessage('client', 3, n).length).toBe(n);
  });

  it('finds packet shapes in order and names the first missing one', () => {
    const p = packetsOf(seedTimeline());
    const pats = [
      { toServer: true, flags: (f: string) => f === 'S', label: 'syn' },
      { toServer: false, flags: (f: string) => f === 'R', label: 'rst' },
    ];
    expect(missingInOrder(p, 8006, pats)).toEqual([]);
    expect(missingInOrder(p, 8006, [...pats].reverse())).toEqual(['syn']);
  });

  it('reads transitions per side and sends from markers', () => {
    const ev = seedTimeline();
    expect(transitionsOf(ev, 'server', 8006)).toEqual(['ESTABLISHED->FIN_WAIT1', 'FIN_WAIT1->FIN_WAIT2']);
    expect(transitionsOf(ev, 'client', 8006)).toEqual(['ESTABLISHED->CLOSE_WAIT', 'CLOSE_WAIT->CLOSE']);
    expect(sendsOf(ev, 'client')).toEqual([
      { n: 1, result: 'ok' },
      { n: 2, result: 'ok' },
    ]);
  });

  it('close-wait-client holds on the seed timeline', () => {
    const sc = findScenario('close-wait-client')!;
    const results = sc.expectations(false).map((x) => x.check(seedTimeline(), facts));
    expect(results.filter((r) => !r.held)).toEqual([]);
  });

  it('each observation fails when its evidence is removed', () => {
    const sc = findScenario('close-wait-client')!;
    const drop: Record<string, (e: TimelineEvent) => boolean> = {
      packets: (e) => e.kind === 'packet' && e.flags === 'R',
      'server-states': (e) => e.kind === 'state' && e.newState === 'FIN_WAIT2',
      'client-states': (e) => e.kind === 'state' && e.newState === 'CLOSE_WAIT',
      reset: (e) => e.kind === 'reset',
      'recv-q': (e) => e.kind === 'socket-snapshot',
      orphan: (e) => e.kind === 'socket-snapshot',
      sends: (e) => e.kind === 'syscall',
      sigpipe: (e) => e.kind === 'signal',
      fate: (e) => e.kind === 'process',
    };
    for (const x of sc.expectations(false)) {
      const pred = drop[x.id];
      expect(pred, `a removal for ${x.id}`).toBeDefined();
      const r = x.check(
        seedTimeline().filter((e) => !pred!(e)),
        facts,
      );
      expect(r.held, x.id).toBe(false);
    }
  });

  it('a missing lens makes its observations unchecked, not guessed', () => {
    const sc = findScenario('close-wait-client')!;
    const off = { ...facts, lenses: { wire: false, kernel: false, sockets: true } };
    const r = sc.expectations(false).map((x) => x.check(seedTimeline(), off));
    expect(r.filter((c) => c.unchecked).map((c) => c.id)).toEqual([
      'packets',
      'server-states',
      'client-states',
      'reset',
      'sigpipe',
    ]);
  });

  it('every scenario has text in both languages', () => {
    for (const s of SCENARIOS) {
      for (const x of [...s.expectations(false), ...s.expectations(true)]) {
        expect(x.text.en.length).toBeGreaterThan(5);
        expect(x.text.zh.length).toBeGreaterThan(5);
      }
      expect(s.summary.zh).not.toBe(s.summary.en);
    }
    expect(labText('exit-signal', { who: 'x', signal: 'SIGPIPE', status: 141 }, 'zh')).toContain('141');
  });
});
