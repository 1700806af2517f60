import { describe, expect, it } from 'vitest';
import { analyzePackets } from './engine.js';
import { Conversation } from './test-builder.js';

function flagsOf(conv: Conversation): string[] {
  return analyzePackets(conv.packets).packets.map((p, i) => `${i + 1}:${p!.flags.join(',')}`);
}

describe('Wireshark analysis flags', () => {
  it('lost segment, duplicate ACKs with their numbers, fast retransmission', () => {
    const conv = new Conversation().handshake().data('c', 100); // 4: seq 1:101
    const lostSeq = conv.nxt.c;
    conv.nxt.c += 100; // 101:201 is "lost": never captured
    conv.data('c', 100); // 5: 201:301 -> previous segment not captured
    conv.raw('s', '.', conv.nxt.s, lostSeq); // 6: ack 101
    conv.raw('s', '.', conv.nxt.s, lostSeq); // 7: dup #1
    conv.raw('s', '.', conv.nxt.s, lostSeq); // 8: dup #2
    conv.raw('c', 'P.', lostSeq, conv.rcv.c, 100); // 9: resent within 20 ms of the dup ACKs
    const r = analyzePackets(conv.packets);
    expect(flagsOf(conv).slice(3)).toEqual([
      '4:',
      '5:previous-segment-not-captured',
      '6:',
      '7:duplicate-ack',
      '8:duplicate-ack',
      '9:fast-retransmission',
    ]);
    expect(r.packets[6]).toMatchObject({ dupAckNum: 1, dupAckOfIndex: 5 });
    expect(r.packets[7]).toMatchObject({ dupAckNum: 2, dupAckOfIndex: 5 });
    expect(r.packets[4]!.notes.find((n) => n.key === 'previous-segment-not-captured')!.params).toMatchObject({
      missing: 100,
    });
  });

  it('retransmission after the RTO, spurious retransmission of acknowledged data', () => {
    const conv = new Conversation().handshake().data('c', 10);
    const seq = conv.nxt.c - 10;
    conv.wait(200_000_000n).raw('c', 'P.', seq, conv.rcv.c, 10); // 5: retransmission
    conv.ack('s'); // 6
    conv.raw('c', 'P.', seq, conv.rcv.c, 10); // 7: already acknowledged
    expect(flagsOf(conv).slice(4)).toEqual(['5:retransmission', '6:', '7:spurious-retransmission']);
  });

  it('out-of-order: an older segment arriving right after a newer one', () => {
    const conv = new Conversation({ stepNs: 100_000n }).handshake();
    const first = conv.nxt.c;
    conv.nxt.c += 10;
    conv.data('c', 10); // 4: 11:21 (hole) -> previous segment not captured
    conv.raw('c', 'P.', first, conv.rcv.c, 10); // 5: 1:11 within the OOO threshold
    expect(flagsOf(conv).slice(3)).toEqual(['4:previous-segment-not-captured', '5:out-of-order']);
  });

  it('zero window, zero-window probe and its ACK, window update', () => {
    const conv = new Conversation().handshake().data('c', 100);
    conv.ack('s', 0); // 5: zero window
    const acked = conv.rcv.s;
    conv.raw('c', '.', conv.nxt.c, conv.rcv.c, 1); // 6: 1-byte probe at the next seq
    conv.raw('s', '.', conv.nxt.s, acked, 0, 0); // 7: probe ACK: the byte is not taken, window still zero
    conv.rcv.s = acked;
    conv.ack('s', 512); // 8: window update
    expect(flagsOf(conv).slice(4)).toEqual([
      '5:zero-window',
      '6:zero-window-probe',
      '7:zero-window,zero-window-probe-ack',
      '8:window-update',
    ]);
  });

  it('keep-alive and keep-alive ACK', () => {
    const conv = new Conversation().handshake().data('c', 5).ack('s');
    conv.raw('c', '.', conv.nxt.c - 1, conv.rcv.c); // 6: seq one below the next
    conv.ack('s'); // 7
    expect(flagsOf(conv).slice(5)).toEqual(['6:keep-alive', '7:keep-alive-ack']);
  });

  it('ACKed unseen segment', () => {
    const conv = new Conversation().handshake().data('c', 10);
    conv.raw('s', '.', conv.nxt.s, conv.nxt.c + 50); // acks 50 bytes never seen
    expect(flagsOf(conv)[4]).toBe('5:acked-unseen-segment');
  });

  it('window full: data reaching the right edge of the peer window', () => {
    const conv = new Conversation().handshake();
    conv.ack('s', 1); // window 1 << 7 = 128 bytes from ack 1
    conv.data('c', 128);
    expect(flagsOf(conv)[4]).toBe('5:window-full');
  });
});

describe('Zeek history rules', () => {
  it('records t and w logarithmically (1st, 10th, ...) and d/a once', () => {
    const conv = new Conversation().handshake().data('c', 10);
    const seq = conv.nxt.c - 10;
    for (let i = 0; i < 10; i++) conv.wait(300_000_000n).raw('c', 'P.', seq, conv.rcv.c, 10);
    for (let i = 0; i < 10; i++) conv.ack('s', 0);
    expect(analyzePackets(conv.packets).connections[0]!.history).toBe('ShADTTaww');
  });

  it('repeats F only for a FIN at a new sequence number; i and q once', () => {
    const conv = new Conversation().handshake().fin('c');
    conv.raw('c', 'F.', conv.nxt.c - 1, conv.rcv.c); // same FIN again: no new F
    conv.raw('c', 'FR', conv.nxt.c, 0); // FIN+RST: inconsistent
    conv.raw('s', 'SF.', 7, 0); // SYN+FIN: multi-flag
    expect(analyzePackets(conv.packets).connections[0]!.history).toBe('ShAFIq');
  });
});
