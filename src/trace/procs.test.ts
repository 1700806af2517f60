import { describe, expect, it } from 'vitest';
import { parseTraceLine, type TraceRecord } from './line.js';
import { ProcessTracker } from './procs.js';

const rec = (line: string): TraceRecord => {
  const r = parseTraceLine(line);
  if (r.type === 'issue') throw new Error(r.reason);
  return r;
};
type ExitRec = Extract<TraceRecord, { type: 'exit' }>;
type SignalRec = Extract<TraceRecord, { type: 'signal' }>;

// A SIGKILLed Node server (pid 2922): helper threads go first, the main thread (renamed tsrv),
// then the last helper, whose tgid tracefs had not learned yet when the line was read.
const kill = rec(
  '            bash-2916    (   2916) [001] d..2. 16758.880000: signal_generate: sig=9 errno=0 code=0 comm=tsrv pid=2922 grp=1 res=0',
) as SignalRec;
const lines = [
  '            node-2927    (   2922) [000] ..... 16758.893073: sched_process_exit: comm=node pid=2927 prio=120 group_dead=false',
  '            tsrv-2922    (   2922) [001] ..... 16758.896567: sched_process_exit: comm=tsrv pid=2922 prio=120 group_dead=false',
  '            node-2924    (-------) [001] ..... 16758.896587: sched_process_exit: comm=node pid=2924 prio=120 group_dead=true',
].map((l) => rec(l) as ExitRec);

describe('ProcessTracker exits', () => {
  it('gives a last thread of unknown tgid to the one wanted process that was exiting, with its signal', () => {
    const procs = new ProcessTracker(new Set([9]), 100);
    procs.signal(kill, 1n, 2916);
    const events = lines.map((r) =>
      procs.exit(
        r,
        2n,
        (pid) => pid === 2922,
        () => 'tsrv',
      ),
    );
    expect(events.slice(0, 2)).toEqual([undefined, undefined]);
    expect(events[2]).toMatchObject({ pid: 2922, comm: 'tsrv', signal: 'SIGKILL', exitCode: null });
  });

  it('does not guess between two exiting wanted processes, and ignores unwanted ones', () => {
    const procs = new ProcessTracker(new Set([9]), 100);
    const other = rec(
      '            node-3001    (   3000) [000] ..... 16758.890000: sched_process_exit: comm=node pid=3001 prio=120 group_dead=false',
    ) as ExitRec;
    procs.exit(other, 1n, () => true);
    const events = lines.map((r) => procs.exit(r, 2n, (pid) => pid === 2922 || pid === 3000));
    expect(events[2]).toBeUndefined();
    const alone = new ProcessTracker(new Set([9]), 100);
    expect(lines.map((r) => alone.exit(r, 2n, () => false))).toEqual([undefined, undefined, undefined]);
  });
});
