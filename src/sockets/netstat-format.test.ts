import { describe, expect, it } from 'vitest';
import {
  formatNetstat,
  formatNetstatAddress,
  formatNetstatHeader,
  formatNetstatProgram,
  formatNetstatTimer,
} from './netstat-format.js';
import type { SocketRow, SocketTimer } from './types.js';

const timer: SocketTimer = { kind: 'off', code: 0, expiresTicks: 0, expiresMs: 0, retransmits: 0, probes: 0 };
const row = (over: Partial<SocketRow>): SocketRow => ({
  proto: 'tcp',
  family: 4,
  local: { addr: '127.0.0.1', port: 40000 },
  remote: { addr: '127.0.0.1', port: 8006 },
  state: 'CLOSE_WAIT',
  recvQ: 59,
  sendQ: 0,
  inode: 1,
  uid: 0,
  timer,
  ...over,
});

describe('netstat format', () => {
  it('prints the header lines of -tanp, -tnp, -tlnp and -o', () => {
    expect(formatNetstatHeader({ scope: 'all' })).toBe(
      'Active Internet connections (servers and established)\n' +
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n',
    );
    expect(formatNetstatHeader({ scope: 'connected' })).toMatch(
      /^Active Internet connections \(w\/o servers\)\n/,
    );
    expect(formatNetstatHeader({ scope: 'listening', timers: true })).toMatch(
      /\(only servers\)\n.*PID\/Program name {5}Timer\n$/,
    );
  });

  it('prints a row with netstat column widths', () => {
    const text = formatNetstat([row({ pid: 4242, program: 'client' })], { scope: 'all' });
    expect(text.split('\n')[2]).toBe(
      'tcp       59      0 127.0.0.1:40000         127.0.0.1:8006          CLOSE_WAIT  4242/client         ',
    );
  });

  it('cuts long addresses like addr_do_one and shows v4-mapped as dotted quad', () => {
    expect(formatNetstatAddress('2001:db8:1234:5678:9abc:def0:1234:5678', 443)).toBe(
      '2001:db8:1234:5678::443',
    );
    expect(formatNetstatAddress('::', 0)).toBe(':::*');
    expect(formatNetstatAddress('::ffff:127.0.0.1', 9000)).toBe('127.0.0.1:9000');
    expect(formatNetstatAddress('0.0.0.0', 0)).toBe('0.0.0.0:*');
  });

  it('cuts PID/Program name to 19 bytes and prints - for orphans', () => {
    expect(formatNetstatProgram({ pid: 123456, program: 'averyveryverylongprogramname' })).toBe(
      '123456/averyveryver',
    );
    expect(formatNetstatProgram({})).toBe('-');
  });

  it('filters by remote port like netstat (-l servers, default connected)', () => {
    const rows = [row({}), row({ state: 'LISTEN', remote: { addr: '0.0.0.0', port: 0 }, recvQ: 0 })];
    expect(formatNetstat(rows, { scope: 'listening' }).split('\n')).toHaveLength(4);
    expect(formatNetstat(rows, { scope: 'connected' })).toContain('CLOSE_WAIT');
    expect(formatNetstat(rows, { scope: 'connected' })).not.toContain('LISTEN');
  });

  it('prints -o timers', () => {
    expect(formatNetstatTimer(timer)).toBe('off (0.00/0/0)');
    expect(formatNetstatTimer({ ...timer, code: 2, expiresTicks: 719987 })).toBe('keepalive (7199.87/0/0)');
    expect(formatNetstatTimer({ ...timer, code: 1, expiresTicks: 20, retransmits: 3 })).toBe('on (0.20/3/0)');
    expect(formatNetstatTimer({ ...timer, code: 3, expiresTicks: 5900 })).toBe('timewait (59.00/0/0)');
    expect(formatNetstatTimer({ ...timer, code: 4, expiresTicks: 104, probes: 2 })).toBe('probe (1.04/0/2)');
    expect(formatNetstatTimer({ ...timer, code: 9 })).toBe('unkn-9 (0.00/0/0)');
  });
});
