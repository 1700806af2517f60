/**
 * Real captures on lo (test-owned ports): each scenario's conn_state/history/verdicts are
 * asserted, per-packet flags are compared with tshark on the same file, and the inferred state
 * transitions are compared with the kernel's own (sock:inet_sock_set_state) for the same run.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { analyzePackets } from '../../src/analysis/index.js';
import { analyzeFile, ourFlags, startTcpdump, tempDir, tsharkFlags } from './harness.js';
import { startKernelTrace } from './kernel-trace.js';
import * as S from './scenarios.js';

const hasTools =
  spawnSync('tcpdump', ['--version']).status === 0 && spawnSync('tshark', ['--version']).status === 0;
const tmp = tempDir();
afterAll(() => tmp.remove());

async function capture(name: string, make: () => Promise<S.Scenario>) {
  const sc = await make();
  const file = `${tmp.dir}/${name}.pcap`;
  const trace = startKernelTrace(sc.port);
  try {
    const cap = await startTcpdump(file, 'lo', `tcp port ${sc.port}`);
    try {
      await sc.run();
    } finally {
      await cap.stop();
      await sc.close();
    }
    const result = analyzeFile(file);
    return { file, port: sc.port, result, kernel: trace.read() };
  } finally {
    trace.remove();
  }
}

function inferred(result: ReturnType<typeof analyzePackets>, port: number): string[] {
  return result.packets
    .flatMap((p) => p?.transitions ?? [])
    .map(
      (t) => `${t.event.local.port === port ? 'server' : 'client'} ${t.event.oldState}->${t.event.newState}`,
    );
}

function byRole(list: string[], role: string): string[] {
  return list.filter((x) => x.startsWith(role));
}

function verdicts(result: ReturnType<typeof analyzePackets>): string[] {
  return result.packets.flatMap((p) => p?.verdicts ?? []);
}

describe.runIf(hasTools)('analysis of real loopback captures', () => {
  it('seed: data in CLOSE_WAIT answered by a RST from the orphaned socket (RSTR)', async () => {
    const { file, port, result, kernel } = await capture('seed', S.seedScenario);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0]).toMatchObject({
      connState: 'RSTR',
      history: 'ShADadfr',
      end: 'reset',
      closer: 'resp',
    });
    expect(verdicts(result)).toEqual(['data-after-fin', 'rst-closed-socket']);
    const ours = inferred(result, port);
    expect(byRole(ours, 'client')).toEqual([
      'client CLOSE->SYN_SENT',
      'client SYN_SENT->ESTABLISHED',
      'client ESTABLISHED->CLOSE_WAIT',
      'client CLOSE_WAIT->CLOSE',
    ]);
    expect(byRole(ours, 'server')).toEqual(byRole(kernel, 'server'));
    expect(byRole(ours, 'client')).toEqual(byRole(kernel, 'client'));
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('normal close: SF, FIN both ways, transitions equal the kernel', async () => {
    const { file, port, result, kernel } = await capture('normal', S.normalScenario);
    expect(result.connections[0]).toMatchObject({
      connState: 'SF',
      history: 'ShADadFf',
      end: 'fin-both',
      origState: 'TIME_WAIT',
    });
    expect(byRole(inferred(result, port), 'server')).toEqual(byRole(kernel, 'server'));
    expect(byRole(inferred(result, port), 'client')).toEqual(byRole(kernel, 'client'));
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('refused connect: REJ, Sr, the client SYN_SENT -> CLOSE', async () => {
    const { file, port, result, kernel } = await capture('refused', S.refusedScenario);
    expect(result.connections[0]).toMatchObject({ connState: 'REJ', history: 'Sr', end: 'refused' });
    expect(verdicts(result)).toEqual(['rst-refused']);
    expect(inferred(result, port)).toEqual(kernel);
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('abortive close (resetAndDestroy): RSTO', async () => {
    const { file, port, result, kernel } = await capture('abort', S.abortScenario);
    expect(result.connections[0]).toMatchObject({
      connState: 'RSTO',
      history: 'ShADaR',
      end: 'reset',
      closer: 'orig',
    });
    expect(verdicts(result)).toEqual(['rst-abort']);
    expect(byRole(inferred(result, port), 'server')).toEqual(byRole(kernel, 'server'));
    expect(byRole(inferred(result, port), 'client')).toEqual(byRole(kernel, 'client'));
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('close with unread data: the server resets (RSTR), verdict rst-unread-data', async () => {
    const { file, port, result, kernel } = await capture('unread', S.unreadScenario);
    expect(result.connections[0]).toMatchObject({ connState: 'RSTR', history: 'ShADar', closer: 'resp' });
    expect(verdicts(result)).toEqual(['rst-unread-data']);
    expect(byRole(inferred(result, port), 'server')).toEqual(byRole(kernel, 'server'));
    expect(byRole(inferred(result, port), 'client')).toEqual(byRole(kernel, 'client'));
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('half-close: the server keeps sending after the client FIN (data-after-fin), then SF', async () => {
    const { file, port, result, kernel } = await capture('half', S.halfCloseScenario);
    expect(result.connections[0]).toMatchObject({
      connState: 'SF',
      history: 'ShADaFdf',
      end: 'fin-both',
      closer: 'orig',
    });
    expect(verdicts(result)).toEqual(['data-after-fin', 'data-after-fin']);
    expect(byRole(inferred(result, port), 'server')).toEqual(byRole(kernel, 'server'));
    expect(byRole(inferred(result, port), 'client')).toEqual(byRole(kernel, 'client'));
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  it('receiver that never reads: zero window, Linux probes (Wireshark calls them keep-alives)', async () => {
    const { file, result } = await capture('zero', S.zeroWindowScenario);
    const c = result.connections[0]!;
    expect(c.connState).toBe('S1');
    expect(c.history).toMatch(/^ShAD.*w/);
    expect(c.flagCounts['zero-window']).toBeGreaterThanOrEqual(2);
    // Linux probes a zero window with seq = snd_una - 1 and no data: Wireshark's keep-alive rule.
    expect(c.flagCounts['keep-alive']).toBeGreaterThanOrEqual(1);
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });

  // Measured: Node 20's setKeepAlive(true, 1000) sets TCP_KEEPIDLE 1 s and (libuv) TCP_KEEPINTVL
  // 1 s, so a probe comes every second of idleness: 2 probes in the 2.3 s idle period.
  it('keep-alive after 1 s idle: probes and their ACKs, then an orderly close', async () => {
    const { file, result } = await capture('keepalive', S.keepAliveScenario);
    const c = result.connections[0]!;
    expect(c).toMatchObject({ connState: 'SF', end: 'fin-both' });
    expect(c.flagCounts['keep-alive']).toBeGreaterThanOrEqual(1);
    expect(c.flagCounts['keep-alive-ack']).toBe(c.flagCounts['keep-alive']);
    expect(ourFlags(file)).toEqual(tsharkFlags(file));
  });
});
