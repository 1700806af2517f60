/**
 * @module lab/timeline
 * Pure: turns the lab's captured records into `PacketEvent`s (with the exact `tcpdump -n` line and
 * the analysis engine's explanations) and merges every lens's events into one sorted timeline.
 */
import { analyzePackets } from '../analysis/index.js';
import type { PacketAnalysis } from '../analysis/index.js';
import type { CaptureRecord } from '../capture/types.js';
import { flowKey, sortTimeline, type PacketEvent, type TimelineEvent } from '../events.js';
import { TcpdumpFormatter, tcpFlagString, type TcpdumpFormatOptions } from '../format/index.js';
import { decodePacket } from '../wire/index.js';

/** The packet lens's output for the report: events, full tcpdump lines and analysis by index. */
export interface LabPackets {
  readonly events: PacketEvent[];
  /** `tcpdump -n` lines with their timestamps, by packet index. */
  readonly lines: string[];
  readonly analysis: (PacketAnalysis | undefined)[];
}

/**
 * Decode, format and analyze the captured records.
 * @example const { events, lines } = buildPacketEvents(records, { tzOffset: () => 0 });
 */
export function buildPacketEvents(
  records: readonly CaptureRecord[],
  fmt: TcpdumpFormatOptions = {},
): LabPackets {
  const formatter = new TcpdumpFormatter(fmt);
  const decoded = records.map((r) => decodePacket(r));
  const { packets: analysis } = analyzePackets(decoded);
  const isn = new Map<string, number>();
  const events: PacketEvent[] = [];
  const lines: string[] = [];
  records.forEach((rec, index) => {
    const line = formatter.format(rec);
    lines.push(line);
    const p = decoded[index]!;
    if (!p.ip || !p.tcp) return;
    const src = { addr: p.ip.src, port: p.tcp.srcPort };
    const dst = { addr: p.ip.dst, port: p.tcp.dstPort };
    const fwd = `${src.addr}.${src.port}>${dst.addr}.${dst.port}`;
    const rev = `${dst.addr}.${dst.port}>${src.addr}.${src.port}`;
    if (p.tcp.flags & 0x02) isn.set(fwd, p.tcp.seq);
    const mine = isn.get(fwd);
    const theirs = isn.get(rev);
    events.push({
      kind: 'packet',
      lens: 'wire',
      tsNs: rec.tsNs,
      flow: flowKey(src, dst),
      index,
      src,
      dst,
      flags: tcpFlagString(p.tcp.flags),
      // relative to each direction's ISN when the SYN was seen, as tcpdump -n prints them
      seq: mine === undefined ? p.tcp.seq : (p.tcp.seq - mine) >>> 0,
      ack: theirs === undefined || !(p.tcp.flags & 0x10) ? p.tcp.ack : (p.tcp.ack - theirs) >>> 0,
      payloadLength: p.payloadLength,
      line: line.slice(line.indexOf(' ') + 1),
    });
  });
  return { events, lines, analysis };
}

/** Whether a kernel/process event belongs to this run (its port or one of its peers' pids). */
export function belongsToRun(e: TimelineEvent, port: number, pids: readonly number[]): boolean {
  switch (e.kind) {
    case 'state':
    case 'reset':
    case 'retransmit':
      return e.local.port === port || e.remote.port === port;
    case 'signal':
    case 'syscall':
    case 'process':
      return pids.includes(e.pid);
    case 'marker':
      return e.text.startsWith('tcpscope-lab ');
    case 'packet':
    case 'socket-snapshot':
    case 'annotation':
      return true;
  }
}

/** Merge every lens's events into one timeline on the realtime clock (stable for ties). */
export function mergeTimeline(...sources: readonly (readonly TimelineEvent[])[]): TimelineEvent[] {
  return sortTimeline(sources.flat());
}
