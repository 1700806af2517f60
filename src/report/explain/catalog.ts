/**
 * @module report/explain/catalog
 * The one explanation catalog every reporter and the lab use (English and Simplified Chinese).
 * Each entry is a template; `{name}` marks a parameter filled in by `explain()`. Both languages of
 * one entry use the same parameter names (a test checks this). Keep wording short: one line,
 * the "why", in the voice of an engineer annotating a capture.
 */

/** One catalog entry: the same message in each language. */
export interface CatalogEntry {
  readonly en: string;
  readonly zh: string;
}

/** Every explanation, keyed by a stable id. Keys never change meaning; add new keys instead. */
export const CATALOG = {
  // --- the three-way handshake -------------------------------------------------------------
  'handshake-syn': {
    en: '{client} opens the connection: SYN, initial sequence number {isn}; a SYN takes one sequence number',
    zh: '{client} 发起连接：SYN，初始序列号 {isn}；SYN 占用一个序列号',
  },
  'handshake-synack': {
    en: '{server} accepts: SYN-ACK, ack {ack} = client ISN + 1 (the SYN took one sequence number)',
    zh: '{server} 接受连接：SYN-ACK，ack {ack} = 客户端 ISN + 1（SYN 占用了一个序列号）',
  },
  'handshake-ack': {
    en: 'handshake complete: both sides ESTABLISHED (handshake RTT {rttUs} µs)',
    zh: '三次握手完成：双方进入 ESTABLISHED（握手往返时间 {rttUs} µs）',
  },
  'options-negotiated': {
    en: 'negotiated: MSS {mss}, window scale {wscale}, SACK {sack}, timestamps {ts}',
    zh: '协商结果：MSS {mss}，窗口缩放 {wscale}，SACK {sack}，时间戳 {ts}',
  },
  // --- sequence arithmetic ----------------------------------------------------------------
  'seq-range': {
    en: 'seq {start}:{end} carries {length} bytes: {end} = {start} + {length}',
    zh: 'seq {start}:{end} 携带 {length} 字节：{end} = {start} + {length}',
  },
  'ack-next': {
    en: 'ack {ack} = peer seq {seq} + length {length}: everything before byte {ack} has arrived',
    zh: 'ack {ack} = 对端 seq {seq} + 长度 {length}：{ack} 之前的字节都已收到',
  },
  'fin-takes-one-seq': {
    en: 'ack {ack} = FIN seq {seq} + 1: the FIN takes one sequence number',
    zh: 'ack {ack} = FIN 的 seq {seq} + 1：FIN 占用一个序列号',
  },
  'delayed-ack': {
    en: 'this ACK came {delayMs} ms after the data it acknowledges: a delayed ACK (Linux waits up to ~40 ms to piggyback it)',
    zh: '这个 ACK 在数据到达 {delayMs} ms 之后才发出：延迟确认（Linux 最多等约 40 ms，希望捎带在数据上）',
  },
  // --- closing ----------------------------------------------------------------------------
  'fin-sent': {
    en: '{sender} closes its sending direction (FIN): {sender} {from} -> {to}',
    zh: '{sender} 关闭自己的发送方向（FIN）：{sender} {from} -> {to}',
  },
  'fin-received': {
    en: '{receiver} has received the FIN: {receiver} {from} -> {to}; it can still send',
    zh: '{receiver} 收到了 FIN：{receiver} {from} -> {to}；它仍然可以发送',
  },
  'send-in-close-wait': {
    en: "{sender} sends after receiving the FIN: legal, the FIN closed only the peer's direction ({sender} is in CLOSE_WAIT)",
    zh: '{sender} 在收到 FIN 之后仍在发送：这是合法的，FIN 只关闭了对端的方向（{sender} 处于 CLOSE_WAIT）',
  },
  'half-close': {
    en: '{endpoint} sent FIN but the peer keeps the connection half-open and may still send',
    zh: '{endpoint} 已发送 FIN，但对端保持半关闭状态，仍可发送数据',
  },
  'time-wait': {
    en: "{endpoint} ACKs the peer's FIN after its own FIN was ACKed: TIME_WAIT (Linux holds it 60 s)",
    zh: '{endpoint} 在自己的 FIN 被确认后确认了对端的 FIN：进入 TIME_WAIT（Linux 保持 60 秒）',
  },
  'recv-q-includes-fin': {
    en: 'Recv-Q {recvQ} = {unread} unread bytes + 1 for the FIN (Recv-Q is rcv_nxt - copied_seq)',
    zh: 'Recv-Q {recvQ} = {unread} 个未读字节 + FIN 的 1（Recv-Q 即 rcv_nxt - copied_seq）',
  },
  // --- resets -----------------------------------------------------------------------------
  'rst-peer-next-seq': {
    en: 'RST seq {seq} is exactly the next sequence number {receiver} expects, so {receiver} accepts it',
    zh: 'RST 的 seq {seq} 正好是 {receiver} 期待的下一个序列号，所以 {receiver} 接受了这个复位',
  },
  'rst-closed-socket': {
    en: "RST in reply to data: {sender}'s application had already closed the socket, so its kernel answers data with a reset",
    zh: '用 RST 回应数据：{sender} 的应用早已关闭了套接字，内核只能用复位来回应新数据',
  },
  'rst-refused': {
    en: 'RST to a SYN: nothing listens on port {port}, the connection is refused (ECONNREFUSED)',
    zh: '用 RST 回应 SYN：端口 {port} 上没有监听者，连接被拒绝（ECONNREFUSED）',
  },
  'rst-unread-data': {
    en: 'RST instead of FIN: {sender} received data it never answered and reset; most likely close() with unread data, which Linux turns into an abort (RFC 2525)',
    zh: '用 RST 代替 FIN：{sender} 收到数据后没有回应就复位了；最可能是接收队列里有未读数据时调用了 close()，Linux 会把它变成中止（RFC 2525）',
  },
  'rst-abort': {
    en: '{sender} aborts the connection with a RST (SO_LINGER 0 / socket.resetAndDestroy(), or close() with unread data)',
    zh: '{sender} 用 RST 中止连接（SO_LINGER 0 / socket.resetAndDestroy()，或接收队列有未读数据时 close()）',
  },
  'orphan-time-wait': {
    en: '{endpoint} was already a time-wait mini-socket since packet {packet}: its application had closed it, so it answers data with a reset',
    zh: '{endpoint} 从第 {packet} 个包起已是 time-wait 迷你套接字：应用早已关闭它，所以它用复位回应数据',
  },
  'rst-received': {
    en: '{receiver} accepts the RST: {receiver} {from} -> CLOSE; its next send/recv fails (EPIPE / ECONNRESET)',
    zh: '{receiver} 接受了 RST：{receiver} {from} -> CLOSE；之后的 send/recv 会失败（EPIPE / ECONNRESET）',
  },
  'data-after-rst': {
    en: '{sender} sends data after the connection was reset; the peer has no such connection any more',
    zh: '{sender} 在连接被复位之后还在发送数据；对端已经没有这个连接了',
  },
  'epipe-sigpipe': {
    en: 'the next send fails with EPIPE and the kernel sends SIGPIPE (signal 13); by default it kills the process',
    zh: '下一次 send 返回 EPIPE，内核发送 SIGPIPE（信号 13）；默认动作是杀死进程',
  },
  'close-wait-lesson': {
    en: 'check every send/recv result; EOF means the peer closed: close your side; EPIPE/ECONNRESET are fatal for the connection',
    zh: '检查每次 send/recv 的返回值；读到 EOF 表示对端已关闭，应关闭己方；EPIPE/ECONNRESET 对该连接是致命的',
  },
  // --- state ------------------------------------------------------------------------------
  'state-transition': {
    en: '{endpoint}: {from} -> {to}',
    zh: '{endpoint} 状态变化：{from} -> {to}',
  },
  // --- Wireshark-named analysis flags -----------------------------------------------------
  retransmission: {
    en: 'TCP Retransmission: this data (seq {seq}) was sent before',
    zh: 'TCP 重传：这段数据（seq {seq}）之前已发送过',
  },
  'fast-retransmission': {
    en: 'TCP Fast Retransmission: resent after {dupAcks} duplicate ACKs asked for seq {seq}',
    zh: 'TCP 快速重传：收到 {dupAcks} 个重复 ACK 请求 seq {seq} 后立即重传',
  },
  'spurious-retransmission': {
    en: 'TCP Spurious Retransmission: the receiver had already acknowledged this data',
    zh: 'TCP 虚假重传：接收方早已确认过这段数据',
  },
  'out-of-order': {
    en: 'TCP Out-Of-Order: this segment arrived after a later one',
    zh: 'TCP 乱序：这个报文段在后面的报文段之后才到达',
  },
  'previous-segment-not-captured': {
    en: 'TCP Previous segment not captured: {missing} bytes before seq {seq} were not seen (lost, or missed by the capture)',
    zh: 'TCP 前一个报文段未捕获：seq {seq} 之前有 {missing} 字节没有看到（丢失，或抓包漏掉）',
  },
  'acked-unseen-segment': {
    en: 'TCP ACKed unseen segment: ack {ack} covers data this capture never saw',
    zh: 'TCP 确认了未见的报文段：ack {ack} 确认了抓包中从未出现的数据',
  },
  'duplicate-ack': {
    en: 'TCP Dup ACK #{n} (of packet {frame}): the receiver still waits for seq {ack}',
    zh: 'TCP 重复 ACK 第 {n} 个（原 ACK 为第 {frame} 个包）：接收方仍在等待 seq {ack}',
  },
  'zero-window': {
    en: "TCP ZeroWindow: {sender}'s receive buffer is full (its application is not reading); the peer must stop sending",
    zh: 'TCP 零窗口：{sender} 的接收缓冲区已满（应用没有读取），对端必须停止发送',
  },
  'zero-window-probe': {
    en: 'TCP ZeroWindowProbe: one byte sent to ask whether the window has opened',
    zh: 'TCP 零窗口探测：发送一个字节询问窗口是否已打开',
  },
  'zero-window-probe-ack': {
    en: 'TCP ZeroWindowProbeAck: the window is still zero',
    zh: 'TCP 零窗口探测确认：窗口仍然为零',
  },
  'window-full': {
    en: "TCP Window Full: this segment fills the receiver's advertised window; the sender must wait for an ACK",
    zh: 'TCP 窗口已满：这个报文段用完了接收方通告的窗口，发送方必须等待 ACK',
  },
  'window-update': {
    en: 'TCP Window Update: window now {window} bytes, nothing else changed',
    zh: 'TCP 窗口更新：窗口变为 {window} 字节，其它不变',
  },
  'keep-alive': {
    en: 'TCP Keep-Alive: seq one below the next expected, to check that the peer is still there',
    zh: 'TCP 保活：seq 比期待值小一，用来确认对端是否还在',
  },
  'keep-alive-ack': {
    en: 'TCP Keep-Alive ACK: the peer is alive',
    zh: 'TCP 保活确认：对端仍然存活',
  },
  'reused-ports': {
    en: 'TCP Port numbers reused: a new connection (new ISN) on the same four-tuple as an earlier one',
    zh: 'TCP 端口复用：同一四元组上的新连接（新的初始序列号）',
  },
  // --- Zeek conn_state verdicts -----------------------------------------------------------
  'conn-S0': { en: 'S0: connection attempt seen, no reply', zh: 'S0：只看到连接请求，没有回应' },
  'conn-S1': { en: 'S1: established, not terminated', zh: 'S1：已建立，未终止' },
  'conn-SF': { en: 'SF: normal establishment and termination', zh: 'SF：正常建立并正常终止' },
  'conn-REJ': { en: 'REJ: connection attempt rejected', zh: 'REJ：连接请求被拒绝' },
  'conn-S2': {
    en: 'S2: established, originator closed, no reply from the responder',
    zh: 'S2：已建立，发起方已关闭，响应方未回应',
  },
  'conn-S3': {
    en: 'S3: established, responder closed, no reply from the originator',
    zh: 'S3：已建立，响应方已关闭，发起方未回应',
  },
  'conn-RSTO': {
    en: 'RSTO: established, the originator aborted (RST)',
    zh: 'RSTO：已建立，发起方中止（RST）',
  },
  'conn-RSTR': { en: 'RSTR: the responder sent a RST', zh: 'RSTR：响应方发送了 RST' },
  'conn-RSTOS0': {
    en: 'RSTOS0: originator sent SYN then RST, no SYN-ACK seen',
    zh: 'RSTOS0：发起方发送 SYN 后又发送 RST，未看到 SYN-ACK',
  },
  'conn-RSTRH': {
    en: 'RSTRH: responder sent SYN-ACK then RST, no SYN seen',
    zh: 'RSTRH：响应方发送 SYN-ACK 后又发送 RST，未看到 SYN',
  },
  'conn-SH': {
    en: 'SH: originator sent SYN then FIN, no SYN-ACK seen (half open)',
    zh: 'SH：发起方发送 SYN 后又发送 FIN，未看到 SYN-ACK（半开）',
  },
  'conn-SHR': {
    en: 'SHR: responder sent SYN-ACK then FIN, no SYN seen',
    zh: 'SHR：响应方发送 SYN-ACK 后又发送 FIN，未看到 SYN',
  },
  'conn-OTH': { en: 'OTH: no SYN seen, midstream traffic', zh: 'OTH：未看到 SYN，只有中途流量' },
  // --- how a connection ended ------------------------------------------------------------
  'end-fin-both': { en: 'closed normally: FIN in both directions', zh: '正常关闭：双向都有 FIN' },
  'end-half-closed': {
    en: 'half-closed: only {closer} sent FIN',
    zh: '半关闭：只有 {closer} 发送了 FIN',
  },
  'end-reset': { en: 'reset by {closer}', zh: '被 {closer} 复位' },
  'end-open': { en: 'still open at the end of the capture', zh: '抓包结束时仍然打开' },
  'end-refused': { en: 'refused by {closer}', zh: '被 {closer} 拒绝' },
  'end-no-reply': { en: 'no reply to the SYN', zh: 'SYN 没有得到回应' },
  // --- the --summary table's closing lines ---------------------------------------------------
  'summary-verdict': { en: '{state}; {ending}', zh: '{state}；{ending}' },
  'summary-verdict-evicted': {
    en: '{state}; {ending} (evicted: table full)',
    zh: '{state}；{ending}（流表已满，被淘汰）',
  },
  'summary-more-verdicts': {
    en: '... and {count} more connections worth a look (see --json)',
    zh: '……另有 {count} 个值得一看的连接（见 --json）',
  },
  'summary-totals': {
    en: '{connections} connections, {tcpPackets} TCP packets ({skipped} other), evicted {evictedClosed} closed + {evictedOpen} open',
    zh: '{connections} 个连接，{tcpPackets} 个 TCP 包（其他包 {skipped} 个），因流表已满淘汰 {evictedClosed} 个已关闭、{evictedOpen} 个未关闭的连接',
  },
} as const satisfies Record<string, CatalogEntry>;

/** A key of the explanation catalog. */
export type ExplainKey = keyof typeof CATALOG;
