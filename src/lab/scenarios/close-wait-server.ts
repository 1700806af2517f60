/**
 * @module lab/scenarios/close-wait-server
 * The companion article ("Linux TCP: CLOSE_WAIT makes the server process die").
 *
 * Shows: the client sends one message and leaves (close()). The server reads the message and the
 * EOF but ignores it and keeps writing from CLOSE_WAIT: the client's orphaned socket answers the
 * first write with a RST, the next write fails with EPIPE and SIGPIPE kills the server.
 * Assumes: Linux loopback; the server never checks for EOF; SIGPIPE at its default action.
 */
import type { Scenario } from '../scenario.js';
import { diedBy, FLAGS, packetShape, resetSent, rowSeen, sigpipeFor, statesReached } from './common.js';

export const closeWaitServer: Scenario = {
  name: 'close-wait-server',
  summary: {
    en: 'the client leaves, the server in CLOSE_WAIT keeps writing: RST, EPIPE, SIGPIPE kills the server',
    zh: '客户端离开后，处于 CLOSE_WAIT 的服务端继续写：RST、EPIPE，SIGPIPE 杀死服务端',
  },
  about: {
    en: "The client sends one message and closes. The server ignores the EOF and keeps writing from CLOSE_WAIT; the client's orphaned socket answers with a RST and the next write raises SIGPIPE, which kills the server.",
    zh: '客户端发送一条报文后关闭。服务端忽略 EOF，在 CLOSE_WAIT 状态继续写；客户端的孤儿套接字用 RST 回应，下一次写产生 SIGPIPE，杀死服务端。',
  },
  expectedPackets: [
    'C > S: Flags [S], seq 0',
    'S > C: Flags [S.], ack 1',
    'C > S: Flags [.], ack 1',
    'C > S: Flags [P.], seq 1:59, length 58',
    'C > S: Flags [F.], seq 59                (the client leaves)',
    'S > C: Flags [P.], seq 1:59, length 58   (server: CLOSE_WAIT, writes anyway)',
    'C > S: Flags [R], seq 60, win 0',
  ],
  server: { keepWriting: true },
  client: { once: true },
  ending: () => 'server-dies',
  expectations: () => [
    packetShape(
      'packets',
      {
        en: 'packets: handshake, data, client FIN, server data in CLOSE_WAIT, RST',
        zh: '报文：握手、数据、客户端 FIN、CLOSE_WAIT 中服务端的数据、RST',
      },
      (f) => [
        { toServer: true, flags: FLAGS.syn, label: 'C>S [S]' },
        { toServer: false, flags: FLAGS.synAck, label: 'S>C [S.]' },
        { toServer: true, flags: FLAGS.data, length: f.size, label: `C>S data length ${f.size}` },
        { toServer: true, flags: FLAGS.fin, label: 'C>S [F.]' },
        {
          toServer: false,
          flags: FLAGS.data,
          length: f.size,
          label: `S>C data in CLOSE_WAIT length ${f.size}`,
        },
        { toServer: true, flags: FLAGS.rst, label: 'C>S [R]' },
      ],
    ),
    statesReached(
      'server-states',
      {
        en: 'server socket: ESTABLISHED -> CLOSE_WAIT -> CLOSE',
        zh: '服务端套接字：ESTABLISHED -> CLOSE_WAIT -> CLOSE',
      },
      'server',
      ['ESTABLISHED->CLOSE_WAIT', 'CLOSE_WAIT->CLOSE'],
    ),
    statesReached(
      'client-states',
      {
        en: 'client socket: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2',
        zh: '客户端套接字：ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2',
      },
      'client',
      ['ESTABLISHED->FIN_WAIT1', 'FIN_WAIT1->FIN_WAIT2'],
    ),
    resetSent(
      'reset',
      { en: "the client's kernel resets the connection", zh: '客户端内核复位了连接' },
      'client',
    ),
    rowSeen(
      'close-wait',
      {
        en: 'socket table: the server socket in CLOSE_WAIT, owned by the server',
        zh: '套接字表：服务端套接字处于 CLOSE_WAIT，属于服务端进程',
      },
      'a server CLOSE_WAIT row',
      (r, f) => r.state === 'CLOSE_WAIT' && r.local.port === f.serverPort && r.pid === f.serverPid,
    ),
    rowSeen(
      'orphan',
      {
        en: "socket table: the client's closed socket in FIN_WAIT2 with owner '-'",
        zh: "套接字表：客户端已关闭的套接字处于 FIN_WAIT2，所有者为 '-'",
      },
      'an orphaned client socket',
      (r, f) =>
        r.local.port !== f.serverPort &&
        r.remote.port === f.serverPort &&
        r.state === 'FIN_WAIT2' &&
        r.pid === undefined,
    ),
    sigpipeFor(
      'sigpipe',
      { en: 'the kernel generates SIGPIPE for the server', zh: '内核向服务端产生 SIGPIPE' },
      'server',
    ),
    diedBy(
      'fate',
      {
        en: 'the server is killed by SIGPIPE (exit status 141)',
        zh: '服务端被 SIGPIPE 杀死（退出状态 141）',
      },
      'server',
      'SIGPIPE',
    ),
  ],
};
