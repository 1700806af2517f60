import { describe, expect, it } from 'vitest';
import { analyzePackets } from './engine.js';
import { packetAnalysisToJson, renderExplainPacket, renderSummary, summaryToJson } from './render.js';
import { runExplain, runSummary } from './run.js';
import { Conversation } from './test-builder.js';

const conv = new Conversation().handshake().data('c', 58).ack('s').fin('s').ack('c').data('c', 58).rst('s');
const result = analyzePackets(conv.packets);

describe('reporters', () => {
  it('puts annotation lines under the packet line, in English or Chinese', () => {
    const text = renderExplainPacket('IP a > b: Flags [P.], seq 1:59', result.packets[3], 'en');
    expect(text.split('\n')).toEqual([
      'IP a > b: Flags [P.], seq 1:59',
      '      # seq 1:59 carries 58 bytes: 59 = 1 + 58',
    ]);
    expect(renderExplainPacket('x', result.packets[3], 'zh')).toContain('携带 58 字节');
    expect(renderExplainPacket('x', undefined)).toBe('x');
  });

  it('renders one summary row per connection with the verdicts', () => {
    const text = renderSummary(result.connections, result.stats);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^#\s+originator\s+responder/);
    expect(lines[1]).toMatch(/^1\s+127\.0\.0\.1:40000\s+127\.0\.0\.1:8006 .* RSTR\s+ShADafr? /);
    expect(text).toContain('#1 RSTR: the responder sent a RST; reset by 127.0.0.1:8006');
    expect(text.split('\n').at(-1)).toBe('1 connections, 9 TCP packets (0 other), evicted 0 closed + 0 open');
    const zh = renderSummary(result.connections, result.stats, 'zh');
    expect(zh).toContain('RSTR：响应方发送了 RST');
    // Every sentence in Chinese, the totals too.
    expect(zh.split('\n').at(-1)).toBe(
      '1 个连接，9 个 TCP 包（其他包 0 个），因流表已满淘汰 0 个已关闭、0 个未关闭的连接',
    );
  });

  it('writes JSON with bigints as strings', () => {
    const json = JSON.parse(summaryToJson(result.connections, result.stats)) as {
      connections: { startNs: string; connState: string }[];
    };
    expect(json.connections[0]!.connState).toBe('RSTR');
    expect(json.connections[0]!.startNs).toBe(conv.packets[0]!.tsNs.toString());
    const line = JSON.parse(packetAnalysisToJson('L', result.packets[8])) as {
      verdicts: string[];
      notes: { key: string; text: string }[];
    };
    expect(line.verdicts).toEqual(['rst-closed-socket']);
    expect(line.notes.map((n) => n.key)).toContain('rst-closed-socket');
  });

  it('drives the engine from an async source', async () => {
    async function* source() {
      for (const p of conv.packets) yield await Promise.resolve(p);
    }
    const out: string[] = [];
    const r = await runExplain(
      source(),
      (_p, i) => `packet ${i + 1}`,
      (t) => out.push(t),
    );
    expect(out[0]!.startsWith('packet 1\n      # 127.0.0.1.40000 opens the connection')).toBe(true);
    expect(r.connections).toHaveLength(1);
    const s = await runSummary(conv.packets, { json: true });
    expect((JSON.parse(s.text) as { stats: { tcpPackets: number } }).stats.tcpPackets).toBe(
      conv.packets.length,
    );
  });
});
