/**
 * @module lab/server
 * The lab's server peer (`tcpscope lab server`), the article's `linux_epoll_server_2` in Node
 * (Node's event loop is epoll): listens, prints each received message (peer, byte count, text),
 * sends a reply, then `close()`s the connection. With `keepWriting` (the companion article,
 * scenario close-wait-server) it never closes: it ignores the client's EOF and keeps sending every
 * interval, so it sits in CLOSE_WAIT until the reset and the SIGPIPE.
 */
import net from 'node:net';
import { openMarker, rawSend, restoreDefaultSigpipe, socketFd, watchParent } from './peer-io.js';

export interface LabServerOptions {
  readonly port: number;
  readonly host: string;
  /** Reply size in bytes (default 58, the article's). */
  readonly replySize: number;
  /** Never close: send a message every `intervalMs` (close-wait-server). */
  readonly keepWriting: boolean;
  readonly intervalMs: number;
  /** Catch SIGPIPE and SIGINT (print `caught signal N`) instead of dying. */
  readonly trapSignals: boolean;
  /** Bound on sends per connection in keep-writing mode. */
  readonly maxSends: number;
  /** Where lines go (stdout in the CLI). */
  readonly log: (line: string) => void;
}

/** `HH:MM:SS.mmm` of now, for peer log lines. */
export function clockText(now = new Date()): string {
  return now.toISOString().slice(11, 23);
}

/**
 * A message of exactly `size` printable bytes: `<role> message #N ` padded with dots.
 * @example labMessage('client', 1, 58).length === 58
 */
export function labMessage(role: string, n: number, size: number): Buffer {
  const head = `${role} message #${n} `;
  return Buffer.from((head + '.'.repeat(Math.max(0, size))).slice(0, size), 'latin1');
}

/**
 * Runs the server until the process is killed. Resolves with the bound port once listening.
 * @example const port = await runLabServer({ port: 0, host: '127.0.0.1', replySize: 58, ... });
 */
export function runLabServer(o: LabServerOptions): Promise<number> {
  process.title = 'lab-server';
  const marker = openMarker();
  watchParent();
  const say = (text: string): void => {
    o.log(`${clockText()} server: ${text}`);
    marker.write(`tcpscope-lab server ${text}`);
  };
  if (o.trapSignals) {
    process.on('SIGPIPE', () => say('caught signal 13'));
    process.on('SIGINT', () => say('caught signal 2'));
  } else {
    restoreDefaultSigpipe();
  }
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    say(`accepted ${peer}`);
    sock.on('error', (e: NodeJS.ErrnoException) => say(`error ${e.code ?? e.message} from ${peer}`));
    let replied = false;
    sock.on('data', (d: Buffer) => {
      say(`received ${d.length} bytes from ${peer}: ${JSON.stringify(d.toString('latin1'))}`);
      if (replied) return;
      replied = true;
      const fd = socketFd(sock);
      if (fd === undefined) return;
      if (!o.keepWriting) {
        const r = rawSend(fd, labMessage('server', 1, o.replySize));
        say(r.ok ? `send #1 ok ${r.bytes}` : `send #1 ${r.code}`);
        sock.destroy(); // close(fd): FIN; the orphaned socket goes FIN_WAIT1 -> FIN_WAIT2
        say(`closed ${peer}`);
        return;
      }
      // Keep-writing: stop reading (so Node never sees the reset on the read side and never
      // destroys the socket), then write every interval into whatever the connection has become.
      sock.pause();
      let n = 0;
      const timer = setInterval(() => {
        n++;
        const res = rawSend(fd, labMessage('server', n, o.replySize));
        say(res.ok ? `send #${n} ok ${res.bytes}` : `send #${n} ${res.code}`);
        if (n >= o.maxSends) clearInterval(timer);
      }, o.intervalMs);
    });
    sock.on('end', () => say(`EOF from ${peer}`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      o.log(`${clockText()} server: listening ${o.host}:${port} pid ${process.pid}`);
      resolve(port);
    });
  });
}
