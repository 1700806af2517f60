/**
 * @module test/helpers/tcpdump
 * Test helpers around the real tcpdump: start a capture on a test-owned filter and stop it by
 * pid, run `tcpdump -n -r` with options, and split its output into one text block per packet.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { readCaptureBuffer } from '../../src/capture/index.js';
import { TcpdumpFormatter, type TcpdumpFormatOptions } from '../../src/format/index.js';
import { readInterfaceNames } from '../../src/cli/read-run.js';

const ifNames = readInterfaceNames();

export const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
export const IS_ROOT = process.getuid?.() === 0;

export interface RunningCapture {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start `tcpdump -U -w path` with extra args; resolves once tcpdump says it is listening. A 32 MB
 * kernel buffer (`-B`) keeps the bulk transfer's 64 KB loopback segments from being dropped.
 */
export async function startCapture(
  path: string,
  args: readonly string[],
  timeoutMs = 10_000,
): Promise<RunningCapture> {
  const child = spawn('tcpdump', ['--immediate-mode', '-U', '-B', '32768', '-w', path, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited with ${code}: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Let the last packets reach the file (on a loaded machine tcpdump may lag well behind the
      // traffic): wait until the file has packets and has stopped growing, bounded at 10 s.
      await waitForStableFile(path, 400, 10_000);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      if (child.pid) process.kill(child.pid, 'SIGINT');
      const t = setTimeout(
        () => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
        5000,
      );
      await exited;
      clearTimeout(t);
    },
  };
}

/** Resolve once `path` holds more than a pcap header and its size has not changed for `quietMs`. */
async function waitForStableFile(path: string, quietMs: number, maxMs: number): Promise<void> {
  const started = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - started < maxMs) {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      size = 0;
    }
    if (size !== last) {
      last = size;
      since = Date.now();
    } else if (size > 24 && Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Split tcpdump output into packet blocks (continuation lines start with white space). */
export function splitPackets(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^( {4}|\t)/.test(line) && out.length) out[out.length - 1] += '\n' + line;
    else out.push(line);
  }
  return out;
}

/** `TZ=UTC tcpdump -n -r file args…`, one block per packet. */
export function tcpdumpRead(file: string, args: readonly string[] = []): string[] {
  const r = spawnSync('tcpdump', ['-n', '-r', file, ...args], {
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  return splitPackets(r.stdout);
}

/** Our formatter over the same file: one block per record, and whether each was TCP. */
export function tcpscopeRead(
  file: string,
  opts: TcpdumpFormatOptions = {},
): { blocks: string[]; tcp: boolean[]; records: number } {
  const res = readCaptureBuffer(new Uint8Array(readFileSync(file)));
  const fmt = new TcpdumpFormatter({ tzOffset: () => 0, interfaceName: (i) => ifNames.get(i), ...opts });
  const blocks: string[] = [];
  const tcp: boolean[] = [];
  for (const rec of res.records) {
    blocks.push(fmt.format(rec));
    tcp.push(fmt.lastWasTcp);
  }
  return { blocks, tcp, records: res.records.length };
}

/** tcpdump arguments for a formatter option set. */
export function tcpdumpArgsFor(o: TcpdumpFormatOptions): string[] {
  const a: string[] = [];
  if (o.timestampMode) a.push('-' + 't'.repeat(o.timestampMode));
  if (o.nano) a.push('--time-stamp-precision', 'nano');
  if (o.absoluteSeq) a.push('-S');
  if (o.verbose) a.push('-' + 'v'.repeat(o.verbose));
  return a;
}

/** Compare the TCP packets of a file; returns the differing packets (empty when identical). */
export function diffTcp(
  file: string,
  opts: TcpdumpFormatOptions,
  cut: (block: string) => string = (b) => b,
): { tcpPackets: number; diffs: { index: number; tcpdump: string; tcpscope: string }[] } {
  const theirs = tcpdumpRead(file, tcpdumpArgsFor(opts));
  const ours = tcpscopeRead(file, opts);
  const diffs: { index: number; tcpdump: string; tcpscope: string }[] = [];
  let tcpPackets = 0;
  if (theirs.length !== ours.records) {
    diffs.push({ index: -1, tcpdump: `${theirs.length} packets`, tcpscope: `${ours.records} records` });
  }
  ours.blocks.forEach((block, i) => {
    if (!ours.tcp[i]) {
      // A packet tcpdump prints as TCP must not be missed by tcpscope's TCP classification.
      const t = theirs[i] ?? '';
      if (/ Flags \[/.test(t)) diffs.push({ index: i, tcpdump: t, tcpscope: `(not TCP) ${block}` });
      return;
    }
    tcpPackets++;
    const t = cut(theirs[i] ?? '<missing>');
    const o = cut(block);
    if (t !== o) diffs.push({ index: i, tcpdump: t, tcpscope: o });
  });
  return { tcpPackets, diffs };
}
