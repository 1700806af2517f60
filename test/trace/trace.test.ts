/**
 * Real kernel, real processes on loopback: traceTcp sees every transition on both sides with the
 * right owners, the seed's reset with its reason, the SIGPIPE and the client's death by it.
 * Runs in parallel with other tracefs users: unique ports, port-filtered instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResetEvent, SignalEvent, StateEvent, TimelineEvent, ProcessEvent } from '../../src/events.js';
import { traceTcp, type TcpTrace } from '../../src/trace/index.js';

const PEERS = fileURLToPath(new URL('./peers.mjs', import.meta.url));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function peer(role: string, port: number, mode: string): ChildProcess {
  const c = spawn(process.execPath, [PEERS, role, String(port), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c);
  return c;
}

const exited = (c: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((res) => {
    if (c.exitCode !== null || c.signalCode !== null) res({ code: c.exitCode, signal: c.signalCode });
    else c.once('exit', (code, signal) => res({ code, signal }));
  });

const listening = (c: ChildProcess): Promise<void> =>
  new Promise((res, rej) => {
    c.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) res();
    });
    c.once('exit', () => rej(new Error('server exited early')));
  });

/**
 * Events until `until` resolves, then 300 ms more; with `settled`, up to 5 s more while it is
 * false (the reader lags behind the kernel when the whole suite loads both cores).
 */
async function collect(
  trace: TcpTrace,
  until: () => Promise<unknown>,
  settled?: (events: readonly TimelineEvent[]) => boolean,
): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  const reading = (async () => {
    for await (const ev of trace) events.push(ev);
  })();
  try {
    await until();
    await new Promise((r) => setTimeout(r, 300));
    for (let waited = 0; settled && !settled(events) && waited < 5000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    await trace.stop();
  }
  await reading;
  return events;
}

// Other tests share the machine: their sockets may reuse our port number as an ephemeral port
// (on another 127/8 address), so match our peers' addresses too.
const ours = (e: TimelineEvent): e is StateEvent =>
  e.kind === 'state' &&
  e.local.addr === '127.0.0.1' &&
  (e.remote.addr === '127.0.0.1' || e.remote.port === 0);
const transitions = (evs: TimelineEvent[], localPort: number): string[] =>
  evs
    .filter((e): e is StateEvent => ours(e) && e.local.port === localPort)
    .map((e) => `${e.oldState}->${e.newState}${e.source === 'synthesized' ? '*' : ''}`);

describe('traceTcp on loopback (real tracefs)', () => {
  it('sees every transition of a client/server exchange on both sides, with owners', async () => {
    const port = await freePort();
    const trace = traceTcp({ ports: [port] });
    expect(existsSync(trace.instancePath)).toBe(true);
    expect(trace.clock.traceClock).toBe('mono');
    const server = peer('server', port, 'exchange');
    let client: ChildProcess | undefined;
    const events = await collect(trace, async () => {
      await listening(server);
      client = peer('client', port, 'exchange');
      await Promise.all([exited(client), exited(server)]);
    });
    expect(existsSync(trace.instancePath)).toBe(false);
    const states = events.filter(ours);
    const clientEv = states.find((e) => e.remote.port === port && e.local.port !== port);
    expect(clientEv).toBeDefined();
    const cport = clientEv?.local.port ?? -1;
    expect(transitions(events, cport)).toEqual([
      'CLOSE->SYN_SENT',
      'SYN_SENT->ESTABLISHED',
      'ESTABLISHED->FIN_WAIT1',
      'FIN_WAIT1->FIN_WAIT2',
      'FIN_WAIT2->TIME_WAIT*',
    ]);
    expect(transitions(events, port)).toEqual([
      'CLOSE->LISTEN',
      'LISTEN->SYN_RECV',
      'SYN_RECV->ESTABLISHED',
      'ESTABLISHED->CLOSE_WAIT',
      'CLOSE_WAIT->LAST_ACK',
      'LAST_ACK->CLOSE',
      'LISTEN->CLOSE',
    ]);
    for (const e of states.filter((x) => x.local.port === port || x.local.port === cport)) {
      const owner = e.local.port === port ? server.pid : client?.pid;
      expect({ t: `${e.oldState}->${e.newState}`, pid: e.pid, owner: e.pidIsOwner }).toEqual({
        t: `${e.oldState}->${e.newState}`,
        pid: owner,
        owner: true,
      });
    }
    const tw = states.find((e) => e.newState === 'TIME_WAIT');
    expect(tw?.note).toMatch(/time-wait mini-socket/);
    expect(trace.stats().complete).toBe(true);
  });

  it("reproduces the seed: reset with the kernel's reason, SIGPIPE for the client, death by signal 13", async () => {
    const port = await freePort();
    // Syscalls without pids: only failing sends (EPIPE/ECONNRESET), filtered in the kernel.
    const trace = traceTcp({ ports: [port], includeSyscalls: true });
    const server = peer('server', port, 'seed');
    let client: ChildProcess | undefined;
    let clientEnd: { code: number | null; signal: string | null } | undefined;
    const events = await collect(trace, async () => {
      await listening(server);
      client = peer('client', port, 'seed');
      clientEnd = await exited(client);
      await exited(server);
    });
    expect(clientEnd).toEqual({ code: null, signal: 'SIGPIPE' });
    const cpid = client?.pid;
    const sent = events.find(
      (e): e is ResetEvent =>
        e.kind === 'reset' && e.direction === 'sent' && e.local.addr === '127.0.0.1' && e.local.port === port,
    );
    expect(sent).toBeDefined();
    expect(sent?.local.port).toBe(port);
    expect(typeof sent?.reason).toBe('string');
    expect(sent?.reason).toBe('TCP_TIMEWAIT_SOCKET'); // what Linux 6.x reports here
    const received = events.find(
      (e): e is ResetEvent =>
        e.kind === 'reset' && e.direction === 'received' && e.remote.port === port && e.pid === cpid,
    );
    expect(received?.pid).toBe(cpid);
    expect(received?.state).toBe('CLOSE_WAIT');
    const cport = received?.local.port;
    expect(transitions(events, cport ?? -1)).toEqual([
      'CLOSE->SYN_SENT',
      'SYN_SENT->ESTABLISHED',
      'ESTABLISHED->CLOSE_WAIT',
      'CLOSE_WAIT->CLOSE',
    ]);
    const sig = events.find((e): e is SignalEvent => e.kind === 'signal');
    expect(sig).toMatchObject({ sig: 13, signame: 'SIGPIPE', pid: cpid, result: 'delivered' });
    const failed = events.find((e) => e.kind === 'syscall' && e.pid === cpid);
    expect(failed).toMatchObject({ ret: -32, errno: 'EPIPE' });
    const exit = events.find((e): e is ProcessEvent => e.kind === 'process' && e.pid === cpid);
    expect(exit).toMatchObject({ action: 'exit', signal: 'SIGPIPE' });
    // Order on the one clock: reset sent, reset received, SIGPIPE, exit.
    const order = [sent, received, sig, exit].map((e) => e?.tsNs ?? 0n);
    expect([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(order);
  });

  it('reports a SIGPIPE the process ignores as ignored (Node default), and the EPIPE it got instead', async () => {
    const port = await freePort();
    const trace = traceTcp({ ports: [port], includeSyscalls: true });
    const server = peer('server', port, 'seed');
    let client: ChildProcess | undefined;
    let end: { code: number | null; signal: string | null } | undefined;
    const events = await collect(trace, async () => {
      await listening(server);
      client = peer('client', port, 'seed-ignore');
      end = await exited(client);
      await exited(server);
    });
    expect(end).toEqual({ code: 0, signal: null });
    const sig = events.find((e): e is SignalEvent => e.kind === 'signal' && e.pid === client?.pid);
    expect(sig).toMatchObject({ sig: 13, result: 'ignored' });
    expect(events.find((e) => e.kind === 'syscall' && e.pid === client?.pid)).toMatchObject({
      errno: 'EPIPE',
    });
    expect(
      events.find((e): e is ProcessEvent => e.kind === 'process' && e.pid === client?.pid),
    ).toMatchObject({
      exitCode: 0,
      signal: null,
    });
  });

  it('says which signal killed the owner of a watched socket', async () => {
    const port = await freePort();
    const trace = traceTcp({ ports: [port] });
    const server = peer('server', port, 'exchange');
    const events = await collect(
      trace,
      async () => {
        await listening(server);
        server.kill('SIGKILL');
        await exited(server);
      },
      (evs) => evs.some((e) => e.kind === 'process' && e.pid === server.pid),
    );
    expect(events.find((e) => e.kind === 'state' && e.newState === 'LISTEN')).toMatchObject({
      pid: server.pid,
    });
    expect(events.find((e): e is ProcessEvent => e.kind === 'process' && e.pid === server.pid)).toMatchObject(
      {
        comm: 'tsrv',
        signal: 'SIGKILL',
        exitCode: null,
      },
    );
  });

  it('setPorts: a server bound to port 0 is watched once its port is known', async () => {
    const decoy = await freePort();
    const trace = traceTcp({ ports: [decoy] });
    const server = net.createServer((s) => s.on('error', () => undefined).end());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as net.AddressInfo).port;
    trace.setPorts([port]);
    const filter = readFileSync(`${trace.instancePath}/events/sock/inet_sock_set_state/filter`, 'utf8');
    expect(filter).toContain(`sport == ${port}`);
    const events = await collect(trace, async () => {
      await new Promise<void>((res) => {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', () => undefined);
        c.on('close', () => res());
      });
    });
    server.close();
    const ours = events.filter(
      (e): e is StateEvent => e.kind === 'state' && (e.local.port === port || e.remote.port === port),
    );
    expect(ours.map((e) => e.newState)).toContain('SYN_SENT');
    expect(ours.find((e) => e.local.port === port && e.newState === 'SYN_RECV')).toMatchObject({
      pid: process.pid,
      pidIsOwner: true,
    });
  });

  it('counts lost events when the buffer is too small and never claims completeness then', async () => {
    const port = await freePort();
    const trace = traceTcp({ ports: [port], bufferSizeKb: 4, ownerLookup: null });
    const burst = spawn(
      process.execPath,
      [
        '-e',
        `const net=require('net');let n=0,d=0;const srv=net.createServer(s=>s.on('error',()=>{}));` +
          `srv.listen(${port},'127.0.0.1',()=>{for(let i=0;i<8;i++)(function one(){if(n++>=600)return;` +
          `const c=net.connect(${port},'127.0.0.1',()=>c.end());c.on('error',()=>{});` +
          `c.on('close',()=>{if(++d>=600)process.exit(0);one();});})();});setTimeout(()=>process.exit(1),20000);`,
      ],
      { stdio: 'ignore' },
    );
    children.push(burst);
    // Keep this thread busy so the reader cannot drain while the burst overruns the 4 KiB buffer.
    const until = Date.now() + 20_000;
    while (burst.exitCode === null && Date.now() < until) {
      const t = Date.now() + 300;
      while (Date.now() < t) {
        /* spin */
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const events = await collect(trace, () => Promise.resolve());
    const st = trace.stats();
    expect(st.lostEvents).toBeGreaterThan(0);
    expect(st.complete).toBe(false);
    expect(st.overrun + st.dropped).toBeGreaterThan(0);
    expect(st.lostInPipe).toBeGreaterThan(0); // the `[LOST N EVENTS]` lines were counted
    expect(events.length).toBeLessThan(6000);
  });

  it('tears down when the consumer throws, and on abort; signal handlers are removed', async () => {
    const before = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((s) => process.listenerCount(s));
    const a = traceTcp({ ports: [await freePort()] });
    writeFileSync(a.markerPath, 'boom');
    await expect(
      (async () => {
        for await (const ev of a) if (ev.kind === 'marker') throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(existsSync(a.instancePath)).toBe(false);
    const ctl = new AbortController();
    const b = traceTcp({ ports: [await freePort()], signal: ctl.signal });
    expect(existsSync(b.instancePath)).toBe(true);
    ctl.abort();
    await b.done;
    expect(existsSync(b.instancePath)).toBe(false);
    expect(['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((s) => process.listenerCount(s))).toEqual(before);
  });

  it('reports trace_marker lines on the realtime clock (mono offset verified against tracefs)', async () => {
    const port = await freePort();
    const trace = traceTcp({ ports: [port] });
    const beforeNs = BigInt(Date.now()) * 1_000_000n;
    const monoBefore = process.hrtime.bigint();
    writeFileSync(trace.markerPath, 'lab: hello marker');
    const monoAfter = process.hrtime.bigint();
    const events = await collect(trace, () => new Promise((r) => setTimeout(r, 100)));
    const marker = events.find((e) => e.kind === 'marker' && e.text === 'lab: hello marker');
    expect(marker).toBeDefined();
    const ts = marker?.tsNs ?? 0n;
    // The kernel stamped the marker between our two CLOCK_MONOTONIC reads (µs resolution).
    const lo = monoBefore + trace.clock.offsetNs - 1000n - trace.clock.uncertaintyNs;
    const hi = monoAfter + trace.clock.offsetNs + 1000n + trace.clock.uncertaintyNs;
    expect(ts >= lo && ts <= hi).toBe(true);
    expect(ts >= beforeNs - 2_000_000n).toBe(true);
    expect(trace.clock.uncertaintyNs < 1_000_000n).toBe(true);
    const quiet = traceTcp({ ports: [port], markers: false });
    writeFileSync(quiet.markerPath, 'not reported');
    const none = await collect(quiet, () => new Promise((r) => setTimeout(r, 100)));
    expect(none.some((e) => e.kind === 'marker')).toBe(false);
    expect(quiet.stats().lines).toBeGreaterThan(0);
  });
});
