import { describe, expect, it } from 'vitest';
import { explain } from '../report/explain/index.js';
import { analyzePackets, TcpAnalyzer } from './engine.js';
import { Conversation } from './test-builder.js';

function transitionsOf(result: ReturnType<typeof analyzePackets>): string[] {
  return result.packets.flatMap((p) =>
    (p?.transitions ?? []).map(
      (t) => `${t.packetIndex + 1} ${t.event.local.port} ${t.event.oldState}->${t.event.newState}`,
    ),
  );
}

describe('the seed scenario (close-wait-client)', () => {
  const conv = new Conversation()
    .handshake() // 1-3
    .data('c', 58) // 4: seq 1:59
    .ack('s') // 5: ack 59
    .data('s', 58) // 6: the reply
    .ack('c') // 7
    .fin('s') // 8: server close()
    .wait(39_000_000n)
    .ack('c') // 9: delayed ACK of the FIN
    .wait(5_000_000_000n)
    .data('c', 58) // 10: sending in CLOSE_WAIT
    .rst('s'); // 11: the orphaned socket answers with a reset
  const result = analyzePackets(conv.packets);

  it('infers the kernel transitions, each tied to its packet', () => {
    expect(transitionsOf(result)).toEqual([
      '1 40000 CLOSE->SYN_SENT',
      '2 40000 SYN_SENT->ESTABLISHED',
      '3 8006 LISTEN->SYN_RECV',
      '3 8006 SYN_RECV->ESTABLISHED',
      '8 8006 ESTABLISHED->FIN_WAIT1',
      '8 40000 ESTABLISHED->CLOSE_WAIT',
      '9 8006 FIN_WAIT1->FIN_WAIT2',
      '9 8006 FIN_WAIT2->CLOSE', // reported at packet 11, dated at packet 9 (orphan mini-socket)
      '11 40000 CLOSE_WAIT->CLOSE',
    ]);
    const late = result.packets[10]!.transitions[0]!;
    expect(late.event.tsNs).toBe(conv.packets[8]!.tsNs);
    expect(late.event.source).toBe('inferred');
  });

  it('gives the seed arithmetic and verdicts', () => {
    const keys = (i: number) => result.packets[i - 1]!.notes.map((n) => n.key);
    expect(keys(1)).toContain('handshake-syn');
    expect(keys(3)).toContain('handshake-ack');
    expect(result.packets[3]!.notes.find((n) => n.key === 'seq-range')!.params).toEqual({
      start: 1,
      end: 59,
      length: 58,
    });
    expect(result.packets[4]!.notes.find((n) => n.key === 'ack-next')!.params).toMatchObject({
      ack: 59,
      seq: 1,
      length: 58,
    });
    const fin = result.packets[8]!.notes;
    expect(fin.find((n) => n.key === 'fin-takes-one-seq')!.params).toEqual({ ack: 60, seq: 59 });
    expect(fin.find((n) => n.key === 'delayed-ack')!.params).toEqual({ delayMs: 40 });
    expect(result.packets[9]!.verdicts).toEqual(['data-after-fin']);
    expect(result.packets[10]!.verdicts).toEqual(['rst-closed-socket']);
    const rstNotes = result.packets[10]!.notes.map((n) => explain(n.key, n.params));
    expect(rstNotes).toContain(
      'RST seq 60 is exactly the next sequence number 127.0.0.1.40000 expects, so 127.0.0.1.40000 accepts it',
    );
  });

  it('summarises the connection like Zeek', () => {
    expect(result.connections).toHaveLength(1);
    const c = result.connections[0]!;
    expect(c.history).toBe('ShADadfr');
    expect(c.connState).toBe('RSTR');
    expect(c.opener).toBe('orig');
    expect(c.closer).toBe('resp');
    expect(c.end).toBe('reset');
    expect(c.fromOrig).toMatchObject({ packets: 6, payloadBytes: 116 });
    expect(c.fromResp).toMatchObject({ packets: 5, payloadBytes: 58 });
    expect(c.options).toEqual({
      mss: { orig: 65495, resp: 65495 },
      windowScale: { orig: 7, resp: 7 },
      sackPermitted: true,
      timestamps: true,
    });
    expect(c.handshakeRttUs).toBe(2000);
    expect(c.synToSynAckUs).toBe(1000);
    expect(c.flagCounts).toEqual({ 'data-after-fin': 1, 'rst-closed-socket': 1 });
  });
});

describe('connection endings', () => {
  it('normal close: SF, FIN_WAIT2 -> CLOSE as the kernel traces TIME_WAIT', () => {
    const conv = new Conversation().handshake().data('c', 5).ack('s').fin('c').ack('s').fin('s').ack('c');
    const r = analyzePackets(conv.packets);
    expect(r.connections[0]!).toMatchObject({
      connState: 'SF',
      history: 'ShADaFf',
      end: 'fin-both',
      origState: 'TIME_WAIT',
      respState: 'CLOSE',
    });
    expect(transitionsOf(r).slice(4)).toEqual([
      '6 40000 ESTABLISHED->FIN_WAIT1',
      '6 8006 ESTABLISHED->CLOSE_WAIT',
      '7 40000 FIN_WAIT1->FIN_WAIT2',
      '8 8006 CLOSE_WAIT->LAST_ACK',
      '8 40000 FIN_WAIT2->CLOSE',
      '9 8006 LAST_ACK->CLOSE',
    ]);
  });

  it('refused: REJ, the client goes SYN_SENT -> CLOSE', () => {
    const conv = new Conversation().send('c', 'S');
    conv.raw('s', 'R.', 0, conv.nxt.c);
    const r = analyzePackets(conv.packets);
    expect(r.connections[0]!).toMatchObject({ connState: 'REJ', history: 'Sr', end: 'refused' });
    expect(r.packets[1]!.verdicts).toEqual(['rst-refused']);
    expect(transitionsOf(r)).toEqual(['1 40000 CLOSE->SYN_SENT', '2 40000 SYN_SENT->CLOSE']);
  });

  it('no reply: S0; half-close: S2 / S3; abort: RSTO', () => {
    expect(analyzePackets(new Conversation().send('c', 'S').packets).connections[0]).toMatchObject({
      connState: 'S0',
      history: 'S',
      end: 'no-reply',
    });
    const half = new Conversation().handshake().fin('c').ack('s');
    expect(analyzePackets(half.packets).connections[0]).toMatchObject({
      connState: 'S2',
      end: 'half-closed',
      history: 'ShAFa',
    });
    const s3 = new Conversation().handshake().fin('s');
    expect(analyzePackets(s3.packets).connections[0]).toMatchObject({ connState: 'S3' });
    const abort = new Conversation().handshake().data('c', 10).ack('s').rst('c', true);
    const r = analyzePackets(abort.packets);
    expect(r.connections[0]).toMatchObject({
      connState: 'RSTO',
      history: 'ShADaR',
      end: 'reset',
      closer: 'orig',
    });
    expect(r.packets[5]!.verdicts).toEqual(['rst-abort']);
  });

  it('midstream traffic: OTH, no transitions', () => {
    const conv = new Conversation();
    conv.raw('c', 'P.', 100, 200, 10).raw('s', '.', 200, 110);
    const r = analyzePackets(conv.packets);
    expect(r.connections[0]).toMatchObject({ connState: 'OTH', history: 'Da' });
    expect(transitionsOf(r)).toEqual([]);
  });

  it('a lone SYN-ACK flips the roles (^)', () => {
    const conv = new Conversation();
    conv.raw('s', 'S.', 5000, 1001);
    const c = analyzePackets(conv.packets).connections[0]!;
    expect(c.history).toBe('^h');
    expect(c.orig).toEqual({ addr: '127.0.0.1', port: 40000 });
  });
});

describe('flow table', () => {
  it('splits on port reuse (new SYN, new ISN) and flags it', () => {
    const a = new Conversation().handshake().fin('c').ack('s').fin('s').ack('c');
    const b = new Conversation({ clientIsn: 99999, startNs: a.tsNs + 1_000_000n }).handshake();
    const r = analyzePackets([...a.packets, ...b.packets]);
    expect(r.connections.map((c) => c.connState)).toEqual(['SF', 'S1']);
    expect(r.packets[7]!.flags).toEqual(['reused-ports']);
    expect(r.packets[7]!.connId).toBe(2);
  });

  it('does not split on a retransmitted SYN', () => {
    const conv = new Conversation().send('c', 'S');
    conv.raw('c', 'S', conv.isn.c, 0);
    const r = analyzePackets(conv.packets);
    expect(r.connections).toHaveLength(1);
    expect(r.connections[0]!.history).toBe('S');
    expect(r.packets[1]!.flags).toEqual(['retransmission']);
  });

  it('stays bounded: evicts closed connections first, then the oldest, and counts them', () => {
    const seen: number[] = [];
    const analyzer = new TcpAnalyzer({
      maxConnections: 3,
      perPacket: false,
      onConnection: (s) => seen.push(s.id),
    });
    const open1 = new Conversation({ client: { addr: '10.0.0.1', port: 1 } }).handshake();
    const closed = new Conversation({ client: { addr: '10.0.0.2', port: 2 } }).handshake().rst('c');
    const open3 = new Conversation({ client: { addr: '10.0.0.3', port: 3 } }).handshake();
    const open4 = new Conversation({ client: { addr: '10.0.0.4', port: 4 } }).handshake();
    const open5 = new Conversation({ client: { addr: '10.0.0.5', port: 5 } }).handshake();
    for (const p of [
      ...open1.packets,
      ...closed.packets,
      ...open3.packets,
      ...open4.packets,
      ...open5.packets,
    ])
      analyzer.add(p);
    expect(seen).toEqual([2, 1]);
    const { connections, stats } = analyzer.finish();
    expect(stats).toMatchObject({ evictedClosed: 1, evictedOpen: 1, maxTableSize: 3, connections: 5 });
    expect(connections.map((c) => [c.id, c.evicted])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
    ]);
  });

  it('retires a closed connection after the linger time; a later packet starts an OTH one', () => {
    const conv = new Conversation().handshake().rst('c');
    conv.wait(3_000_000_000n).raw('s', '.', conv.nxt.s, conv.rcv.s);
    const seen: number[] = [];
    const analyzer = new TcpAnalyzer({ perPacket: false, onConnection: (c) => seen.push(c.id) });
    conv.packets.forEach((p, i) => analyzer.add(p, i));
    expect(seen).toEqual([1]);
    const { connections } = analyzer.finish();
    expect(connections.map((c) => [c.connState, c.evicted])).toEqual([
      ['RSTO', false],
      ['OTH', false],
    ]);
  });

  it('skips packets without TCP and counts them', () => {
    const analyzer = new TcpAnalyzer();
    expect(
      analyzer.add({
        tsNs: 1n,
        caplen: 10,
        origLen: 10,
        link: { linkType: 1 },
        payloadOffset: 0,
        payloadLength: 0,
        capturedPayloadLength: 0,
      }),
    ).toBeUndefined();
    expect(analyzer.finish().stats).toMatchObject({ packets: 1, skippedPackets: 1, tcpPackets: 0 });
  });
});
