import { describe, expect, it } from 'vitest';
import type { SocketSnapshotEvent } from '../events.js';
import { renderSnapshot } from './lab.js';

const S = { addr: '127.0.0.1', port: 8006 };
const C = { addr: '127.0.0.1', port: 56710 };

describe('lab report: socket-table snapshots', () => {
  const snap: SocketSnapshotEvent = {
    kind: 'socket-snapshot',
    lens: 'socket-table',
    tsNs: 0n,
    rows: [
      {
        proto: 'tcp',
        local: S,
        remote: { addr: '0.0.0.0', port: 0 },
        state: 'LISTEN',
        recvQ: 0,
        sendQ: 0,
        pid: 2791,
        comm: 'lab-server',
      },
      {
        proto: 'tcp',
        local: C,
        remote: S,
        state: 'CLOSE_WAIT',
        recvQ: 59,
        sendQ: 0,
        pid: 2804,
        comm: 'lab-client',
      },
      { proto: 'tcp', local: S, remote: C, state: 'FIN_WAIT1', recvQ: 0, sendQ: 1 },
    ],
  };

  it('prints netstat-like rows with the article values and explains 59, 1 and "-"', () => {
    const lines = renderSnapshot(snap, 58, 'en');
    expect(lines[2]).toMatch(
      /tcp\s+59\s+0 127\.0\.0\.1:56710\s+127\.0\.0\.1:8006\s+CLOSE_WAIT\s+2804\/lab-client$/,
    );
    expect(lines[3]).toMatch(/FIN_WAIT1\s+-$/);
    const notes = lines.filter((l) => l.trimStart().startsWith('#')).join('\n');
    expect(notes).toContain('Recv-Q 59 = 58 unread bytes + 1 for the FIN');
    expect(notes).toContain('Send-Q 1 = the FIN');
    expect(notes).toContain("'-'");
  });

  it('speaks Chinese with --lang zh', () => {
    const notes = renderSnapshot(snap, 58, 'zh').join('\n');
    expect(notes).toContain('Recv-Q 59 = 58 个未读字节 + FIN 的 1');
    expect(notes).toContain('孤儿套接字');
  });

  it('says nothing about Recv-Q when it is not size + FIN', () => {
    const other = { ...snap, rows: [{ ...snap.rows[1]!, recvQ: 58 }] };
    expect(renderSnapshot(other, 58, 'en').join('\n')).not.toContain('for the FIN');
  });
});
