/**
 * @module lab/peer-io
 * What the lab peers need from the OS, in one place:
 * - `restoreDefaultSigpipe()`: Node ignores SIGPIPE; adding then removing a listener puts the
 *   disposition back to SIG_DFL, so a failing write kills the process by signal 13, like C.
 * - `rawSend(fd, data)`: write(2) on the socket's fd. Node's `socket.write` reports errors
 *   asynchronously, and after the first EPIPE it destroys the socket: checked with strace (Node 20),
 *   later `socket.write` calls fail with ERR_STREAM_DESTROYED and issue no system call at all, so
 *   the kernel would never see those sends, never return EPIPE and never raise SIGPIPE again (the
 *   article's dead loop would not happen). Writing to the fd with `fs.writeSync` issues the real
 *   syscall every time: the kernel lens shows each failing send as `write() = -32 EPIPE` plus a
 *   `signal_generate sig=13`. Node keeps the fd open because the peers never call `socket.write`
 *   or `end` on a socket they send into this way.
 * - `openMarker()`: the `trace_marker` of the lab's tracefs instance (path in the env var
 *   `TCPSCOPE_LAB_MARKER`), so each send's result lands on the kernel clock.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';

/** The environment variable through which `lab run` passes the trace_marker path to the peers. */
export const MARKER_ENV = 'TCPSCOPE_LAB_MARKER';

/** Result of one send: `ok` with the byte count, or the errno code (EPIPE, ECONNRESET, …). */
export type SendResult =
  { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly code: string };

/** The environment variable naming the runner's pid: peers exit when it is gone. */
export const PARENT_ENV = 'TCPSCOPE_LAB_PARENT';

/**
 * When started by `lab run` (`$TCPSCOPE_LAB_PARENT` set), exit as soon as the runner is gone, even
 * if it was SIGKILLed and could not kill us: checked every 500 ms (our ppid changes when the parent
 * dies). A safety net under the runner's own kill-by-pid on every exit path.
 * @example watchParent(); // in a peer, before its loop
 */
export function watchParent(env: NodeJS.ProcessEnv = process.env): void {
  const parent = Number(env[PARENT_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(3);
  }, 500).unref();
}

/** Put SIGPIPE back to its default action (terminate). See the module comment. */
export function restoreDefaultSigpipe(): void {
  const noop = (): void => undefined;
  process.on('SIGPIPE', noop);
  process.removeListener('SIGPIPE', noop);
}

/** The kernel fd of a connected net.Socket (libuv TCP handle), or undefined. */
export function socketFd(socket: Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : undefined;
}

/**
 * One send as a real write(2) on the socket's fd.
 * @example const r = rawSend(fd, Buffer.from('x'.repeat(58))); if (!r.ok) log(r.code);
 */
export function rawSend(fd: number, data: Uint8Array): SendResult {
  try {
    const bytes = writeSync(fd, data);
    return { ok: true, bytes };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

/** Writes lines to the lab's trace_marker; a no-op when the env var is absent or unusable. */
export interface MarkerWriter {
  write(text: string): void;
  close(): void;
}

/**
 * Opens `$TCPSCOPE_LAB_MARKER` (never creates a file: tracefs files are opened `r+`).
 * @example const marker = openMarker(); marker.write('tcpscope-lab client send #1 ok 58');
 */
export function openMarker(env: NodeJS.ProcessEnv = process.env): MarkerWriter {
  const path = env[MARKER_ENV];
  let fd: number | undefined;
  if (path) {
    try {
      fd = openSync(path, 'r+');
    } catch {
      fd = undefined;
    }
  }
  return {
    write(text) {
      if (fd === undefined) return;
      try {
        writeSync(fd, text);
      } catch {
        // the instance may be gone at teardown: markers are best effort
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
