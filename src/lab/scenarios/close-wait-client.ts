/**
 * @module lab/scenarios/close-wait-client
 * The seed experiment ("Linux TCP client enters an endless loop after CLOSE_WAIT").
 *
 * Shows: the server replies and close()s; the client never reads and keeps sending. Its first send
 * after the FIN is legal (CLOSE_WAIT), the server's orphaned socket answers it with a RST, and the
 * next send fails with EPIPE + SIGPIPE: by default the client dies (signal 13, status 141); with
 * --trap-signals it loops forever in a dead loop, ignores Ctrl+C, and only SIGKILL ends it.
 * Assumes: Linux loopback, both peers on one host, the client sends every interval and never reads.
 */
import type { Expectation, Scenario } from '../scenario.js';
import { exitOf, peerSaid, sendsOf } from '../scenario.js';
import { diedBy, FLAGS, packetShape, resetSent, rowSeen, sigpipeFor, statesReached } from './common.js';

export const closeWaitClient: Scenario = {
  name: 'close-wait-client',
  summary: {
    en: 'the server closes, the client in CLOSE_WAIT keeps sending: RST, EPIPE, SIGPIPE (or an endless loop with --trap-signals)',
    zh: '服务端关闭后，处于 CLOSE_WAIT 的客户端继续发送：RST、EPIPE、SIGPIPE（--trap-signals 时进入死循环）',
  },
  about: {
    en: "The server replies to the first message and close()s; the client never reads and sends every interval. Sending in CLOSE_WAIT is legal, but the server's orphaned socket answers with a RST, and the next send fails with EPIPE and SIGPIPE.",
    zh: '服务端回复第一条报文后调用 close()；客户端从不读取，每隔一段时间发送一次。CLOSE_WAIT 状态下发送是合法的，但服务端的孤儿套接字用 RST 回应，下一次发送返回 EPIPE 并产生 SIGPIPE。',
  },
  expectedPackets: [
    'C > S: Flags [S], seq 0',
    'S > C: Flags [S.], ack 1',
    'C > S: Flags [.], ack 1',
    'C > S: Flags [P.], seq 1:59, length 58',
    'S > C: Flags [.], ack 59',
    'S > C: Flags [P.], seq 1:59, ack 59, length 58',
    'C > S: Flags [.], ack 59',
    'S > C: Flags [F.], seq 59, ack 59',
    'C > S: Flags [.], ack 60            (client: CLOSE_WAIT; server: FIN_WAIT2)',
    'C > S: Flags [P.], seq 59:117, ack 60, length 58   (one interval later)',
    'S > C: Flags [R], seq 60, win 0',
  ],
  server: { keepWriting: false },
  client: { once: false },
  ending: (trap) => (trap ? 'client-trapped' : 'client-dies'),
  expectations(trap) {
    const common: Expectation[] = [
      packetShape(
        'packets',
        {
          en: 'packets: handshake, data, reply, server FIN, client ACK, data in CLOSE_WAIT, RST',
          zh: '报文：握手、数据、应答、服务端 FIN、客户端 ACK、CLOSE_WAIT 中的数据、RST',
        },
        (f) => [
          { toServer: true, flags: FLAGS.syn, label: 'C>S [S]' },
          { toServer: false, flags: FLAGS.synAck, label: 'S>C [S.]' },
          { toServer: true, flags: FLAGS.data, length: f.size, label: `C>S data length ${f.size}` },
          { toServer: false, flags: FLAGS.data, length: f.size, label: `S>C reply length ${f.size}` },
          { toServer: false, flags: FLAGS.fin, label: 'S>C [F.]' },
          { toServer: true, flags: FLAGS.pureAck, length: 0, label: 'C>S [.] (ACK of the FIN)' },
          {
            toServer: true,
            flags: FLAGS.data,
            length: f.size,
            label: `C>S data in CLOSE_WAIT length ${f.size}`,
          },
          { toServer: false, flags: FLAGS.rst, label: 'S>C [R]' },
        ],
      ),
      statesReached(
        'server-states',
        {
          en: 'server socket: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2',
          zh: '服务端套接字：ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2',
        },
        'server',
        ['ESTABLISHED->FIN_WAIT1', 'FIN_WAIT1->FIN_WAIT2'],
      ),
      statesReached(
        'client-states',
        {
          en: 'client socket: ESTABLISHED -> CLOSE_WAIT -> CLOSE',
          zh: '客户端套接字：ESTABLISHED -> CLOSE_WAIT -> CLOSE',
        },
        'client',
        ['ESTABLISHED->CLOSE_WAIT', 'CLOSE_WAIT->CLOSE'],
      ),
      resetSent(
        'reset',
        { en: "the server's kernel resets the connection", zh: '服务端内核复位了连接' },
        'server',
      ),
      rowSeen(
        'recv-q',
        {
          en: 'socket table: client in CLOSE_WAIT with Recv-Q = size + 1 (the FIN)',
          zh: '套接字表：客户端 CLOSE_WAIT，Recv-Q = 字节数 + 1（FIN）',
        },
        'client CLOSE_WAIT with Recv-Q size+1',
        (r, f) =>
          r.state === 'CLOSE_WAIT' &&
          r.local.port !== f.serverPort &&
          r.recvQ === f.size + 1 &&
          r.pid === f.clientPid,
      ),
      rowSeen(
        'orphan',
        {
          en: "socket table: the server's closed socket in FIN_WAIT1/FIN_WAIT2 with owner '-'",
          zh: "套接字表：服务端已关闭的套接字处于 FIN_WAIT1/FIN_WAIT2，所有者为 '-'",
        },
        'an orphaned server socket',
        (r, f) =>
          r.local.port === f.serverPort &&
          (r.state === 'FIN_WAIT1' || r.state === 'FIN_WAIT2') &&
          r.pid === undefined,
      ),
      {
        id: 'sends',
        text: {
          en: 'client sends: ok before and after the FIN, then one fails with EPIPE',
          zh: '客户端发送：FIN 前后都成功，然后一次发送返回 EPIPE',
        },
        check(events, f) {
          const s = sendsOf(events, 'client');
          const firstFail = s.findIndex((x) => x.result !== 'ok');
          const oks = firstFail < 0 ? s.length : firstFail;
          // A send killed by SIGPIPE never logs its result: the kernel lens saw its write(2).
          const logged = s.some((x) => x.result === 'EPIPE');
          const traced = events.some(
            (e) => e.kind === 'syscall' && e.pid === f.clientPid && e.errno === 'EPIPE',
          );
          // Without the kernel lens: a client that died by SIGPIPE died in a write that failed with EPIPE.
          const died = exitOf(events, f.clientPid);
          const killed = !f.lenses.kernel && died?.kind === 'process' && died.signal === 'SIGPIPE';
          const text = s.map((x) => `#${x.n} ${x.result}`).join(', ');
          return {
            id: 'sends',
            held: oks >= 2 && (logged || traced || killed),
            detail: `${text || 'no sends logged'}${traced ? '; kernel: write() = EPIPE' : ''}${killed ? '; the next send died by SIGPIPE' : ''}`,
          };
        },
      },
      sigpipeFor(
        'sigpipe',
        { en: 'the kernel generates SIGPIPE for the client', zh: '内核向客户端产生 SIGPIPE' },
        'client',
      ),
    ];
    if (!trap)
      return [
        ...common,
        diedBy(
          'fate',
          {
            en: 'the client is killed by SIGPIPE (exit status 141)',
            zh: '客户端被 SIGPIPE 杀死（退出状态 141）',
          },
          'client',
          'SIGPIPE',
        ),
      ];
    return [
      ...common,
      {
        id: 'dead-loop',
        text: {
          en: 'the client catches SIGPIPE and keeps looping: several failing sends',
          zh: '客户端捕获 SIGPIPE 并继续循环：多次发送失败',
        },
        check(events) {
          const failed = sendsOf(events, 'client').filter((x) => x.result !== 'ok').length;
          const caught = peerSaid(events, 'client', 'caught signal 13');
          return {
            id: 'dead-loop',
            held: caught && failed >= 2,
            detail: `caught SIGPIPE: ${caught}; failing sends: ${failed}`,
          };
        },
      },
      {
        id: 'sigint-ignored',
        text: {
          en: 'the SIGINT the lab sends is caught and ignored (Ctrl+C does not stop it)',
          zh: '实验发送的 SIGINT 被捕获并忽略（Ctrl+C 无法终止）',
        },
        check(events) {
          const caught = peerSaid(events, 'client', 'caught signal 2');
          return {
            id: 'sigint-ignored',
            held: caught,
            detail: caught ? 'caught signal 2' : 'no "caught signal 2"',
          };
        },
      },
      diedBy(
        'fate',
        { en: 'only SIGKILL ends the client', zh: '只有 SIGKILL 能结束客户端' },
        'client',
        'SIGKILL',
      ),
    ];
  },
};
