import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFilter, parseTcpFlags } from './packet-filter.js';
import { decodePacket } from '../wire/index.js';
import { readCaptureBuffer } from '../capture/index.js';

const cli = resolve(import.meta.dirname, '../../dist/cli/main.js');
const conf = resolve(import.meta.dirname, '../../../shared/conformance/tcpdump-tests');
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], input?: Buffer) =>
  spawnSync(process.execPath, [cli, ...args], {
    input,
    env: { ...process.env, TZ: 'UTC' },
    encoding: 'utf8',
  });

describe('tcpscope read (the command)', () => {
  const file = join(conf, 'tcp-handshake-nano.pcap');

  it('prints the same lines as tcpdump, and its header on stderr', () => {
    const r = run(['read', file]);
    expect(r.status).toBe(0);
    const td = execFileSync('tcpdump', ['-n', '-r', file], {
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    expect(r.stdout).toBe(td);
    expect(r.stderr).toBe(
      `reading from file ${file}, link-type LINUX_SLL (Linux cooked v1), snapshot length 262144\n`,
    );
  });

  it('reads standard input', () => {
    const r = run(['read', '-', '-tt'], readFileSync(file));
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^1418145369\.924505 IP /);
  });

  it('stops after -c packets and filters by port, host and flags', () => {
    expect(run(['read', file, '-c', '2']).stdout.trim().split('\n')).toHaveLength(2);
    const syn = run(['read', file, '--tcp-flags', 'S']).stdout.trim().split('\n');
    expect(syn).toHaveLength(2);
    expect(run(['read', file, '--tcp-flags', 'SA']).stdout).toContain('Flags [S.]');
    expect(
      run(['read', file, '--port', '80', '--host', '137.116.81.94']).stdout.trim().split('\n'),
    ).toHaveLength(3);
    expect(run(['read', file, '--port', '81']).stdout).toBe('');
  });

  it('writes NDJSON with stable fields', () => {
    const lines = run(['read', file, '--json']).stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      index: 0,
      tsNs: '1418145369924505488',
      caplen: 76,
      ip: { src: '131.155.215.69', dst: '137.116.81.94' },
      tcp: { srcPort: 46656, dstPort: 80, flags: 2 },
    });
  });

  it('keeps the packets before a damaged record and exits 2 with the offset', () => {
    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = run(['read', cut]);
    expect(r.status).toBe(2);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/at offset \d+/);
  });

  it('explains a missing file and a bad option value', () => {
    const r = run(['read', join(dir, 'nope.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nope\.pcap/);
    expect(run(['read', file, '-c', 'x']).status).toBe(2);
    expect(run(['read', file, '--tcp-flags', 'Z']).status).toBe(2);
  });
});

describe('packet filters', () => {
  const recs = readCaptureBuffer(
    new Uint8Array(readFileSync(join(conf, 'tcp-handshake-nano.pcap'))),
  ).records.map((r) => decodePacket(r));
  it('parses flag letters', () => {
    expect(parseTcpFlags('SA')).toBe(0x12);
    expect(parseTcpFlags('s.')).toBe(0x12);
    expect(() => parseTcpFlags('Q')).toThrow(/unknown flag/);
  });
  it('matches every option given', () => {
    expect(compileFilter({})).toBeUndefined();
    const f = compileFilter({ port: '46656', tcpFlags: 'A' })!;
    expect(recs.map(f)).toEqual([false, true, true]);
  });

  it('ends quietly with status 0 when its reader goes away (`tcpscope read … | head`)', async () => {
    const file = join(conf, 'mptcp-v1.pcap');
    for (const args of [
      ['read', file],
      ['read', file, '--summary'],
    ]) {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the first line
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(err).not.toMatch(/EPIPE|Unhandled|internal error/);
      expect(code).toBe(0);
    }
  });
});
