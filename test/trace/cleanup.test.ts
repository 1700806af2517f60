/**
 * `tcpscope watch` leaves the kernel clean: after SIGINT, SIGTERM and SIGHUP its tracefs instance
 * is gone; after SIGKILL the instance stays, and the next start removes it. Also checks the
 * explained lines it prints for a real connection, and the --poll fallback. Uses dist/ (the CLI).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enabledEvents, traceTcp } from '../../src/trace/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const PEERS = fileURLToPath(new URL('./peers.mjs', import.meta.url));
const INSTANCES = '/sys/kernel/tracing/instances';
const children: ChildProcess[] = [];

beforeAll(() => {
  // The CLI runs from dist/: build it so the test exercises this tree's code (tsc still emits
  // when another folder of the shared tree has a type error, so its exit status is not checked).
  spawnSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.build.json`],
    {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: 120_000,
    },
  );
}, 130_000);

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

interface Watch {
  proc: ChildProcess;
  instance: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

async function startWatch(args: string[]): Promise<Watch> {
  const proc = spawn(process.execPath, [CLI, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null }>((res) =>
    proc.once('close', (code, signal) => res({ code, signal })),
  );
  const instance = await new Promise<string>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`watch did not start: ${err}`)), 20_000);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /tracing in (\S+)/.exec(err);
      if (m) {
        clearTimeout(t);
        res(m[1] as string);
      }
    });
    void exit.then(() => rej(new Error(`watch exited: ${err}`)));
  });
  return { proc, instance, stdout: () => out, stderr: () => err, exit };
}

describe('tcpscope watch cleanup (real tracefs)', () => {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`removes its instance and disables its events on ${sig}`, async () => {
      const w = await startWatch(['--port', String(await freePort())]);
      expect(w.instance).toBe(`${INSTANCES}/tcpscope-${w.proc.pid}`);
      expect(existsSync(w.instance)).toBe(true);
      expect(enabledEvents(w.instance)).toContain('sock:inet_sock_set_state');
      w.proc.kill(sig);
      const end = await w.exit;
      expect(end.code).toBe(0);
      expect(existsSync(w.instance)).toBe(false);
      expect(w.stderr()).toMatch(new RegExp(`no events lost \\(ended by ${sig}\\)`));
    });
  }

  it('library default: SIGTERM tears the instance down, then the process dies by SIGTERM as usual', async () => {
    const script = `import('${ROOT}dist/trace/index.js').then(({ traceTcp }) => {
      const t = traceTcp({ ports: [9] });
      process.stdout.write(t.instancePath + '\\n');
      setInterval(() => {}, 1000);
    });`;
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(proc);
    const instance = await new Promise<string>((res) =>
      proc.stdout.once('data', (d: Buffer) => res(d.toString().trim())),
    );
    expect(existsSync(instance)).toBe(true);
    proc.kill('SIGTERM');
    const end = await new Promise<string | null>((res) => proc.once('exit', (_c, sig) => res(sig)));
    expect(end).toBe('SIGTERM');
    expect(existsSync(instance)).toBe(false);
  });

  it('after SIGKILL the instance stays; the next start removes it', async () => {
    const w = await startWatch(['--port', String(await freePort())]);
    w.proc.kill('SIGKILL');
    await w.exit;
    expect(existsSync(w.instance)).toBe(true); // nothing can run on SIGKILL
    const next = traceTcp({ ports: [await freePort()] });
    try {
      expect(existsSync(w.instance)).toBe(false);
    } finally {
      await next.stop();
    }
    expect(existsSync(next.instancePath)).toBe(false);
    const mine = readFileSync('/proc/self/stat', 'utf8').split(' ')[0];
    expect(existsSync(`${INSTANCES}/tcpscope-${mine}`)).toBe(false);
  });

  it('prints one explained line per transition (--duration bounds it; SIGINT ends it)', async () => {
    const port = await freePort();
    const w = await startWatch(['--port', String(port), '--duration', '60s']);
    const server = spawn(process.execPath, [PEERS, 'server', String(port), 'exchange'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(server);
    await new Promise<void>((res) => server.stdout?.on('data', () => res()));
    const client = spawn(process.execPath, [PEERS, 'client', String(port), 'exchange'], { stdio: 'ignore' });
    children.push(client);
    await Promise.all([client, server].map((c) => new Promise((res) => c.once('exit', res))));
    await new Promise((r) => setTimeout(r, 300));
    w.proc.kill('SIGINT');
    const end = await w.exit;
    expect(end.code).toBe(0);
    // Other tests' traffic may use this port number too (as an ephemeral port): look for ours.
    const lines = w.stdout().trim().split('\n');
    expect(w.stderr()).toMatch(/ended by SIGINT/);
    expect(
      lines.some((l) =>
        / ESTABLISHED -> CLOSE_WAIT \(.+\) \d+\/tsrv: the peer sent FIN; this process has not closed yet$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines.some((l) => /FIN_WAIT2 -> TIME_WAIT .*\[synthesized\] \d+\/tcli/.test(l))).toBe(true);
    expect(existsSync(w.instance)).toBe(false);
  });

  it('stops after --duration', async () => {
    const w = await startWatch(['--port', String(await freePort()), '--duration', '300ms']);
    const end = await w.exit;
    expect(end.code).toBe(0);
    expect(w.stderr()).toMatch(/ended by --duration/);
    expect(existsSync(w.instance)).toBe(false);
  });

  it('stops after --count events', async () => {
    const port = await freePort();
    const w = await startWatch(['--port', String(port), '--count', '2', '--duration', '10s']);
    const server = spawn(process.execPath, [PEERS, 'server', String(port), 'exchange'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(server);
    await new Promise<void>((res) => server.stdout?.on('data', () => res()));
    spawn(process.execPath, [PEERS, 'client', String(port), 'exchange'], { stdio: 'ignore' });
    const end = await w.exit;
    expect(end.code).toBe(0);
    expect(w.stdout().trim().split('\n')).toHaveLength(2);
    expect(w.stderr()).toMatch(/2 events shown.*ended by --count/);
    expect(existsSync(w.instance)).toBe(false);
  });

  it('without tracefs says so in one line and samples the socket table instead', async () => {
    const port = await freePort();
    const proc = spawn(
      process.execPath,
      [
        CLI,
        'watch',
        '--tracefs',
        '/nonexistent-tracefs',
        '--port',
        String(port),
        '--state',
        'LISTEN',
        '--interval',
        '20ms',
        '--count',
        '1',
        '--duration',
        '10s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(proc);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const srv = net.createServer();
    await new Promise<void>((res) => srv.listen(port, '127.0.0.1', res));
    const code = await new Promise((res) => proc.once('exit', res));
    srv.close();
    expect(code).toBe(0);
    expect(err.trim().split('\n')[0]).toMatch(
      /kernel tracing unavailable .* sampling the socket table every 20 ms/,
    );
    expect(out).toMatch(/CLOSE -> LISTEN \[sampled\] .*sampled \(socket table poll\), not traced/);
  });
});
