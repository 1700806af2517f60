// Benchmark of the lab's costs, against the reference tools measured in the same run:
// 1. one socket-table sample as the lab's sampler takes it (IPv4 table + the peers' own fds), a full
//    owner scan of every process, vs one sample the article's way (`netstat -npa`) and with `ss -tanp`; the lab samples
//    every 50 ms, the article's script every 1 s.
// 2. one whole `lab run close-wait-client --interval 300ms` (wall time, and the time beyond the
//    scenario's own waiting: 2 intervals before the fatal send).
// Sizes: LAB_BENCH_SAMPLES (default 200), LAB_BENCH_RUNS (default 1).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readSocketsSync } from '../dist/sockets/index.js';
import { SocketSampler } from '../dist/lab/lenses.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samples = Number(process.env.LAB_BENCH_SAMPLES ?? 200);
const runs = Number(process.env.LAB_BENCH_RUNS ?? 1);

function perCallMs(n, fn) {
  fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

const port = 8006;
const full = perCallMs(samples, () =>
  readSocketsSync({ owners: true, users: false }).rows.filter(
    (r) => r.local.port === port || r.remote.port === port,
  ),
);
const sampler = new SocketSampler(port, () => [process.pid, process.ppid]);
const lab = perCallMs(samples, () => sampler.sample());
const toolRuns = Math.max(5, Math.floor(samples / 10));
const netstat = perCallMs(toolRuns, () => spawnSync('netstat', ['-npa'], { stdio: 'ignore' }));
const ss = perCallMs(toolRuns, () => spawnSync('ss', ['-tanp'], { stdio: 'ignore' }));
const rows = readSocketsSync({ owners: false, users: false }).rows.length;
console.log(`machine: ${rows} TCP sockets in /proc/net/tcp{,6}`);
console.log(`lab sampler (IPv4 table + the peers' fds): ${lab.toFixed(2)} ms per sample`);
console.log(
  `full owner scan (readSocketsSync, every process): ${full.toFixed(2)} ms (${(full / lab).toFixed(1)}x the sampler)`,
);
console.log(
  `netstat -npa (the article's monitor): ${netstat.toFixed(2)} ms (${(netstat / lab).toFixed(1)}x the sampler)`,
);
console.log(`ss -tanp: ${ss.toFixed(2)} ms (${(ss / lab).toFixed(1)}x the sampler)`);
console.log(`sampler CPU at one sample per 50 ms: ~${((lab / 50) * 100).toFixed(1)}% of one core`);

for (let i = 0; i < runs; i++) {
  const out = mkdtempSync(join(tmpdir(), 'tcpscope-lab-bench-'));
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'dist/cli/main.js'),
      'lab',
      'run',
      'close-wait-client',
      '--interval',
      '300ms',
      '--port',
      '0',
      '--out',
      out,
      '--json',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const ms = Date.now() - t0;
  rmSync(out, { recursive: true, force: true });
  const ok = r.status === 0 ? 'all observations held' : `status ${r.status}`;
  console.log(
    `lab run close-wait-client --interval 300ms: ${ms} ms wall (${ms - 600} ms beyond the 2 intervals), ${ok}`,
  );
}
