#!/usr/bin/env node
// Benchmark for issue 2: `tcpscope read FILE` against `TZ=UTC tcpdump -n -r FILE` (both to
// /dev/null, same run, median of several repetitions), the capture reader (+ the packet decoder,
// if the library exports one) alone in packets/s and MB/s, and peak RSS of each.
//
// The capture is made once and cached in bench/.data/ (gitignored): iperf3 on 127.0.0.1 (free
// port), tcpdump -s 96 on lo filtered to that port. `ethtool -K lo tso off gso off` is applied
// during the capture and the previous settings restored if ethtool exists; without it iperf3 runs
// with 1400-byte writes, TCP_NODELAY and an 8 KB window, which keeps segments MSS-sized.
//   BENCH_READ_PACKETS=1000000   packets wanted in the capture (default 1,000,000)
//   BENCH_READ_REPS=5            repetitions per tool (median reported)
//   BENCH_READ_BIG_MB=2048       also build a file this large (records of the capture repeated),
//                                measure RSS reading it, then delete it (0 = skip; default 2048)
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt as fmtN, freePort, has, median, onCleanup, runCleanups, track } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dataDir = join(here, '.data');
const wanted = Number(process.env.BENCH_READ_PACKETS ?? 1_000_000);
const reps = Math.max(1, Number(process.env.BENCH_READ_REPS ?? 5));
const bigMb = Number(process.env.BENCH_READ_BIG_MB ?? 2048);
const capture = join(dataDir, `iperf3-lo-${wanted}.pcap`);

const fmt = (n, d = 2) => fmtN(n, d);

function start(cmd, args, opts = {}) {
  const c = track(spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts }));
  let err = '';
  c.stderr?.on('data', (d) => (err += d));
  const exit = new Promise((r) => c.on('close', (code, sig) => r({ code, sig, err })));
  return { c, exit, err: () => err };
}

async function countPackets(file) {
  const { openCapture } = await import(join(root, 'dist', 'capture', 'index.js'));
  let n = 0;
  for await (const b of openCapture(file).batches()) n += b.length;
  return n;
}

async function makeCapture() {
  mkdirSync(dataDir, { recursive: true });
  if (has('ethtool')) {
    const before = spawnSync('ethtool', ['-k', 'lo'], { encoding: 'utf8' }).stdout;
    const tso = /tcp-segmentation-offload: (on|off)/.exec(before)?.[1] ?? 'on';
    const gso = /generic-segmentation-offload: (on|off)/.exec(before)?.[1] ?? 'on';
    spawnSync('ethtool', ['-K', 'lo', 'tso', 'off', 'gso', 'off']);
    onCleanup(() => spawnSync('ethtool', ['-K', 'lo', 'tso', tso, 'gso', gso]));
    console.log(`ethtool: lo tso/gso off during the capture (were ${tso}/${gso}, restored after)`);
  } else {
    console.log(
      'ethtool is not installed: lo offloads left as they are; iperf3 uses -l 1400 -N -w 8K to keep segments small',
    );
  }
  const port = await freePort();
  const tmp = `${capture}.part`;
  let seconds = Math.max(2, Math.ceil(wanted / 150_000));
  for (let attempt = 0; attempt < 4; attempt++) {
    const server = start('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)]);
    const td = start('tcpdump', ['-i', 'lo', '-s', '96', '-w', tmp, 'tcp', 'port', String(port)]);
    for (let i = 0; i < 100 && !td.err().includes('listening on'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    spawnSync(
      'iperf3',
      ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-l', '1400', '-N', '-w', '8K'],
      { stdio: 'ignore', timeout: (seconds + 30) * 1000 },
    );
    await new Promise((r) => setTimeout(r, 300));
    td.c.kill('SIGINT');
    const tdExit = await td.exit;
    server.c.kill('SIGTERM');
    await server.exit;
    const n = await countPackets(tmp);
    console.log(
      `capture attempt ${attempt + 1}: ${seconds} s of iperf3 -> ${fmt(n)} packets (${tdExit.err.trim().split('\n').slice(-1)[0]})`,
    );
    if (n >= wanted) {
      renameSync(tmp, capture);
      break;
    }
    seconds = Math.ceil(seconds * (wanted / Math.max(n, 1)) * 1.2);
  }
  runCleanups();
  if (!existsSync(capture)) throw new Error(`could not capture ${wanted} packets`);
}

/** Run a command with stdout to /dev/null under /usr/bin/time -v; wall ms and max RSS KB. */
function timed(cmd, args, env) {
  const useTime = existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      })
    : spawnSync(cmd, args, {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN);
  return { ms, rssKb: rss, status: r.status, stderr: r.stderr };
}

// Decode-only: a child node process reads (and decodes, if a decoder is exported) the file.
const decodeOnly = `
const [root, file, mode] = process.argv.slice(1);
const lib = await import(root + '/dist/index.js');
const { existsSync } = await import('node:fs');
const wireIndex = root + '/dist/wire/index.js';
const wire = existsSync(wireIndex) ? await import(wireIndex) : lib;
let decode = mode === 'read-only' ? undefined : lib.decodePacket ?? wire.decodePacket;
if (mode === 'frame' && wire.FrameDecoder) {
  // The hot-path decoder: one reused state, no allocation per well-formed packet.
  const fd = new wire.FrameDecoder();
  decode = function FrameDecoder(r) { fd.decode(r.data, r.caplen, r.linkType, r.tsNs); return { tcp: fd.hasTcp }; };
}
const t0 = process.hrtime.bigint();
let n = 0, bytes = 0, tcp = 0;
for await (const batch of lib.openCapture(file).batches()) {
  for (const r of batch) {
    n++; bytes += r.caplen + 16;
    if (decode) { const p = decode(r); if (p.tcp) tcp++; }
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ n, bytes, ms, tcp, decoder: decode ? decode.name : null, maxRssKb: process.resourceUsage().maxRSS }));
`;
function runDecodeOnly(file, mode = 'decode') {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', decodeOnly, root, file, mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`decode-only run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function makeBigFile(src, mb) {
  const big = join(dataDir, `big-${mb}mb.pcap`);
  const header = Buffer.alloc(24);
  const fd = await import('node:fs/promises').then((m) => m.open(src));
  await fd.read(header, 0, 24, 0);
  await fd.close();
  const srcSize = statSync(src).size;
  const out = createWriteStream(big);
  out.write(header);
  let written = 24;
  while (written < mb * 1024 * 1024) {
    for await (const chunk of createReadStream(src, { start: 24 })) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    }
    written += srcSize - 24;
  }
  await new Promise((r) => out.end(r));
  return big;
}

async function main() {
  for (const tool of ['tcpdump', 'iperf3'])
    if (!has(tool)) {
      console.log(`${tool} is not installed: read benchmark skipped`);
      return;
    }
  if (!existsSync(cli)) {
    console.log('dist/ is missing: run `npm run build` first');
    return;
  }
  if (!existsSync(capture)) await makeCapture();
  const size = statSync(capture).size;
  const packets = await countPackets(capture);
  console.log(
    `capture: ${capture} (${fmt(packets, 0)} packets, ${fmt(size / 1e6)} MB); measured under load on a shared machine`,
  );

  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout ?? '';
  let readPresent = /^\s+read\b/m.test(help);
  const tdUtc = [],
    tdLocal = [],
    ts = [];
  let tdRss = NaN,
    tsRss = NaN;
  for (let i = 0; i < reps; i++) {
    const a = timed('tcpdump', ['-n', '-r', capture], { ...process.env, TZ: 'UTC' });
    tdUtc.push(a.ms);
    tdRss = a.rssKb;
    const { TZ: _tz, ...noTz } = process.env;
    tdLocal.push(timed('tcpdump', ['-n', '-r', capture], noTz).ms);
    if (readPresent) {
      const b = timed(process.execPath, [cli, 'read', capture], { ...process.env, TZ: 'UTC' });
      if (b.status !== 0) {
        console.log(
          `tcpscope read exited ${b.status}: ${b.stderr.split('\n').find((l) => l.startsWith('tcpscope')) ?? ''}`,
        );
        readPresent = false;
      }
      ts.push(b.ms);
      tsRss = b.rssKb;
    }
  }
  const pps = (ms) => `${fmt(packets / (ms / 1000) / 1e6, 3)} M packets/s`;
  console.log(
    `TZ=UTC tcpdump -n -r     median ${fmt(median(tdUtc), 0)} ms  (${pps(median(tdUtc))}), peak RSS ${fmt(tdRss / 1024, 1)} MB`,
  );
  console.log(`tcpdump -n -r (TZ unset) median ${fmt(median(tdLocal), 0)} ms  (${pps(median(tdLocal))})`);
  if (readPresent) {
    console.log(
      `tcpscope read            median ${fmt(median(ts), 0)} ms  (${pps(median(ts))}), peak RSS ${fmt(tsRss / 1024, 1)} MB`,
    );
    console.log(
      `ratio tcpscope read / TZ=UTC tcpdump: ${fmt(median(ts) / median(tdUtc), 2)}x the time (target <= 1)`,
    );
  } else {
    console.log('tcpscope read: command not present (or failing) in dist/, not measured');
  }
  const ro = runDecodeOnly(capture, 'read-only');
  console.log(
    `reader only: ${fmt(ro.n / (ro.ms / 1000) / 1e6, 3)} M packets/s, ${fmt(ro.bytes / (ro.ms / 1000) / 1e6, 1)} MB/s, peak RSS ${fmt(ro.maxRssKb / 1024, 1)} MB`,
  );
  const d = runDecodeOnly(capture);
  console.log(
    `reader${d.decoder ? ` + ${d.decoder}` : ' only (no decoder exported yet)'}: ${fmt(d.n / (d.ms / 1000) / 1e6, 3)} M packets/s, ` +
      `${fmt(d.bytes / (d.ms / 1000) / 1e6, 1)} MB/s, peak RSS ${fmt(d.maxRssKb / 1024, 1)} MB` +
      (d.decoder ? ` (${fmt(d.tcp, 0)} TCP)` : ''),
  );
  console.log(
    `ratio reader${d.decoder ? '+decoder' : '-only'} packets/s / TZ=UTC tcpdump packets/s: ${fmt(median(tdUtc) / d.ms, 2)}x`,
  );
  const fdr = runDecodeOnly(capture, 'frame');
  if (fdr.decoder === 'FrameDecoder') {
    console.log(
      `reader + FrameDecoder (hot path): ${fmt(fdr.n / (fdr.ms / 1000) / 1e6, 3)} M packets/s, ` +
        `${fmt(fdr.bytes / (fdr.ms / 1000) / 1e6, 1)} MB/s, peak RSS ${fmt(fdr.maxRssKb / 1024, 1)} MB (${fmt(fdr.tcp, 0)} TCP)`,
    );
  }

  if (bigMb > 0) {
    const free =
      Number(
        spawnSync('df', ['-Pk', dataDir], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')[1]
          ?.split(/\s+/)[3] ?? 0,
      ) * 1024;
    if (free < bigMb * 1024 * 1024 * 3) {
      console.log(`big file: skipped (${fmt(free / 2 ** 30, 1)} GB free)`);
      return;
    }
    const big = await makeBigFile(capture, bigMb);
    try {
      const bsize = statSync(big).size;
      const db = runDecodeOnly(big, 'read-only');
      console.log(
        `big file ${fmt(bsize / 2 ** 30, 2)} GB, ${fmt(db.n, 0)} packets: reader${db.decoder ? ' + decoder' : ''} ${fmt(db.ms / 1000, 1)} s, peak RSS ${fmt(db.maxRssKb / 1024, 1)} MB (target < 200 MB)`,
      );
      const tdb = timed('tcpdump', ['-n', '-r', big], { ...process.env, TZ: 'UTC' });
      console.log(
        `big file: TZ=UTC tcpdump ${fmt(tdb.ms / 1000, 1)} s, peak RSS ${fmt(tdb.rssKb / 1024, 1)} MB`,
      );
      if (readPresent) {
        const tb = timed(process.execPath, [cli, 'read', big], { ...process.env, TZ: 'UTC' });
        console.log(
          `big file: tcpscope read ${fmt(tb.ms / 1000, 1)} s, peak RSS ${fmt(tb.rssKb / 1024, 1)} MB (target < 200 MB)`,
        );
      }
    } finally {
      rmSync(big, { force: true });
    }
  }
}

await main();
