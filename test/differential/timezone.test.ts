/**
 * tcpdump prints local time. `tcpscope read` must print the same wall-clock time as tcpdump for
 * every TCP packet under time zones with odd offsets and daylight-saving rules, not only UTC:
 * both run through the real binaries (`tcpdump -n -r` and `node dist/cli/main.js read`) with the
 * same TZ, over tcpdump's conformance captures (recorded on many dates) and a capture of fresh
 * loopback traffic made here. Compared: the first line (timestamp and, under -v, the IP header) of
 * every packet whose text holds a TCP `Flags [` field.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_TCPDUMP, IS_ROOT, splitPackets, startCapture } from '../helpers/tcpdump.js';
import { exchange, listen, replyThenEnd, resetClose } from './traffic.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/main.js');
const confDir = resolve(root, '../shared/conformance/tcpdump-tests');
if (!existsSync(confDir)) throw new Error(`conformance captures not found at ${confDir}`);
const files = readdirSync(confDir)
  .sort()
  .map((n) => join(confDir, n));
const tmp = mkdtempSync(join(tmpdir(), 'tcpscope-tz-'));
const ZONES = ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Europe/London'];
function lines(cmd: string, args: string[], tz: string): string[] {
  const r = spawnSync(cmd, args, { env: { ...process.env, TZ: tz }, encoding: 'utf8', maxBuffer: 1 << 27 });
  return splitPackets(r.stdout)
    .filter((block) => block.includes('Flags ['))
    .map((block) => block.split('\n')[0]!);
}

beforeAll(async () => {
  if (!HAVE_TCPDUMP || !IS_ROOT) return;
  const { server, port } = await listen('127.0.0.1', replyThenEnd(100));
  const path = join(tmp, 'lo.pcap');
  const cap = await startCapture(path, ['-i', 'lo', 'tcp', 'port', String(port)]);
  try {
    await exchange('127.0.0.1', port, 10, 0);
    await resetClose('127.0.0.1', port);
  } finally {
    await cap.stop();
    await new Promise((r) => server.close(r));
  }
  files.push(path);
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.runIf(HAVE_TCPDUMP)('local time like tcpdump under several time zones', () => {
  for (const tz of ZONES) {
    for (const opt of [[], ['-tttt'], ['-v']]) {
      it(`${tz} ${opt.join(' ') || 'default'}`, () => {
        let compared = 0;
        for (const f of files) {
          const theirs = lines('tcpdump', ['-n', ...opt, '-r', f], tz);
          const ours = lines(process.execPath, [cli, 'read', ...opt, f], tz);
          expect({ f, ours }).toEqual({ f, ours: theirs });
          compared += theirs.length;
        }
        expect(compared).toBeGreaterThan(100);
      });
    }
  }
});
