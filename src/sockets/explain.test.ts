import { describe, expect, it } from 'vitest';
import { explainSocketRow, SOCKET_NOTES, socketNote } from './explain.js';
import type { SocketRow } from './types.js';

const timer = { kind: 'off', code: 0, expiresTicks: 0, expiresMs: 0, retransmits: 0, probes: 0 } as const;
const base: SocketRow = {
  proto: 'tcp',
  family: 4,
  local: { addr: '127.0.0.1', port: 40000 },
  remote: { addr: '127.0.0.1', port: 8006 },
  state: 'ESTABLISHED',
  recvQ: 0,
  sendQ: 0,
  inode: 5,
  uid: 0,
  timer,
  pid: 1,
};
const keys = (r: Partial<SocketRow>, secs?: number): string[] =>
  explainSocketRow({ ...base, ...r }, 'en', secs).map((n) => n.key);

describe('explain', () => {
  it('explains the seed: Recv-Q 59 = 58 unread bytes + the FIN, in CLOSE_WAIT', () => {
    const notes = explainSocketRow({ ...base, state: 'CLOSE_WAIT', recvQ: 59 }, 'en', 12);
    expect(notes[0]?.text).toMatch(/^Recv-Q 59 = 58 unread bytes \+ 1 for the peer's FIN/);
    expect(notes.map((n) => n.key)).toEqual(['recvq-with-fin', 'close-wait', 'close-wait-for']);
    expect(notes[2]?.text).toBe('in CLOSE_WAIT for 12 s');
    const zh = explainSocketRow({ ...base, state: 'CLOSE_WAIT', recvQ: 59 }, 'zh');
    expect(zh[0]?.text).toContain('58 个未读字节');
  });

  it('picks the right note per row', () => {
    expect(keys({ state: 'LISTEN', recvQ: 3, remote: { addr: '0.0.0.0', port: 0 } })).toEqual([
      'listen-recvq',
    ]);
    expect(keys({ state: 'LISTEN', recvQ: 0 })).toEqual([]);
    expect(keys({ recvQ: 100 })).toEqual(['recvq-unread']);
    expect(keys({ sendQ: 10 })).toEqual(['sendq-unacked']);
    expect(keys({ state: 'FIN_WAIT1', sendQ: 1, pid: undefined, inode: 0 })).toEqual(['sendq-fin', 'orphan']);
    expect(keys({ state: 'FIN_WAIT2', pid: undefined, inode: 0 })).toEqual(['fin-wait2', 'orphan']);
    expect(
      keys({ state: 'TIME_WAIT', pid: undefined, inode: 0, timer: { ...timer, code: 3, expiresMs: 41_200 } }),
    ).toEqual(['time-wait']);
    expect(
      explainSocketRow({ ...base, state: 'TIME_WAIT', timer: { ...timer, expiresMs: 41_200 } })[0]?.text,
    ).toContain('42 s left');
    expect(keys({ pid: undefined, inode: 9 })).toEqual(['owner-unknown']);
  });

  it('has both languages for every note, with the same parameters', () => {
    const params = (t: string): string[] => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
    for (const [key, entry] of Object.entries(SOCKET_NOTES)) {
      expect(entry.en.length, key).toBeGreaterThan(0);
      expect(entry.zh.length, key).toBeGreaterThan(0);
      expect(params(entry.zh), key).toEqual(params(entry.en));
    }
    expect(socketNote('sendq-fin', { sendQ: 1, data: 0 }, 'en')).toContain(
      '0 unacknowledged data bytes + 1 for the FIN',
    );
    expect(socketNote('sendq-fin', {}, 'en')).toContain('{sendQ}');
  });
});
