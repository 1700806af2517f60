#!/usr/bin/env node
// Kernel-lens benchmark (run after `npm run build`).
// 1. Parser throughput: trace_pipe lines/s through parseTraceLine + TraceAssembler on a recorded
//    sample (src/trace/fixtures), replicated; compared with a bare line split as the floor.
// 2. Connection churn on loopback: N connections (TRACE_BENCH_CONNECTIONS, default 20000) from
//    several client processes to a local server, traced with traceTcp; every connection must show
//    exactly 10 transitions (5 per side, TIME_WAIT synthesized); prints events/s and lost events.
//    Reference in the same run: the same churn traced by `cat trace_pipe` (what the issue measured).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, rmdirSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { TraceAssembler, parseTraceLine, traceTcp } from '../dist/trace/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const N = Number(process.env.TRACE_BENCH_CONNECTIONS ?? 20000);
const CLIENTS = Number(process.env.TRACE_BENCH_CLIENTS ?? Math.max(2, cpus().length * 2));
const CONC = Number(process.env.TRACE_BENCH_CONCURRENCY ?? 32);
const BUFFER_KB = Number(process.env.TRACE_BENCH_BUFFER_KB ?? 4096);

// ---- 1. parser ------------------------------------------------------------------------------
const sample = ['exchange.trace', 'seed.trace']
  .flatMap((f) => readFileSync(`${here}../src/trace/fixtures/${f}`, 'utf8').split('\n'))
  .filter((l) => l !== '');
const LINES = 300_000;
const text = Array.from({ length: LINES }, (_, i) => sample[i % sample.length]).join('\n') + '\n';
function timeIt(fn) {
  const t0 = performance.now();
  const n = fn();
  return { n, ms: performance.now() - t0 };
}
const floor = timeIt(() => text.split('\n').filter((l) => l.split(' ').length > 3).length);
const parse = timeIt(() => {
  let n = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    if (parseTraceLine(text.slice(start, nl)).type !== 'issue') n++;
    start = nl + 1;
  }
  return n;
});
const full = timeIt(() => {
  const asm = new TraceAssembler({ offsetNs: 0n });
  let n = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const r = parseTraceLine(text.slice(start, nl));
    if (r.type !== 'issue') asm.push(r);
    start = nl + 1;
    if ((n++ & 4095) === 0) asm.flush();
  }
  return asm.flush(undefined, true).length;
});
const rate = (x) => Math.round((LINES / x.ms) * 1000);
console.log(`parser: ${LINES} recorded lines`);
console.log(`  line split (floor)          ${rate(floor).toLocaleString('en')} lines/s`);
console.log(
  `  parseTraceLine              ${rate(parse).toLocaleString('en')} lines/s (${(floor.ms / parse.ms).toFixed(2)}x the floor)`,
);
console.log(`  parse + assemble (events)   ${rate(full).toLocaleString('en')} lines/s; target >= 200,000`);

// ---- 2. churn ---------------------------------------------------------------------------------
function startServer() {
  const p = spawn(process.execPath, [`${here}trace-peer.mjs`, 'server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((res) => p.stdout.once('data', (d) => res({ p, port: Number(String(d).trim()) })));
}
function churn(port) {
  const per = Math.ceil(N / CLIENTS);
  const t0 = performance.now();
  const runs = Array.from({ length: CLIENTS }, (_, i) => {
    const n = Math.min(per, N - i * per);
    const c = spawn(
      process.execPath,
      [`${here}trace-peer.mjs`, 'client', String(port), String(n), String(CONC)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    return new Promise((res) => c.on('exit', (code) => res({ code, out })));
  });
  return Promise.all(runs).then((r) => ({
    ms: performance.now() - t0,
    errors: r.reduce((a, x) => a + Number(x.out.split(' ')[2] ?? 1), 0),
  }));
}

const { p: server, port } = await startServer();
try {
  const trace = traceTcp({
    ports: [port],
    bufferSizeKb: BUFFER_KB,
    processExits: false,
    retransmits: false,
    ...(process.env.TRACE_BENCH_NO_OWNER_SCAN ? { ownerLookup: null } : {}),
  });
  // Ports are reused quickly on loopback, so one 4-tuple can carry several connections: count
  // transitions and client connects (CLOSE -> SYN_SENT) per 4-tuple; a 4-tuple is fully accounted
  // for when it has exactly 10 transitions per connect.
  const perFlow = new Map();
  let events = 0;
  let lastEventAt = 0;
  const reading = (async () => {
    for await (const ev of trace) {
      events++;
      lastEventAt = performance.now();
      if (ev.kind !== 'state' || ev.remote.port === 0) continue;
      let f = perFlow.get(ev.flow);
      if (!f) perFlow.set(ev.flow, (f = { transitions: 0, connects: 0 }));
      f.transitions++;
      if (ev.newState === 'SYN_SENT') f.connects++;
    }
  })();
  const churnStart = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await churn(port);
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 500));
  await trace.stop();
  await reading;
  const st = trace.stats();
  let accounted = 0;
  let badFlows = 0;
  for (const f of perFlow.values()) {
    if (f.transitions === 10 * f.connects) accounted += f.connects;
    else badFlows++;
  }
  const processedMs = lastEventAt - churnStart;
  console.log(
    `churn: ${N} connections, ${CLIENTS} client processes x ${CONC} concurrent, buffer ${BUFFER_KB} KiB/CPU`,
  );
  console.log(
    `  churn took ${run.ms.toFixed(0)} ms (${Math.round((N / run.ms) * 1000).toLocaleString('en')} conn/s), client errors ${run.errors}`,
  );
  console.log(
    `  tcpscope: ${events} events in ${run.ms.toFixed(0)} ms of churn = ${Math.round((events / run.ms) * 1000).toLocaleString('en')} events/s produced; all parsed ${processedMs.toFixed(0)} ms after the start`,
  );
  console.log(
    `  lost ${st.lostEvents} (trace_pipe [LOST] ${st.lostInPipe}, overrun ${st.overrun}, dropped ${st.dropped}), unparsed ${st.unparsed}, complete: ${st.complete}`,
  );
  console.log(
    `  tracer process CPU during churn: user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms`,
  );
  console.log(
    `  connections with exactly 10 transitions: ${accounted}/${N} (4-tuples not adding up: ${badFlows})`,
  );

  // Reference: the same churn read by `cat trace_pipe` from a bare instance.
  const inst = `/sys/kernel/tracing/instances/tcpscope-bench-ref-${process.pid}`;
  mkdirSync(inst);
  try {
    writeFileSync(`${inst}/buffer_size_kb`, String(BUFFER_KB));
    writeFileSync(
      `${inst}/events/sock/inet_sock_set_state/filter`,
      `protocol == 6 && (sport == ${port} || dport == ${port})`,
    );
    writeFileSync(`${inst}/events/sock/inet_sock_set_state/enable`, '1');
    const cat = spawn('cat', [`${inst}/trace_pipe`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    let lost = 0;
    let rest = '';
    cat.stdout.on('data', (d) => {
      const s = rest + d;
      const parts = s.split('\n');
      rest = parts.pop();
      for (const l of parts) {
        const m = /\[LOST (\d+) EVENTS\]/.exec(l);
        if (m) lost += Number(m[1]);
        else lines++;
      }
    });
    const ref = await churn(port);
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(`${inst}/events/enable`, '0');
    cat.kill('SIGKILL');
    await new Promise((r) => cat.on('exit', r));
    console.log(
      `  reference cat trace_pipe: ${lines} lines, ${Math.round((lines / ref.ms) * 1000).toLocaleString('en')} lines/s, lost ${lost} (churn ${ref.ms.toFixed(0)} ms)`,
    );
    console.log(
      `  ratio tcpscope events/s : cat lines/s = ${(events / run.ms / (lines / ref.ms)).toFixed(2)}`,
    );
  } finally {
    writeFileSync(`${inst}/events/enable`, '0');
    if (existsSync(inst)) rmdirSync(inst);
  }
} finally {
  server.stdin.end();
  server.kill();
}
