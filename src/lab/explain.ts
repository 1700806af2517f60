/**
 * @module lab/explain
 * Lab-only wording (English and Simplified Chinese): report headings, socket-table notes the shared
 * catalog does not have, and each scenario's conclusion and fix. Shared packet explanations come
 * from src/report/explain. Pure.
 */
import { fillTemplate, type Lang } from '../report/explain/index.js';

const TEXT = {
  'heading-expected': {
    en: 'Expected packets (C = client, S = server; relative sequence numbers)',
    zh: '预期报文（C = 客户端，S = 服务端；相对序列号）',
  },
  'heading-timeline': {
    en: 'Timeline: packets exactly as tcpdump -n prints them, with "#" notes; other lenses indented with the time since the first event',
    zh: '时间线：报文与 tcpdump -n 的输出完全相同，"#" 行为解释；其他观察以缩进显示，并标注距第一个事件的时间',
  },
  'heading-checks': { en: 'Expected observations', zh: '预期观察结果' },
  'heading-conclusion': { en: 'Conclusion', zh: '结论' },
  'heading-fix': { en: 'The fix', zh: '修复方法' },
  lenses: { en: 'lenses', zh: '观察视角' },
  'ev-side-server': { en: 'server', zh: '服务端' },
  'ev-side-client': { en: 'client', zh: '客户端' },
  'ev-in-state': { en: '{ms} ms in {state}', zh: '在 {state} 停留 {ms} ms' },
  'ev-reset-sent': { en: 'sent RST', zh: '发送 RST' },
  'ev-reset-received': { en: 'received RST', zh: '收到 RST' },
  'ev-reset-in': { en: 'in {state}', zh: '处于 {state}' },
  'ev-reason': { en: 'reason {reason}', zh: '原因 {reason}' },
  'ev-signal': {
    en: '{signame} ({sig}) generated for {who}: {result}',
    zh: '内核为 {who} 产生 {signame}（{sig}）：{result}',
  },
  'sendq-fin': {
    en: 'Send-Q 1 = the FIN, sent but not yet acknowledged',
    zh: 'Send-Q 1 = 已发送但尚未被确认的 FIN',
  },
  'orphan-owner': {
    en: "PID/Program '-': no process holds this socket any more; the application close()d it and the kernel finishes the close alone (an orphan)",
    zh: "PID/Program 为 '-'：已经没有进程持有这个套接字；应用已调用 close()，由内核独自完成关闭（孤儿套接字）",
  },
  'rows-gone': { en: 'the connection is gone from the socket table', zh: '该连接已从套接字表中消失' },
  'exit-signal': {
    en: '{who} ended by signal {signal} (shell status {status})',
    zh: '{who} 被信号 {signal} 终止（shell 退出状态 {status}）',
  },
  'exit-code': { en: '{who} exited with code {code}', zh: '{who} 以退出码 {code} 退出' },
  'all-held': { en: 'all {n} expected observations held', zh: '全部 {n} 项预期观察均已成立' },
  unchecked: {
    en: '{n} of them could not be checked: a lens was off (see the "!" lines above)',
    zh: '其中 {n} 项无法检查：某个观察视角未运行（见上方 "!" 行）',
  },
  'some-failed': {
    en: '{failed} of {n} expected observations did not hold',
    zh: '{n} 项预期观察中有 {failed} 项未成立',
  },
  fix: {
    en: 'Check the result of every send/recv. Treat EOF (read() returning 0, the stream\'s "end" event) as "the peer has closed: close your side". Treat EPIPE and ECONNRESET as the end of that connection. Decide on SIGPIPE deliberately (ignore it, or send with MSG_NOSIGNAL, and handle EPIPE) instead of dying, or catching it and looping on.',
    zh: '检查每次 send/recv 的返回值。把 EOF（read() 返回 0，流的 "end" 事件）视为"对端已关闭：关闭己方"。把 EPIPE 和 ECONNRESET 视为该连接的结束。有意识地处理 SIGPIPE（忽略它或使用 MSG_NOSIGNAL 发送，再处理 EPIPE），而不是被它杀死，或捕获后继续死循环。',
  },
  'conclusion-close-wait-client': {
    en: "The server replied and close()d: its socket went FIN_WAIT1 -> FIN_WAIT2 with no owner, and the client, which never reads, sat in CLOSE_WAIT with Recv-Q {recvQ} ({size} bytes + the FIN). Sending in CLOSE_WAIT is legal, so the client's next send left; the server's orphaned socket answered it with a RST. The client's socket went CLOSE with EPIPE pending: its next send failed with EPIPE and the kernel raised SIGPIPE.",
    zh: '服务端回复后调用 close()：它的套接字经历 FIN_WAIT1 -> FIN_WAIT2 且不再属于任何进程；从不读取的客户端停留在 CLOSE_WAIT，Recv-Q 为 {recvQ}（{size} 字节 + FIN）。CLOSE_WAIT 状态下发送是合法的，所以客户端的下一次发送照常发出；服务端的孤儿套接字用 RST 回应。客户端套接字进入 CLOSE 并挂起 EPIPE 错误：下一次发送返回 EPIPE，内核发出 SIGPIPE。',
  },
  'ending-dies': {
    en: "SIGPIPE's default action killed the process (exit status 141), exactly like the article's C client.",
    zh: 'SIGPIPE 的默认动作杀死了进程（退出状态 141），与原文的 C 客户端完全一致。',
  },
  'ending-trapped': {
    en: 'With SIGPIPE caught, the client lived on in its loop, sending into a dead socket every interval (each send: EPIPE + another SIGPIPE); it caught SIGINT too, so Ctrl+C only printed "caught signal 2". Only SIGKILL, which cannot be caught, ended it: the article\'s endless loop.',
    zh: '捕获 SIGPIPE 后，客户端在循环中继续存活，每个间隔都向已失效的套接字发送（每次都是 EPIPE 加一个新的 SIGPIPE）；它也捕获了 SIGINT，所以 Ctrl+C 只打印 "caught signal 2"。只有无法捕获的 SIGKILL 才能结束它：这就是原文中的死循环。',
  },
  'conclusion-close-wait-server': {
    en: "The client sent its message and left (close()): its socket went FIN_WAIT1 -> FIN_WAIT2 with no owner. The server read the EOF but ignored it and stayed in CLOSE_WAIT, writing on; the client's orphaned socket answered with a RST, the server's socket went CLOSE with EPIPE pending, and its next write raised SIGPIPE, which killed the server (exit status 141).",
    zh: '客户端发送报文后离开（close()）：它的套接字经历 FIN_WAIT1 -> FIN_WAIT2 且不再属于任何进程。服务端读到了 EOF 却忽略它，停留在 CLOSE_WAIT 继续写；客户端的孤儿套接字用 RST 回应，服务端套接字进入 CLOSE 并挂起 EPIPE，下一次写产生 SIGPIPE，杀死了服务端（退出状态 141）。',
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type LabTextKey = keyof typeof TEXT;

/**
 * A lab sentence with `{name}` parameters filled in.
 * @example labText('exit-signal', { who: 'lab-client', signal: 'SIGPIPE', status: 141 }, 'en')
 */
export function labText(
  key: LabTextKey,
  params: Readonly<Record<string, string | number>> = {},
  lang: Lang = 'en',
): string {
  return fillTemplate(TEXT[key][lang], params);
}

/** Whether `key` names a lab sentence. */
export function isLabTextKey(key: string): key is LabTextKey {
  return key in TEXT;
}
