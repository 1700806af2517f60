/**
 * @module test/analysis/harness
 * Real captures for the analysis tests: tcpdump on lo (or inside a network namespace) for
 * test-owned ports, and the tshark comparison. Every process is killed by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzePackets } from '../../src/analysis/index.js';
import type { AnalysisFlag } from '../../src/analysis/index.js';
import { readPcapLite } from './pcap-lite.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-analysis-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Capture {
  readonly file: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Start tcpdump writing `file`; resolves once it is listening. `netns` runs it inside one. */
export async function startTcpdump(
  file: string,
  iface: string,
  filter: string,
  netns?: string,
): Promise<Capture> {
  const args = ['-i', iface, '-n', '-U', '--immediate-mode', '-s', '256', '-w', file, filter];
  const child = netns ? spawn('ip', ['netns', 'exec', netns, 'tcpdump', ...args]) : spawn('tcpdump', args);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    file,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await sleep(150); // let the last packets reach the file (-U flushes per packet)
      child.kill('SIGINT');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const TSHARK_FIELDS: readonly [string, AnalysisFlag][] = [
  ['tcp.analysis.retransmission', 'retransmission'],
  ['tcp.analysis.fast_retransmission', 'fast-retransmission'],
  ['tcp.analysis.spurious_retransmission', 'spurious-retransmission'],
  ['tcp.analysis.out_of_order', 'out-of-order'],
  ['tcp.analysis.lost_segment', 'previous-segment-not-captured'],
  ['tcp.analysis.ack_lost_segment', 'acked-unseen-segment'],
  ['tcp.analysis.duplicate_ack', 'duplicate-ack'],
  ['tcp.analysis.zero_window', 'zero-window'],
  ['tcp.analysis.zero_window_probe', 'zero-window-probe'],
  ['tcp.analysis.zero_window_probe_ack', 'zero-window-probe-ack'],
  ['tcp.analysis.window_full', 'window-full'],
  ['tcp.analysis.window_update', 'window-update'],
  ['tcp.analysis.keep_alive', 'keep-alive'],
  ['tcp.analysis.keep_alive_ack', 'keep-alive-ack'],
  ['tcp.analysis.reused_ports', 'reused-ports'],
];

/** Per-frame flags as tshark reports them ("1: retransmission,duplicate-ack"). */
export function tsharkFlags(file: string): string[] {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number'];
  for (const [field] of TSHARK_FIELDS) args.push('-e', field);
  args.push('-e', 'tcp.analysis.duplicate_ack_num');
  const res = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) throw new Error(`tshark failed: ${res.stderr}`);
  return res.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const cols = line.split('|');
      const names = new Set<string>();
      TSHARK_FIELDS.forEach(([, name], i) => {
        if ((cols[i + 1] ?? '') !== '') names.add(name);
      });
      // Wireshark adds the generic "retransmission" expert item to fast and spurious ones.
      if (names.has('fast-retransmission') || names.has('spurious-retransmission'))
        names.delete('retransmission');
      const dup = cols[TSHARK_FIELDS.length + 1] ?? '';
      return `${cols[0]}: ${[...names].sort().join(',')}${dup ? ` #${dup}` : ''}`;
    });
}

/** Per-frame flags as tcpscope reports them, in the same shape as `tsharkFlags`. */
export function ourFlags(file: string): string[] {
  const { packets } = analyzePackets(readPcapLite(file));
  return packets.map((p, i) => {
    const names = [...(p?.flags ?? [])].sort().join(',');
    return `${i + 1}: ${names}${p?.dupAckNum ? ` #${p.dupAckNum}` : ''}`;
  });
}

export function analyzeFile(file: string) {
  return analyzePackets(readPcapLite(file));
}
