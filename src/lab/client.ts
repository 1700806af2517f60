/**
 * @module lab/client
 * The lab's client peer (`tcpscope lab client`), the article's `linux_epoll_simple_sndmsg_netstat`
 * in Node: connects (allowHalfOpen, so the peer's FIN leaves it writable in CLOSE_WAIT), never reads
 * (`pause()`, so Recv-Q shows 58 + FIN = 59) unless `read`, then loops: send, wait, send, logging
 * each send's result. SIGPIPE has its default action (dies by signal 13, exit status 141) unless
 * `trapSignals` (prints `caught signal 13` / `caught signal 2` and loops on). With `once` it sends
 * one message and closes (the client that leaves, scenario close-wait-server).
 */
import net from 'node:net';
import { openMarker, rawSend, restoreDefaultSigpipe, socketFd, watchParent } from './peer-io.js';
import { clockText, labMessage } from './server.js';

export interface LabClientOptions {
  readonly port: number;
  readonly host: string;
  readonly intervalMs: number;
  readonly size: number;
  readonly trapSignals: boolean;
  readonly read: boolean;
  /** Send one message, then close the socket and exit (close-wait-server). */
  readonly once: boolean;
  /** Bound on the loop (the article's loop is endless; ours stops after this many sends). */
  readonly maxSends: number;
  readonly log: (line: string) => void;
}

/**
 * Connects and runs the send loop. Resolves when the loop ends by itself (maxSends, once).
 * @example await runLabClient({ port: 8006, host: '127.0.0.1', intervalMs: 5000, size: 58, ... });
 */
export function runLabClient(o: LabClientOptions): Promise<void> {
  process.title = 'lab-client';
  const marker = openMarker();
  watchParent();
  const say = (text: string): void => {
    o.log(`${clockText()} client: ${text}`);
    marker.write(`tcpscope-lab client ${text}`);
  };
  if (o.trapSignals) {
    process.on('SIGPIPE', () => say('caught signal 13'));
    process.on('SIGINT', () => say('caught signal 2'));
  } else {
    restoreDefaultSigpipe();
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port: o.port, host: o.host, allowHalfOpen: true });
    sock.once('error', reject);
    sock.on('connect', () => {
      sock.removeListener('error', reject);
      sock.on('error', (e: NodeJS.ErrnoException) => say(`socket error ${e.code ?? e.message}`));
      if (!o.read) sock.pause();
      sock.on('data', (d: Buffer) => say(`read ${d.length} bytes`));
      sock.on('end', () => say('read EOF: the server closed its side'));
      say(`connected ${sock.localAddress}:${sock.localPort} -> ${o.host}:${o.port} pid ${process.pid}`);
      const fd = socketFd(sock);
      if (fd === undefined) {
        reject(new Error('no fd for the connected socket'));
        return;
      }
      let n = 0;
      const sendOne = (): void => {
        n++;
        const r = rawSend(fd, labMessage('client', n, o.size));
        say(r.ok ? `send #${n} ok ${r.bytes}` : `send #${n} ${r.code}`);
      };
      sendOne();
      if (o.once) {
        sock.destroy();
        say('closed the socket');
        marker.close();
        resolve();
        return;
      }
      const timer = setInterval(() => {
        sendOne();
        if (n >= o.maxSends) {
          clearInterval(timer);
          say(`stopping after ${n} sends`);
          sock.destroy();
          resolve();
        }
      }, o.intervalMs);
    });
  });
}
