/**
 * @module lab/runner
 * `tcpscope lab run`: starts the lenses, spawns the peers as real child processes, drives the
 * scenario's ending (bounded in time), stops everything on every exit path (children killed by
 * pid, tracefs instance removed, tcpdump stopped, also on SIGINT/SIGTERM of the runner), merges the
 * events on one clock and checks the scenario's expectations against them.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { MarkerEvent, TimelineEvent } from '../events.js';
import type { ClockInfo } from '../trace/index.js';
import { InputError } from '../util/errors.js';
import { Peer } from './children.js';
import { KernelLens, SocketSampler, WireLens } from './lenses.js';
import { MARKER_ENV, PARENT_ENV } from './peer-io.js';
import type { CheckResult, RunFacts, Scenario } from './scenario.js';
import { belongsToRun, buildPacketEvents, mergeTimeline, type LabPackets } from './timeline.js';

export interface LabRunOptions {
  readonly scenario: Scenario;
  readonly intervalMs: number;
  readonly trapSignals: boolean;
  /** 'auto': 8006 or the next free port; 0: the kernel picks one; N: exactly N. */
  readonly port: 'auto' | number;
  readonly size: number;
  readonly outDir: string;
  /** The tcpscope CLI script that runs the peers (dist/cli/main.js). */
  readonly cliPath: string;
  /** Progress lines (stderr in the CLI). */
  readonly progress: (line: string) => void;
}

export interface LabRunResult {
  readonly events: TimelineEvent[];
  readonly packets: LabPackets;
  readonly facts: RunFacts;
  readonly checks: CheckResult[];
  /** One line per lens that did not run or lost data. */
  readonly notes: string[];
  readonly clock?: ClockInfo;
  readonly socketSamples: number;
  /** Every process the run started, by pid (for callers that verify nothing was left behind). */
  readonly childPids: { readonly server: number; readonly client: number; readonly tcpdump?: number };
  /** The tracefs instance the kernel lens used (removed when the run returns). */
  readonly traceInstance?: string;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** 8006, or the next free port (bounded search). */
export async function pickPort(spec: 'auto' | number): Promise<number> {
  if (spec !== 'auto') return spec;
  for (let p = 8006; p < 8106; p++) if (await portFree(p)) return p;
  return 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A peer's stdout line as a lab marker (`HH:MM:SS.mmm client: text` -> `tcpscope-lab client text`). */
function peerMarker(peer: Peer, tsNs: bigint, text: string): MarkerEvent {
  const body = text.replace(/^\d\d:\d\d:\d\d\.\d{3} (client|server): /, '');
  return { kind: 'marker', lens: 'lab', tsNs, pid: peer.pid, text: `tcpscope-lab ${peer.role} ${body}` };
}

/**
 * Runs a scenario end to end. Never leaves a child or a tracefs instance behind.
 * @example const r = await runLab({ scenario, intervalMs: 300, trapSignals: false, port: 0, ... });
 */
export async function runLab(o: LabRunOptions): Promise<LabRunResult> {
  mkdirSync(o.outDir, { recursive: true });
  const notes: string[] = [];
  const peers: Peer[] = [];
  let kernel: KernelLens | undefined;
  let wire: WireLens | undefined;
  const sampler = { current: undefined as SocketSampler | undefined };
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = sig;
    for (const p of peers) p.signal('SIGKILL');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const say = (peer: Peer, text: string): void =>
    o.progress(`  ${peer.role}[${peer.pid}] ${text.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '')}`);

  try {
    const requested = await pickPort(o.port);
    kernel = KernelLens.start(notes, requested > 0 ? [requested] : []);
    const env = {
      ...process.env,
      [PARENT_ENV]: String(process.pid),
      ...(kernel ? { [MARKER_ENV]: kernel.trace.markerPath } : {}),
    };
    const maxSends = String(Math.max(20, Math.ceil(60_000 / o.intervalMs)));
    const server = new Peer(
      'server',
      process.execPath,
      [
        o.cliPath,
        'lab',
        'server',
        '--port',
        String(requested),
        '--size',
        String(o.size),
        '--interval',
        `${o.intervalMs}ms`,
        '--max-sends',
        maxSends,
        ...(o.scenario.server.keepWriting ? ['--keep-writing'] : []),
      ],
      env,
      say,
    );
    peers.push(server);
    const listening = await server.waitLine((t) => t.includes('listening '), 10_000);
    const port = Number(/listening \S+:(\d+)/.exec(listening ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(port) || port <= 0)
      throw new InputError(`the lab server did not start: ${server.lines.map((l) => l.text).join(' / ')}`);
    kernel?.trace.setPorts([port]);
    o.progress(`tcpscope lab: ${o.scenario.name} on 127.0.0.1:${port}, interval ${o.intervalMs} ms`);
    wire = await WireLens.start(notes, port, `${o.outDir}/capture.pcap`);
    const s = new SocketSampler(port, () => peers.map((p) => p.pid));
    if (s.start(notes)) sampler.current = s;
    for (const n of notes) o.progress(`! ${n}`);
    const client = new Peer(
      'client',
      process.execPath,
      [
        o.cliPath,
        'lab',
        'client',
        '--port',
        String(port),
        '--interval',
        `${o.intervalMs}ms`,
        '--size',
        String(o.size),
        '--max-sends',
        maxSends,
        ...(o.trapSignals ? ['--trap-signals'] : []),
        ...(o.scenario.client.once ? ['--once'] : []),
      ],
      env,
      say,
    );
    peers.push(client);
    await driveEnding(o, server, client, () => interrupted !== undefined);
    await sleep(Math.min(300, o.intervalMs));
    return await finish(o, notes, port, server, client, kernel, wire, sampler.current);
  } finally {
    sampler.current?.stop();
    for (const p of peers) await p.kill();
    await wire?.capture.stop().catch(() => undefined);
    await kernel?.stop().catch(() => undefined);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGHUP', onSignal);
    if (interrupted) process.kill(process.pid, interrupted);
  }
}

/** Waits for the scenario's ending, bounded by a deadline; progress says what it waits for. */
async function driveEnding(o: LabRunOptions, server: Peer, client: Peer, stop: () => boolean): Promise<void> {
  const bound = o.intervalMs * 6 + 10_000;
  const ending = o.scenario.ending(o.trapSignals);
  if (ending === 'client-dies') {
    o.progress(
      `waiting for the client's second send (${o.intervalMs} ms), the RST, then its death by SIGPIPE…`,
    );
    if (!(await client.waitExit(bound))) o.progress('the client did not die in time: ending the run');
  } else if (ending === 'server-dies') {
    o.progress(
      `waiting for the server to write into CLOSE_WAIT (${o.intervalMs} ms), the RST, then its death by SIGPIPE…`,
    );
    if (!(await server.waitExit(bound))) o.progress('the server did not die in time: ending the run');
  } else {
    o.progress('waiting for the first failing send (EPIPE) and the caught SIGPIPE…');
    await client.waitLine((t) => t.includes('caught signal 13'), bound);
    const failing = (): number => client.lines.filter((l) => / send #\d+ E[A-Z]+/.test(l.text)).length;
    const target = failing() + 2;
    o.progress('the client lives on in its dead loop: watching two more failing sends…');
    for (let i = 0; i < 40 && failing() < target && client.alive && !stop(); i++)
      await sleep(o.intervalMs / 4);
    o.progress('sending SIGINT (Ctrl+C) to the client…');
    client.signal('SIGINT');
    await client.waitLine((t) => t.includes('caught signal 2'), o.intervalMs + 3000);
    await sleep(Math.min(o.intervalMs, 2000));
    o.progress('the client ignored SIGINT: sending SIGKILL…');
    client.signal('SIGKILL');
    await client.waitExit(5000);
  }
}

async function finish(
  o: LabRunOptions,
  notes: string[],
  port: number,
  server: Peer,
  client: Peer,
  kernel: KernelLens | undefined,
  wire: WireLens | undefined,
  sampler: SocketSampler | undefined,
): Promise<LabRunResult> {
  sampler?.stop();
  await server.kill();
  await client.kill();
  await sleep(100);
  if (wire) await wire.stop(notes);
  if (kernel) {
    await kernel.stop();
    const st = kernel.trace.stats();
    if (!st.complete) notes.push(`kernel lens lost ${st.lostEvents} events`);
  }
  const pids = [server.pid, client.pid];
  const packets = buildPacketEvents(wire?.records ?? []);
  const labEvents: TimelineEvent[] = [];
  for (const p of [server, client]) {
    for (const l of p.lines) labEvents.push(peerMarker(p, l.tsNs, l.text));
    if (p.exit) labEvents.push(p.exit);
  }
  const kernelEvents = (kernel?.events ?? []).filter((e) => belongsToRun(e, port, pids));
  const events = mergeTimeline(packets.events, kernelEvents, sampler?.snapshots ?? [], labEvents);
  const facts: RunFacts = {
    serverPort: port,
    serverPid: server.pid,
    clientPid: client.pid,
    size: o.size,
    trapSignals: o.trapSignals,
    lenses: { wire: wire !== undefined, kernel: kernel !== undefined, sockets: sampler !== undefined },
  };
  const checks = o.scenario.expectations(o.trapSignals).map((x) => x.check(events, facts));
  return {
    events,
    packets,
    facts,
    checks,
    notes,
    ...(kernel ? { clock: kernel.clock } : {}),
    socketSamples: sampler?.samples ?? 0,
    childPids: {
      server: server.pid,
      client: client.pid,
      ...(wire?.capture.pid !== undefined ? { tcpdump: wire.capture.pid } : {}),
    },
    ...(kernel ? { traceInstance: kernel.trace.instancePath } : {}),
  };
}
