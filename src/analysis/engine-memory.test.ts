/**
 * @module analysis/engine-memory.test
 * The flow table's closed-connection queue must not keep retired connections (split off by
 * port reuse) alive for the whole linger time: that was most of the live heap on a
 * `Connection: close` capture.
 */
import { describe, expect, it } from 'vitest';
import { resetSide, Side } from './connection.js';
import { TcpAnalyzer } from './engine.js';
import { Conversation } from './test-builder.js';

describe('closed-connection queue', () => {
  it('drops retired connections while keeping every summary', () => {
    const analyzer = new TcpAnalyzer({ perPacket: false });
    const rounds = 5000;
    let startNs = 1_000_000_000n;
    let index = 0;
    let maxPending = 0;
    const internals = analyzer as unknown as {
      closedQueue: { items: unknown[]; head: number };
      pool: unknown[];
    };
    // A closed connection on another 4-tuple sits at the queue's head for the linger time.
    const head = new Conversation({ client: { addr: '127.0.0.1', port: 50000 }, startNs, stepNs: 1_000n })
      .handshake()
      .fin('c')
      .ack('s')
      .fin('s')
      .ack('c');
    for (const p of head.packets) analyzer.add(p, index++);
    startNs = head.tsNs + 1_000n;
    for (let i = 0; i < rounds; i++) {
      // Same 4-tuple every time, a new ISN: each SYN retires the previous (closed) connection.
      const conv = new Conversation({ clientIsn: 1000 + i * 7919, startNs, stepNs: 1_000n })
        .handshake()
        .fin('c')
        .ack('s')
        .fin('s')
        .ack('c');
      for (const p of conv.packets) analyzer.add(p, index++);
      startNs = conv.tsNs + 1_000n; // all within the 2 s linger
      maxPending = Math.max(maxPending, internals.closedQueue.items.length - internals.closedQueue.head);
    }
    const { connections, stats } = analyzer.finish();
    expect(connections).toHaveLength(rounds + 1);
    expect(connections.every((c) => c.connState === 'SF')).toBe(true);
    expect(stats.maxTableSize).toBe(2);
    // Without the sweep the queue would hold all `rounds` connections.
    expect(maxPending).toBeLessThanOrEqual(2 * 2 + 1024 + 1);
    // Retired connections are reused: a handful of objects served all of them.
    expect(internals.pool.length).toBeLessThanOrEqual(3);
  });
});

describe('a reused connection side', () => {
  it('is reset to exactly the state of a fresh one', () => {
    const used = new Side();
    const fields = used as unknown as Record<string, unknown>;
    // Dirty every field, whatever its type.
    for (const k of Object.keys(fields)) {
      const v = fields[k];
      fields[k] = typeof v === 'boolean' ? !v : typeof v === 'number' ? v + 7 : 'ESTABLISHED';
    }
    expect(used).not.toEqual(new Side());
    resetSide(used);
    expect(used).toEqual(new Side());
  });
});
