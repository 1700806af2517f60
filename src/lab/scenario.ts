/**
 * @module lab/scenario
 * The shape of a lab scenario (packetdrill-style: what it shows and assumes, the expected packets in
 * tcpdump notation, and the expected observations as checks over the timeline's events) and the
 * pure helpers the checks use. A check reads events only, never report text.
 */
import type { PacketEvent, TcpState, TimelineEvent } from '../events.js';
import type { Lang } from '../report/explain/index.js';

/** Which lenses ran in this run (a check that needs a missing lens says so instead of guessing). */
export interface LensAvailability {
  readonly wire: boolean;
  readonly kernel: boolean;
  readonly sockets: boolean;
}

/** Facts the runner knows about the run, handed to each check with the events. */
export interface RunFacts {
  readonly serverPort: number;
  readonly serverPid?: number;
  readonly clientPid?: number;
  /** Message size in bytes (client sends and server replies). */
  readonly size: number;
  readonly trapSignals: boolean;
  readonly lenses: LensAvailability;
}

/** The outcome of one expected observation. */
export interface CheckResult {
  readonly id: string;
  readonly held: boolean;
  /** What was seen (or why it could not be checked). */
  readonly detail: string;
  /** True when the lens this observation needs did not run (then `held` is false). */
  readonly unchecked?: boolean;
}

/** One expected observation: a sentence per language and an evaluator over the timeline. */
export interface Expectation {
  readonly id: string;
  readonly text: Readonly<Record<Lang, string>>;
  readonly check: (events: readonly TimelineEvent[], facts: RunFacts) => CheckResult;
}

/**
 * How the lab ends a run: wait for the client to die (SIGPIPE); let a signal-trapping client loop,
 * send it SIGINT (caught), then SIGKILL; or wait for the server to die (SIGPIPE).
 */
export type Ending = 'client-dies' | 'client-trapped' | 'server-dies';

export interface Scenario {
  readonly name: string;
  /** One line for `tcpscope lab list`. */
  readonly summary: Readonly<Record<Lang, string>>;
  /** What it shows and what it assumes (a paragraph). */
  readonly about: Readonly<Record<Lang, string>>;
  /** Expected packets in tcpdump -n notation (relative sequence numbers), for the report. */
  readonly expectedPackets: readonly string[];
  /** Peer roles: the server closes after replying, or keeps writing; the client loops or leaves. */
  readonly server: { readonly keepWriting: boolean };
  readonly client: { readonly once: boolean };
  /** Which ending the run waits for, given --trap-signals. */
  ending(trapSignals: boolean): Ending;
  expectations(trapSignals: boolean): readonly Expectation[];
}

// ---- pure helpers over events ------------------------------------------------------------------

/** Whether a packet goes from the client to the server (dst port = server port). */
export function isToServer(p: PacketEvent, serverPort: number): boolean {
  return p.dst.port === serverPort;
}

/** The packets in timeline order. */
export function packetsOf(events: readonly TimelineEvent[]): PacketEvent[] {
  return events.filter((e): e is PacketEvent => e.kind === 'packet');
}

/** A packet pattern: direction, flags (tcpdump letters), optional payload length. */
export interface PacketPattern {
  readonly toServer: boolean;
  readonly flags: (flags: string) => boolean;
  readonly length?: number;
  readonly label: string;
}

/**
 * Finds `patterns` as an ordered subsequence of the packets; returns the label of the first one
 * not found (empty when all were).
 * @example missingInOrder(packets, 8006, [{ toServer: true, flags: (f) => f === 'S', label: '[S]' }])
 */
export function missingInOrder(
  packets: readonly PacketEvent[],
  serverPort: number,
  patterns: readonly PacketPattern[],
): string[] {
  let i = 0;
  for (const pat of patterns) {
    let found = false;
    while (i < packets.length) {
      const p = packets[i++]!;
      if (
        isToServer(p, serverPort) === pat.toServer &&
        pat.flags(p.flags) &&
        (pat.length === undefined || p.payloadLength === pat.length)
      ) {
        found = true;
        break;
      }
    }
    if (!found) return [pat.label];
  }
  return [];
}

/** Which side a socket belongs to: the server's socket has local port = server port. */
export function sideOf(local: { port: number }, serverPort: number): 'server' | 'client' {
  return local.port === serverPort ? 'server' : 'client';
}

/** The state transitions of one side, in order, as `FROM->TO` (LISTEN sockets left out). */
export function transitionsOf(
  events: readonly TimelineEvent[],
  side: 'server' | 'client',
  serverPort: number,
): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind !== 'state' || e.newState === 'LISTEN' || e.oldState === 'LISTEN') continue;
    if (e.local.port !== serverPort && e.remote.port !== serverPort) continue;
    if (sideOf(e.local, serverPort) === side) out.push(`${e.oldState}->${e.newState}`);
  }
  return out;
}

/** The sends a peer logged (markers, deduplicated by number): `{ n, result }`, result `ok` or an errno. */
export function sendsOf(
  events: readonly TimelineEvent[],
  role: 'client' | 'server',
): { n: number; result: string }[] {
  const re = new RegExp(`^tcpscope-lab ${role} send #(\\d+) (\\S+)`);
  const seen = new Set<number>();
  const out: { n: number; result: string }[] = [];
  for (const e of events) {
    if (e.kind !== 'marker') continue;
    const m = re.exec(e.text);
    if (!m || seen.has(Number(m[1]))) continue;
    seen.add(Number(m[1]));
    out.push({ n: Number(m[1]), result: m[2]! });
  }
  return out;
}

/** Whether a peer logged a line containing `text`. */
export function peerSaid(events: readonly TimelineEvent[], role: 'client' | 'server', text: string): boolean {
  return events.some(
    (e) => e.kind === 'marker' && e.text.startsWith(`tcpscope-lab ${role} `) && e.text.includes(text),
  );
}

/** The exit event of `pid` as the lab's child handle saw it. */
export function exitOf(events: readonly TimelineEvent[], pid: number | undefined): TimelineEvent | undefined {
  return events.find((e) => e.kind === 'process' && e.action === 'exit' && e.lens === 'lab' && e.pid === pid);
}

/** The row shape the socket checks look at. */
export interface RowView {
  readonly state: TcpState;
  readonly recvQ: number;
  readonly sendQ: number;
  readonly pid?: number;
  readonly local: { readonly port: number };
  readonly remote: { readonly port: number };
}

/** The first snapshot row matching the predicate, with the snapshot's time. */
export function findRow(
  events: readonly TimelineEvent[],
  pred: (row: RowView) => boolean,
): { row: RowView; tsNs: bigint } | undefined {
  for (const e of events) {
    if (e.kind !== 'socket-snapshot') continue;
    const row = e.rows.find(pred);
    if (row) return { row, tsNs: e.tsNs };
  }
  return undefined;
}

/** A check result for a lens that did not run. */
export function lensMissing(id: string, lens: string): CheckResult {
  return { id, held: false, unchecked: true, detail: `not checked: the ${lens} lens did not run` };
}
