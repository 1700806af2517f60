import { describe, expect, it } from 'vitest';
import { diffSockets, formatChange, socketKey, type WatchState } from './diff.js';
import type { SocketRow } from './types.js';

const timer = { kind: 'off', code: 0, expiresTicks: 0, expiresMs: 0, retransmits: 0, probes: 0 } as const;
const conn = (state: SocketRow['state'], recvQ = 0): SocketRow => ({
  proto: 'tcp',
  family: 4,
  local: { addr: '127.0.0.1', port: 40000 },
  remote: { addr: '127.0.0.1', port: 8006 },
  state,
  recvQ,
  sendQ: 0,
  inode: 7,
  uid: 0,
  timer,
  pid: 42,
  comm: 'client',
});

describe('watch diff', () => {
  it('reports appeared, state change with time in the previous state, queue change, gone', () => {
    let state: WatchState = new Map();
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    let d = diffSockets(state, [conn('ESTABLISHED')], t0);
    expect(d.changes.map((c) => c.kind)).toEqual(['appeared']);
    state = d.state;
    d = diffSockets(state, [conn('ESTABLISHED')], t0 + 1000);
    expect(d.changes).toEqual([]);
    state = d.state;
    d = diffSockets(state, [conn('CLOSE_WAIT', 59)], t0 + 5000);
    expect(d.changes).toMatchObject([{ kind: 'state', from: 'ESTABLISHED', inPreviousMs: 5000 }]);
    expect(formatChange(d.changes[0]!)).toBe(
      '12:00:05.000 ~ tcp 127.0.0.1:40000 -> 127.0.0.1:8006 ESTABLISHED -> CLOSE_WAIT after 5.0 s Recv-Q 59 Send-Q 0  42/client',
    );
    state = d.state;
    d = diffSockets(state, [conn('CLOSE_WAIT', 117)], t0 + 17_000);
    expect(d.changes).toMatchObject([{ kind: 'queue', inStateMs: 12_000 }]);
    expect(formatChange(d.changes[0]!)).toContain('CLOSE_WAIT for 12 s: Recv-Q 59 -> 117');
    state = d.state;
    d = diffSockets(state, [], t0 + 20_000);
    expect(d.changes).toMatchObject([{ kind: 'gone', inStateMs: 15_000 }]);
    expect(formatChange(d.changes[0]!)).toContain('gone (was CLOSE_WAIT for 15 s)');
    expect(d.state.size).toBe(0);
  });

  it('keys listeners by inode and connections by 4-tuple', () => {
    const l = { ...conn('LISTEN'), remote: { addr: '0.0.0.0', port: 0 } };
    expect(socketKey(l)).toBe('tcp 127.0.0.1:40000 0.0.0.0:0 #7');
    expect(socketKey(conn('TIME_WAIT'))).toBe(socketKey({ ...conn('ESTABLISHED'), inode: 0 }));
  });
});
