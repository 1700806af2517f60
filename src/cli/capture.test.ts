/**
 * @module cli/capture.test
 * `tcpscope capture` end to end (built CLI in dist/, real tcpdump on lo, real traffic to a port
 * this test opened): lines printed, -w file read back by tcpdump, SIGTERM stops cleanly with the
 * counts and leaves no tcpdump child, a bad filter exits 2 with tcpdump's message.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const cli = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-cli-capture-'));
const started: ChildProcess[] = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  if (!existsSync(cli))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: join(import.meta.dirname, '../..') });
  server = createServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exit, out: () => out, err: () => err };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const talk = () =>
  new Promise<void>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end('ping'));
    c.on('data', () => {});
    c.on('close', () => resolve());
    c.on('error', reject);
  });

function tcpdumpChildren(pid: number): number[] {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return kids.filter((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').startsWith('tcpdump'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test.each(['SIGTERM', 'SIGINT'] as const)(
  'live lines, -w readable by tcpdump, %s prints counts and leaves no tcpdump',
  async (sig) => {
    const file = join(dir, `cap-${sig}.pcap`);
    const r = run(['capture', '-i', 'lo', '-w', file, 'tcp', 'port', String(port)]);
    await until(() => r.err().includes('listening on'));
    const [tcpdumpPid] = tcpdumpChildren(r.child.pid!);
    expect(tcpdumpPid).toBeGreaterThan(0);
    await talk();
    await until(() => r.out().split('\n').filter(Boolean).length >= 6);
    r.child.kill(sig);
    expect(await r.exit).toBe(0);
    expect(alive(tcpdumpPid!)).toBe(false);
    expect(r.err()).toMatch(
      /\d+ packets captured\n\d+ packets received by filter\n\d+ packets dropped by kernel/,
    );
    const lines = r.out().trim().split('\n');
    const back = execFileSync('tcpdump', ['-n', '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\n');
    // the live lines are exactly what tcpdump -n -r prints for the saved file
    expect(lines).toEqual(back);
    expect(back[0]).toContain(`.${port}`);
  },
);

test('--json with -c prints NDJSON and ends by itself', async () => {
  const r = run(['capture', '-i', 'lo', '-c', '3', '--json', 'tcp', 'port', String(port)]);
  await until(() => r.err().includes('listening on'));
  await talk();
  expect(await r.exit).toBe(0);
  const objs = r
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { caplen: number; tsNs: string });
  expect(objs).toHaveLength(3);
  expect(objs[0]!.caplen).toBeGreaterThan(40);
  expect(BigInt(objs[0]!.tsNs)).toBeGreaterThan(0n);
});

test("a bad filter exits 2 with tcpdump's message", async () => {
  const r = run(['capture', '-i', 'lo', 'tcp', 'port']);
  expect(await r.exit).toBe(2);
  expect(r.err()).toMatch(/^tcpscope: .*can't parse filter expression: syntax error/m);
});

test('tcpdump missing: exit 2 with an install hint', async () => {
  const r = run(['capture', '-i', 'lo'], { ...process.env, PATH: join(dir, 'empty-path') });
  expect(await r.exit).toBe(2);
  expect(r.err()).toMatch(
    /^tcpscope: tcpdump is not installed: install it \(Debian\/Ubuntu: apt-get install tcpdump/m,
  );
});

test('tcpdump dying mid-capture: exit 2, one message, the -w file still valid', async () => {
  const file = join(dir, 'died.pcap');
  const r = run(['capture', '-i', 'lo', '-w', file, 'tcp', 'port', String(port)]);
  await until(() => r.err().includes('listening on'));
  const [tcpdumpPid] = tcpdumpChildren(r.child.pid!);
  await talk();
  await until(() => r.out().split('\n').filter(Boolean).length >= 3);
  process.kill(tcpdumpPid!, 'SIGKILL');
  expect(await r.exit).toBe(2);
  expect(r.err()).toMatch(/^tcpscope: tcpdump was killed by SIGKILL after \d+ packets/m);
  const printed = r.out().trim().split('\n');
  const back = execFileSync('tcpdump', ['-n', '-r', file], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim()
    .split('\n');
  expect(back).toEqual(printed);
});
