import { describe, expect, it } from 'vitest';
import { OwnerTracker } from './owners.js';

describe('OwnerTracker', () => {
  const local = { addr: '127.0.0.1', port: 4000 };
  const remote = { addr: '127.0.0.1', port: 0 };

  it('keeps the name a pid had while it was alive when tracefs prints <...> after the pid is reused', () => {
    const proc = new Map([[4242, 'tsrv']]);
    const owners = new OwnerTracker(100, (pid) => proc.get(pid));
    const ctx = { tid: 4242, tgid: 4242, comm: '<...>', flags: '.....' };
    expect(owners.attribute(ctx, local, remote)).toMatchObject({ pid: 4242, comm: 'tsrv', pidIsOwner: true });
    proc.set(4242, 'mkdir'); // the owner died; a new process got its pid before the events were read
    expect(owners.attribute(ctx, local, remote)).toMatchObject({ pid: 4242, comm: 'tsrv' });
    expect(owners.commOfPid(4242)).toBe('tsrv');
  });

  it('asks /proc for a pid it has not seen, and takes a printed name as the newest', () => {
    const owners = new OwnerTracker(100, (pid) => (pid === 7 ? 'seven' : undefined));
    expect(owners.task({ tid: 7, comm: '<...>' })).toEqual({ pid: 7, comm: 'seven' });
    owners.attribute({ tid: 7, comm: 'renamed', flags: '.....' }, local, remote);
    expect(owners.commOfPid(7)).toBe('renamed');
  });
});
