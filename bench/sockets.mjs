#!/usr/bin/env node
// Benchmark: `tcpscope sockets` with owners (CLI `--format netstat` to /dev/null, and the library
// call) against `netstat -tanp` and `ss -tanp`, at N established loopback connections opened by
// this script (2N sockets). The open-files limit is 20,000 per process, so connections are spread
// over several server and client processes (each < 19,000 fds); each client binds its own
// 127.0.0.x source address so no client runs out of ephemeral ports. Everything is closed with
// RST afterwards (no TIME_WAIT left behind) and every child is killed by pid.
//   SOCKETS_BENCH_SIZES=10000,50000 node bench/sockets.mjs    (default 10000,50000)
//   SOCKETS_BENCH_RUNS=5                                      (runs per tool, median reported)
import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { killAll, median, track } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const { readSockets } = await import(join(root, 'dist', 'sockets', 'index.js'));

const sizes = (process.env.SOCKETS_BENCH_SIZES ?? '10000,50000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const runs = Math.max(1, Number(process.env.SOCKETS_BENCH_RUNS ?? 5));
const PER_PROCESS = 16_000;
const SETUP_TIMEOUT_MS = 180_000;

function startPeer(args) {
  const child = spawn(process.execPath, [join(here, 'sockets-peer.mjs'), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  track(child);
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  let waiter;
  lines.on('line', (l) => {
    const msg = JSON.parse(l);
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(msg);
    } else queue.push(msg);
  });
  const next = (what) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`peer ${child.pid}: no ${what} within ${SETUP_TIMEOUT_MS} ms`)),
        SETUP_TIMEOUT_MS,
      );
      const done = (m) => {
        clearTimeout(t);
        if (m.error) reject(new Error(`peer ${child.pid}: ${m.error}`));
        else resolve(m);
      };
      if (queue.length) done(queue.shift());
      else waiter = done;
      child.once('exit', (code, sig) =>
        reject(new Error(`peer ${child.pid} exited (${code ?? sig}) before ${what}`)),
      );
    });
  return { child, next };
}

async function openConnections(n) {
  const groups = Math.max(1, Math.ceil(n / PER_PROCESS));
  const base = Math.floor(n / groups);
  const plan = Array.from({ length: groups }, (_, i) => base + (i < n - base * groups ? 1 : 0));
  const servers = plan.map((count) => startPeer(['server', String(count)]));
  const ports = await Promise.all(servers.map((s) => s.next('port')));
  const clients = plan.map((count, i) =>
    startPeer(['client', `127.0.0.1:${ports[i].port}`, String(count), `127.0.0.${10 + i}`]),
  );
  await Promise.all([...servers.map((s) => s.next('ready')), ...clients.map((c) => c.next('ready'))]);
  return { servers, clients, processes: groups * 2 };
}

async function closeConnections(peers) {
  for (const p of [...peers.clients, ...peers.servers]) p.child.stdin.write('close\n');
  await new Promise((r) => setTimeout(r, 500));
  killAll();
}

function timeCommand(cmd, args) {
  const devnull = openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { stdio: ['ignore', devnull, 'ignore'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status ?? res.signal}`);
    return ms;
  } finally {
    closeSync(devnull);
  }
}

function lineCount(cmd, args) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 })
    .stdout.split('\n')
    .filter(Boolean).length;
}

console.log(
  `sockets bench: ${runs} runs per tool, median wall time (measured under load: the machine is shared)`,
);
{
  const node0 = median(Array.from({ length: runs }, () => timeCommand(process.execPath, ['-e', '0'])));
  const version = median(
    Array.from({ length: runs }, () => timeCommand(process.execPath, [cli, '--version'])),
  );
  console.log(
    `  start-up only: node -e 0 ${node0.toFixed(1)} ms, tcpscope --version ${version.toFixed(1)} ms`,
  );
}
for (const n of sizes) {
  const t0 = Date.now();
  const peers = await openConnections(n);
  try {
    console.log(
      `\n${n} established loopback connections (${2 * n} sockets, ${peers.processes} processes, set up in ${Date.now() - t0} ms)`,
    );
    const ours = await readSockets({});
    const owned = ours.rows.filter((r) => r.pid !== undefined).length;
    const ntLines = lineCount('netstat', ['-tanp']) - 2;
    console.log(`  rows: tcpscope ${ours.rows.length} (${owned} with owner), netstat ${ntLines}`);
    const results = {
      'netstat -tanp': [],
      'ss -tanp': [],
      'tcpscope sockets -a --format netstat': [],
      'readSockets() library call': [],
    };
    for (let i = 0; i < runs; i++) {
      results['netstat -tanp'].push(timeCommand('netstat', ['-tanp']));
      results['ss -tanp'].push(timeCommand('ss', ['-tanp']));
      results['tcpscope sockets -a --format netstat'].push(
        timeCommand(process.execPath, [cli, 'sockets', '-a', '--format', 'netstat']),
      );
      const t = process.hrtime.bigint();
      await readSockets({});
      results['readSockets() library call'].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    for (const [k, v] of Object.entries(med)) console.log(`  ${k.padEnd(38)} ${v.toFixed(1).padStart(8)} ms`);
    for (const ourKey of ['tcpscope sockets -a --format netstat', 'readSockets() library call']) {
      const r1 = med['netstat -tanp'] / med[ourKey];
      const r2 = med['ss -tanp'] / med[ourKey];
      console.log(`  ${ourKey}: ${r1.toFixed(2)}x faster than netstat, ${r2.toFixed(2)}x faster than ss`);
    }
  } finally {
    await closeConnections(peers);
  }
}
