/**
 * @module lab/scenarios/common
 * Expectations shared by the scenarios, parameterized by which side closes first. Pure.
 */
import type { TimelineEvent } from '../../events.js';
import {
  exitOf,
  findRow,
  lensMissing,
  missingInOrder,
  packetsOf,
  transitionsOf,
  type Expectation,
  type PacketPattern,
  type RowView,
  type RunFacts,
} from '../scenario.js';

type Role = 'client' | 'server';

/** The packets appear in this order (other packets may sit between them). */
export function packetShape(
  id: string,
  text: Expectation['text'],
  patterns: (f: RunFacts) => PacketPattern[],
): Expectation {
  return {
    id,
    text,
    check(events, f) {
      if (!f.lenses.wire) return lensMissing(id, 'packet');
      const pkts = packetsOf(events).filter(
        (p) => p.src.port === f.serverPort || p.dst.port === f.serverPort,
      );
      const missing = missingInOrder(pkts, f.serverPort, patterns(f));
      return missing.length === 0
        ? { id, held: true, detail: `${pkts.length} packets, in the expected order` }
        : { id, held: false, detail: `not seen in order: ${missing.join(', ')} (${pkts.length} packets)` };
    },
  };
}

/** A side's socket went through these transitions (in order) per the kernel lens. */
export function statesReached(
  id: string,
  text: Expectation['text'],
  side: Role,
  wanted: string[],
): Expectation {
  return {
    id,
    text,
    check(events, f) {
      if (!f.lenses.kernel) return lensMissing(id, 'kernel');
      const seen = transitionsOf(events, side, f.serverPort);
      let i = 0;
      for (const t of seen) if (t === wanted[i]) i++;
      return i === wanted.length
        ? { id, held: true, detail: `${side}: ${seen.join(', ')}` }
        : {
            id,
            held: false,
            detail: `${side} transitions seen: ${seen.join(', ') || 'none'}; missing ${wanted[i]}`,
          };
    },
  };
}

/** The kernel of `sender` sent a reset to the other side. */
export function resetSent(id: string, text: Expectation['text'], sender: Role): Expectation {
  return {
    id,
    text,
    check(events, f) {
      if (!f.lenses.kernel) return lensMissing(id, 'kernel');
      const r = events.find(
        (e) =>
          e.kind === 'reset' &&
          ((e.direction === 'sent' && (e.local.port === f.serverPort) === (sender === 'server')) ||
            (e.direction === 'received' && (e.local.port === f.serverPort) !== (sender === 'server'))),
      );
      return r && r.kind === 'reset'
        ? { id, held: true, detail: `reset ${r.direction}${r.reason ? `, reason ${r.reason}` : ''}` }
        : { id, held: false, detail: 'no reset event' };
    },
  };
}

/** The kernel generated SIGPIPE for the peer's process. */
export function sigpipeFor(id: string, text: Expectation['text'], role: Role): Expectation {
  return {
    id,
    text,
    check(events, f) {
      if (!f.lenses.kernel) return lensMissing(id, 'kernel');
      const pid = role === 'client' ? f.clientPid : f.serverPid;
      const s = events.find((e) => e.kind === 'signal' && e.sig === 13 && e.pid === pid);
      return s && s.kind === 'signal'
        ? { id, held: true, detail: `SIGPIPE for pid ${pid} (${s.comm}), ${s.result}` }
        : { id, held: false, detail: `no SIGPIPE generated for pid ${pid}` };
    },
  };
}

/** The peer's process ended by this signal (the lab's own child handle: always available). */
export function diedBy(id: string, text: Expectation['text'], role: Role, signal: string): Expectation {
  return {
    id,
    text,
    check(events: readonly TimelineEvent[], f) {
      const pid = role === 'client' ? f.clientPid : f.serverPid;
      const ex = exitOf(events, pid);
      if (!ex || ex.kind !== 'process') return { id, held: false, detail: `pid ${pid} did not exit` };
      const how = ex.signal ? `signal ${ex.signal}` : `exit code ${ex.exitCode}`;
      return { id, held: ex.signal === signal, detail: `pid ${pid} ended by ${how}` };
    },
  };
}

/** A socket-table sample showed a row matching `pred` (described by `want`). */
export function rowSeen(
  id: string,
  text: Expectation['text'],
  want: string,
  pred: (row: RowView, f: RunFacts) => boolean,
): Expectation {
  return {
    id,
    text,
    check(events, f) {
      if (!f.lenses.sockets) return lensMissing(id, 'socket-table');
      const hit = findRow(events, (r) => pred(r, f));
      return hit
        ? {
            id,
            held: true,
            detail: `${hit.row.state} Recv-Q ${hit.row.recvQ} Send-Q ${hit.row.sendQ} owner ${hit.row.pid ?? '-'}`,
          }
        : { id, held: false, detail: `no sample showed ${want}` };
    },
  };
}

/** Flag predicates in tcpdump letters. */
export const FLAGS = {
  syn: (f: string) => f === 'S',
  synAck: (f: string) => f === 'S.',
  data: (f: string) => f.includes('P') || f === '.',
  fin: (f: string) => f.includes('F'),
  pureAck: (f: string) => f === '.',
  rst: (f: string) => f.includes('R'),
};
