/**
 * @module sockets/explain
 * Newcomer notes for socket-table rows (`tcpscope sockets --explain`), in English and Simplified
 * Chinese. All wording lives in `SOCKET_NOTES` (keyed, `{name}` placeholders, same parameters in
 * both languages) so the lab and reporters can reuse it. Pure.
 */
import { fillTemplate, type Lang } from '../report/explain/explain.js';
import type { SocketRow } from './types.js';

/** Socket-table explanations, keyed by a stable id. */
export const SOCKET_NOTES = {
  'listen-recvq': {
    en: 'LISTEN: Recv-Q {recvQ} = connections the kernel has completed that wait in the accept queue for accept(); when it reaches the backlog (ss shows it as Send-Q) new handshakes are dropped',
    zh: 'LISTEN：Recv-Q {recvQ} = 内核已完成握手、在全连接（accept）队列中等待 accept() 的连接数；达到 backlog（ss 把它显示为 Send-Q）后新的握手会被丢弃',
  },
  'recvq-unread': {
    en: 'Recv-Q {recvQ} = bytes the kernel received and acknowledged that the application has not read yet',
    zh: 'Recv-Q {recvQ} = 内核已收到并确认、但应用程序还没有读取的字节数',
  },
  'recvq-with-fin': {
    en: "Recv-Q {recvQ} = {unread} unread bytes + 1 for the peer's FIN (Recv-Q is rcv_nxt - copied_seq and the FIN takes one sequence number; it leaves when the application reads EOF)",
    zh: 'Recv-Q {recvQ} = {unread} 个未读字节 + 对端 FIN 的 1（Recv-Q 即 rcv_nxt - copied_seq，FIN 占一个序列号；应用读到 EOF 后它才消失）',
  },
  'sendq-unacked': {
    en: 'Send-Q {sendQ} = bytes sent (or queued) that the peer has not acknowledged yet',
    zh: 'Send-Q {sendQ} = 已发送（或排队待发）但对端尚未确认的字节数',
  },
  'sendq-fin': {
    en: 'Send-Q {sendQ} includes the FIN: {data} unacknowledged data bytes + 1 for the FIN, which also takes one sequence number',
    zh: 'Send-Q {sendQ} 包含 FIN：{data} 个未确认的数据字节 + FIN 的 1（FIN 同样占一个序列号）',
  },
  'close-wait': {
    en: 'CLOSE_WAIT: the peer closed its side (its FIN arrived), and this process has not called close() yet; it stays here until it does. Many of these mean the application ignores EOF',
    zh: 'CLOSE_WAIT：对端已关闭它的方向（FIN 已到达），而本进程还没有调用 close()；在它调用之前会一直停在这里。大量出现说明应用忽略了 EOF',
  },
  'close-wait-for': {
    en: 'in CLOSE_WAIT for {seconds} s',
    zh: '已处于 CLOSE_WAIT {seconds} 秒',
  },
  orphan: {
    en: "'-' owner: an orphaned socket; the application already closed it and the kernel finishes the close alone",
    zh: "属主为 '-'：孤儿套接字；应用已经关闭了它，由内核独自完成剩下的关闭过程",
  },
  'owner-unknown': {
    en: "'-' owner: no process we could read holds this socket (another PID namespace, or no permission)",
    zh: "属主为 '-'：没有找到持有该套接字的可读进程（位于其他 PID 命名空间，或没有权限）",
  },
  'time-wait': {
    en: 'TIME_WAIT belongs to the side that closed first; Linux keeps it 60 s ({seconds} s left) so late segments of this connection cannot confuse a new one',
    zh: 'TIME_WAIT 属于先关闭的一方；Linux 保持 60 秒（还剩 {seconds} 秒），以免这条连接迟到的报文干扰新连接',
  },
  'fin-wait2': {
    en: 'FIN_WAIT2: our FIN was acknowledged; waiting for the peer to close its side',
    zh: 'FIN_WAIT2：我方的 FIN 已被确认，正在等待对端关闭它的方向',
  },
  'syn-recv': {
    en: 'SYN_RECV: a handshake in progress (SYN received, SYN-ACK sent, waiting for the final ACK)',
    zh: 'SYN_RECV：握手进行中（已收到 SYN、已发送 SYN-ACK，正在等待最后的 ACK）',
  },
} as const satisfies Record<string, { readonly en: string; readonly zh: string }>;

export type SocketNoteKey = keyof typeof SOCKET_NOTES;

/** One rendered note. */
export interface SocketNote {
  readonly key: SocketNoteKey;
  readonly text: string;
}

/**
 * Renders one note in `lang`; a placeholder without a value stays visible as `{name}`.
 * @example socketNote('recvq-with-fin', { recvQ: 59, unread: 58 }, 'en')
 */
export function socketNote(
  key: SocketNoteKey,
  params: Readonly<Record<string, string | number>>,
  lang: Lang = 'en',
): string {
  return fillTemplate(SOCKET_NOTES[key][lang], params);
}

/** States in which the peer's FIN has arrived (so it sits in rcv_nxt). */
const PEER_CLOSED = new Set(['CLOSE_WAIT', 'LAST_ACK', 'CLOSING', 'TIME_WAIT']);
/** States in which our FIN has been queued (so it sits in write_seq). */
const WE_CLOSED = new Set(['FIN_WAIT1', 'CLOSING', 'LAST_ACK']);

/**
 * The notes that explain one row's surprising numbers. `secondsInState` (from watch mode) adds
 * "in CLOSE_WAIT for N s".
 * @example explainSocketRow(row, 'zh').map((n) => n.text)
 */
export function explainSocketRow(row: SocketRow, lang: Lang = 'en', secondsInState?: number): SocketNote[] {
  const notes: SocketNote[] = [];
  const add = (key: SocketNoteKey, params: Record<string, string | number> = {}): void => {
    notes.push({ key, text: socketNote(key, params, lang) });
  };
  if (row.state === 'LISTEN') {
    if (row.recvQ > 0) add('listen-recvq', { recvQ: row.recvQ });
  } else if (row.recvQ > 0 && PEER_CLOSED.has(row.state))
    add('recvq-with-fin', { recvQ: row.recvQ, unread: row.recvQ - 1 });
  else if (row.recvQ > 0) add('recvq-unread', { recvQ: row.recvQ });
  if (row.state !== 'LISTEN' && row.sendQ > 0) {
    if (WE_CLOSED.has(row.state)) add('sendq-fin', { sendQ: row.sendQ, data: row.sendQ - 1 });
    else add('sendq-unacked', { sendQ: row.sendQ });
  }
  if (row.state === 'CLOSE_WAIT') {
    add('close-wait');
    if (secondsInState !== undefined) add('close-wait-for', { seconds: Math.floor(secondsInState) });
  }
  if (row.state === 'FIN_WAIT2') add('fin-wait2');
  if (row.state === 'SYN_RECV') add('syn-recv');
  if (row.state === 'TIME_WAIT') add('time-wait', { seconds: Math.ceil(row.timer.expiresMs / 1000) });
  else if (row.pid === undefined && row.state !== 'SYN_RECV')
    add(row.inode === 0 ? 'orphan' : 'owner-unknown');
  return notes;
}
