/**
 * @module trace/explain
 * The kernel lens's explanations (English and Simplified Chinese), in one keyed catalog that the
 * `watch` command and the lab share: the meaning of each state transition, a plain-language gloss
 * for every reset reason the kernel's `tcp_send_reset` format lists, signal results, process
 * exits, and the tracer's own notices. `{name}` placeholders; both languages use the same names.
 * Pure.
 */
import type { TcpState } from '../events.js';
import { fillTemplate, type Lang } from '../report/explain/explain.js';

type Entry = { readonly en: string; readonly zh: string };

/** Every kernel-lens explanation, keyed by a stable id. */
export const TRACE_NOTES = {
  'state-LISTEN': {
    en: 'listening: accept() can now take connections',
    zh: '监听中：accept() 现在可以接受连接',
  },
  'state-SYN_SENT': {
    en: 'connect() sent a SYN; waiting for SYN-ACK',
    zh: 'connect() 已发出 SYN，等待 SYN-ACK',
  },
  'state-SYN_RECV': {
    en: 'a SYN arrived on the listener; SYN-ACK sent, waiting for the final ACK',
    zh: '监听套接字收到 SYN；已回 SYN-ACK，等待最后的 ACK',
  },
  'state-ESTABLISHED': {
    en: 'handshake complete: data can flow both ways',
    zh: '握手完成：双方可以互相发送数据',
  },
  'state-FIN_WAIT1': {
    en: 'this side called close()/shutdown(): FIN sent',
    zh: '本端调用了 close()/shutdown()：已发出 FIN',
  },
  'state-FIN_WAIT2': {
    en: 'our FIN was acknowledged; waiting for the peer to close its side',
    zh: '我方 FIN 已被确认；等待对端关闭它的方向',
  },
  'state-CLOSE_WAIT': {
    en: 'the peer sent FIN; this process has not closed yet',
    zh: '对端发来了 FIN；本进程还没有关闭套接字',
  },
  'state-LAST_ACK': {
    en: 'this process closed after the peer did: FIN sent, waiting for its ACK',
    zh: '本进程在对端之后关闭：已发出 FIN，等待对端确认',
  },
  'state-CLOSING': {
    en: 'both sides sent FIN at once; waiting for the ACK of ours',
    zh: '双方同时发出 FIN；等待对我方 FIN 的确认',
  },
  'state-TIME_WAIT': {
    en: 'closed first: the 4-tuple is held (60 s) so late segments cannot hit a new connection',
    zh: '先关闭的一方：四元组被保留（60 秒），以免迟到的报文落到新连接上',
  },
  'state-NEW_SYN_RECV': { en: 'a request socket for an incoming SYN', zh: '为收到的 SYN 建立的请求套接字' },
  'state-BOUND_INACTIVE': { en: 'bound but not listening or connected', zh: '已绑定但未监听或连接' },
  'close-normal': {
    en: 'the peer acknowledged our FIN: fully closed',
    zh: '对端确认了我方 FIN：连接完全关闭',
  },
  'close-listener': { en: 'the listening socket was closed', zh: '监听套接字已关闭' },
  'close-connect-failed': {
    en: 'the connection attempt failed (refused or timed out)',
    zh: '连接失败（被拒绝或超时）',
  },
  'close-abort': { en: 'aborted: a reset was received or sent', zh: '连接被中止：收到或发出了 RST' },
  'close-other': { en: 'the socket is closed', zh: '套接字已关闭' },
  'time-wait-synthesized': {
    en: 'synthesized: the tracepoint showed FIN_WAIT2 -> CLOSE; the full socket was freed and a time-wait mini-socket took over the 4-tuple (tracepoints never report it; /proc/net/tcp still lists it)',
    zh: '合成事件：跟踪点显示 FIN_WAIT2 -> CLOSE；完整套接字已释放，由 time-wait 迷你套接字接管四元组（跟踪点从不报告它；/proc/net/tcp 仍会列出）',
  },
  'time-wait-reset': {
    en: 'synthesized: the time-wait mini-socket answered with a reset and was removed',
    zh: '合成事件：time-wait 迷你套接字回复了 RST 并被删除',
  },
  'time-wait-expired': {
    en: 'synthesized: the {seconds} s TIME_WAIT timer expired (not traced; assumed)',
    zh: '合成事件：{seconds} 秒的 TIME_WAIT 定时器到期（未被跟踪，推断）',
  },
  'reset-sent': { en: 'this kernel sent a reset', zh: '本机内核发出了 RST' },
  'reset-received': {
    en: 'a reset arrived: the next send/recv on this socket fails (EPIPE / ECONNRESET)',
    zh: '收到 RST：此后对该套接字的 send/recv 会失败（EPIPE / ECONNRESET）',
  },
  'reason-NOT_SPECIFIED': { en: 'no reason recorded', zh: '未记录原因' },
  'reason-NO_SOCKET': {
    en: 'no socket matches this segment (nothing listens, or it is gone)',
    zh: '没有匹配该报文的套接字（无人监听或已消失）',
  },
  'reason-TCP_INVALID_ACK_SEQUENCE': {
    en: 'the ACK number is outside what was sent',
    zh: 'ACK 号超出了已发送的范围',
  },
  'reason-TCP_RFC7323_PAWS': {
    en: 'the timestamp is too old (PAWS, RFC 7323)',
    zh: '时间戳过旧（PAWS，RFC 7323）',
  },
  'reason-TCP_TOO_OLD_ACK': {
    en: 'the ACK acknowledges data from too long ago',
    zh: 'ACK 确认的是太久以前的数据',
  },
  'reason-TCP_ACK_UNSENT_DATA': {
    en: 'the ACK acknowledges data never sent',
    zh: 'ACK 确认了从未发送的数据',
  },
  'reason-TCP_FLAGS': { en: 'a segment with unexpected flags', zh: '报文标志位不符合当前状态' },
  'reason-TCP_OLD_ACK': { en: 'an old ACK in SYN_RECV', zh: 'SYN_RECV 状态收到旧的 ACK' },
  'reason-TCP_ABORT_ON_DATA': {
    en: 'data arrived after this application closed the socket',
    zh: '应用已关闭套接字后又收到了数据',
  },
  'reason-TCP_TIMEWAIT_SOCKET': {
    en: 'a time-wait socket got new data: the application here had already closed',
    zh: 'time-wait 套接字收到了新数据：本端应用早已关闭',
  },
  'reason-INVALID_SYN': { en: 'an invalid SYN on an existing connection', zh: '已有连接上收到非法 SYN' },
  'reason-TCP_ABORT_ON_CLOSE': {
    en: 'closed with unread data in the receive queue, so the kernel aborts instead of FIN',
    zh: '关闭时接收队列中还有未读数据，内核以 RST 中止而不是发 FIN',
  },
  'reason-TCP_ABORT_ON_LINGER': {
    en: 'SO_LINGER with timeout 0, or FIN_WAIT2 linger expired',
    zh: 'SO_LINGER 超时为 0，或 FIN_WAIT2 逗留超时',
  },
  'reason-TCP_ABORT_ON_MEMORY': {
    en: 'out of memory or too many orphaned sockets',
    zh: '内存不足或孤儿套接字过多',
  },
  'reason-TCP_STATE': { en: 'disconnect/abort of a socket in this state', zh: '在该状态下断开/中止套接字' },
  'reason-TCP_KEEPALIVE_TIMEOUT': { en: 'keepalive probes went unanswered', zh: 'keepalive 探测无应答' },
  'reason-TCP_DISCONNECT_WITH_DATA': {
    en: 'disconnected with unsent or unread data',
    zh: '断开时仍有未发送或未读取的数据',
  },
  'reason-ERROR': { en: 'an internal error', zh: '内部错误' },
  'reason-MPTCP': { en: 'an MPTCP subflow reset ({reason})', zh: 'MPTCP 子流被重置（{reason}）' },
  'reason-unknown': {
    en: 'a reason this catalog does not know: {reason}',
    zh: '本目录未收录的原因：{reason}',
  },
  'signal-delivered': { en: 'delivered', zh: '已投递' },
  'signal-ignored': { en: 'ignored (the process ignores it)', zh: '被忽略（进程忽略了该信号）' },
  'signal-already-pending': { en: 'already pending', zh: '已在等待投递' },
  'signal-overflow': { en: 'queue overflow', zh: '信号队列溢出' },
  'signal-lose-info': { en: 'delivered without its info', zh: '已投递但丢失了附加信息' },
  'signal-unknown': { en: 'result unknown', zh: '结果未知' },
  sigpipe: {
    en: 'a write to a socket the peer reset: EPIPE, and SIGPIPE (default action: terminate)',
    zh: '向已被对端重置的套接字写入：EPIPE，并产生 SIGPIPE（默认动作：终止进程）',
  },
  'exit-signal': { en: 'killed by {signal}', zh: '被 {signal} 杀死' },
  'exit-code': { en: 'exited with status {code}', zh: '以状态码 {code} 退出' },
  'exit-unknown': { en: 'exited', zh: '已退出' },
  'no-tracefs': {
    en: 'kernel tracing unavailable ({reason}): falling back to sampling the socket table every {intervalMs} ms; short states can be missed',
    zh: '无法使用内核跟踪（{reason}）：改为每 {intervalMs} 毫秒采样一次套接字表；短暂的状态可能被漏掉',
  },
  sampled: { en: 'sampled (socket table poll), not traced', zh: '采样所得（轮询套接字表），并非跟踪' },
  'lost-events': {
    en: '{lost} events were lost (ring buffer overrun): this timeline is incomplete; use a larger --buffer-kb',
    zh: '丢失了 {lost} 个事件（环形缓冲区溢出）：时间线不完整；请用更大的 --buffer-kb',
  },
  'no-loss': { en: 'no events lost', zh: '没有丢失事件' },
  'line-rst-sent': { en: 'RST sent', zh: '发出 RST' },
  'line-rst-received': { en: 'RST received', zh: '收到 RST' },
  'line-in-state': { en: 'in {state}', zh: '（状态 {state}）' },
  'line-reason': { en: 'reason {reason}', zh: '原因 {reason}' },
  'line-signal': { en: '{signal} generated for {pid}/{comm}', zh: '为 {pid}/{comm} 产生了 {signal}' },
  'line-process': { en: 'process {pid}/{comm}', zh: '进程 {pid}/{comm}' },
  'line-on-cpu': { en: '(on-CPU, not owner)', zh: '（只是当时在 CPU 上的任务，并非属主）' },
  'line-retransmit': { en: 'retransmit', zh: '重传' },
} as const satisfies Record<string, Entry>;

export type TraceNoteKey = keyof typeof TRACE_NOTES;

/**
 * Renders one note, filling `{name}` placeholders.
 * @example traceNote('exit-signal', { signal: 'SIGPIPE' }) // 'killed by SIGPIPE'
 */
export function traceNote(
  key: TraceNoteKey,
  params: Readonly<Record<string, string | number>> = {},
  lang: Lang = 'en',
): string {
  return fillTemplate(TRACE_NOTES[key][lang], params);
}

/**
 * The short meaning of a transition into `newState` (from `oldState`).
 * @example stateMeaning('ESTABLISHED', 'CLOSE_WAIT') // 'the peer sent FIN; this process has not closed yet'
 */
export function stateMeaning(oldState: TcpState, newState: TcpState, lang: Lang = 'en'): string {
  if (newState === 'CLOSE') {
    const key: TraceNoteKey =
      oldState === 'LAST_ACK' || oldState === 'CLOSING' || oldState === 'TIME_WAIT'
        ? 'close-normal'
        : oldState === 'LISTEN'
          ? 'close-listener'
          : oldState === 'SYN_SENT'
            ? 'close-connect-failed'
            : oldState === 'ESTABLISHED' ||
                oldState === 'CLOSE_WAIT' ||
                oldState === 'FIN_WAIT1' ||
                oldState === 'FIN_WAIT2'
              ? 'close-abort'
              : 'close-other';
    return traceNote(key, {}, lang);
  }
  const key = `state-${newState}`;
  return key in TRACE_NOTES ? traceNote(key as TraceNoteKey, {}, lang) : newState;
}

/**
 * Plain-language gloss of a kernel reset reason (`enum sk_rst_reason`).
 * @example resetReasonGloss('TCP_TIMEWAIT_SOCKET') // 'a time-wait socket got new data: …'
 */
export function resetReasonGloss(reason: string, lang: Lang = 'en'): string {
  const key = `reason-${reason}`;
  if (key in TRACE_NOTES) return traceNote(key as TraceNoteKey, {}, lang);
  if (reason.startsWith('MPTCP_')) return traceNote('reason-MPTCP', { reason }, lang);
  return traceNote('reason-unknown', { reason }, lang);
}
