import { describe, expect, it } from 'vitest';
import { TcpscopeError } from '../util/errors.js';
import { filterRows, parseStateList } from './filter.js';
import type { SocketRow } from './types.js';

const timer = { kind: 'off', code: 0, expiresTicks: 0, expiresMs: 0, retransmits: 0, probes: 0 } as const;
const row = (
  state: SocketRow['state'],
  lport: number,
  rport: number,
  family: 4 | 6 = 4,
  pid?: number,
): SocketRow => ({
  proto: family === 4 ? 'tcp' : 'tcp6',
  family,
  local: { addr: '127.0.0.1', port: lport },
  remote: { addr: rport ? '127.0.0.1' : '0.0.0.0', port: rport },
  state,
  recvQ: 0,
  sendQ: 0,
  inode: 1,
  uid: 0,
  timer,
  ...(pid !== undefined ? { pid } : {}),
});

describe('filters', () => {
  it('accepts netstat and ss state spellings, any case, comma separated', () => {
    expect(parseStateList('close-wait,FIN_WAIT1')).toEqual(['CLOSE_WAIT', 'FIN_WAIT1']);
    expect(parseStateList('fin-wait-2, estab,listening,time-wait')).toEqual([
      'FIN_WAIT2',
      'ESTABLISHED',
      'LISTEN',
      'TIME_WAIT',
    ]);
    expect(parseStateList('Syn-Recv,closed,unconn')).toEqual(['SYN_RECV', 'CLOSE']);
    expect(parseStateList('connected')).not.toContain('LISTEN');
    expect(parseStateList('bucket')).toEqual(['SYN_RECV', 'TIME_WAIT']);
  });

  it('names the bad state', () => {
    expect(() => parseStateList('close_wiat')).toThrow(/unknown TCP state "close_wiat"/);
    expect(() => parseStateList('nope')).toThrow(TcpscopeError);
  });

  it('filters by port at either end, pid, family, scope and state', () => {
    const rows = [
      row('LISTEN', 8006, 0),
      row('ESTABLISHED', 8006, 40000, 4, 10),
      row('CLOSE_WAIT', 40000, 8006, 4, 11),
      row('ESTABLISHED', 9000, 50000, 6, 12),
    ];
    expect(filterRows(rows, { ports: [8006] })).toHaveLength(2); // default scope: connected
    expect(filterRows(rows, { ports: [8006], scope: 'all' })).toHaveLength(3);
    expect(filterRows(rows, { scope: 'listening' })).toEqual([rows[0]]);
    expect(filterRows(rows, { states: ['LISTEN', 'CLOSE_WAIT'] })).toEqual([rows[0], rows[2]]);
    expect(filterRows(rows, { pids: [11], scope: 'all' })).toEqual([rows[2]]);
    expect(filterRows(rows, { families: [6], scope: 'all' })).toEqual([rows[3]]);
  });
});
