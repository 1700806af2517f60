/**
 * @module test/differential/traffic
 * Real TCP traffic on loopback for the differential tests: a handshake, data both ways, a bulk
 * transfer, FIN closes, a reset close and a refused connect. Every socket is closed and every
 * server stopped before the functions resolve.
 */
import net from 'node:net';

const until = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

/** A listening server on `host`, port 0; returns it and its port. */
export async function listen(
  host: string,
  onConn: (s: net.Socket) => void,
): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A port nothing listens on (bound then closed). */
export async function closedPort(host: string): Promise<number> {
  const { server, port } = await listen(host, () => undefined);
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Exchange: the client sends `requestBytes`, the server answers `replyBytes` and half-closes,
 * the client then sends `bulkBytes` and closes. Resolves when both sides are closed.
 */
export async function exchange(
  host: string,
  port: number,
  requestBytes: number,
  bulkBytes: number,
): Promise<void> {
  const sock = net.connect({ host, port, allowHalfOpen: true });
  await until(new Promise<void>((r, j) => sock.once('connect', r).once('error', j)), 5000, 'connect');
  sock.write(Buffer.alloc(requestBytes, 0x61));
  const done = new Promise<void>((r) => sock.once('close', () => r()));
  let got = 0;
  sock.on('data', (d: Buffer) => (got += d.length));
  await until(new Promise<void>((r) => sock.once('end', r)), 5000, 'server end');
  if (bulkBytes) {
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    for (let sent = 0; sent < bulkBytes; sent += chunk.length) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    }
  }
  sock.end();
  await until(done, 10_000, 'client close');
  if (got === 0) throw new Error('no reply received');
}

/** Server side of `exchange`: read the request, reply, end; then drain until the client ends. */
export function replyThenEnd(replyBytes: number): (s: net.Socket) => void {
  return (s) => {
    let replied = false;
    s.on('data', () => {
      if (!replied) {
        replied = true;
        s.write(Buffer.alloc(replyBytes, 0x63));
        s.end();
      }
    });
    s.on('end', () => s.destroy());
    s.on('error', () => s.destroy());
  };
}

/** Connect and reset at once (RST close). */
export async function resetClose(host: string, port: number): Promise<void> {
  const sock = net.connect({ host, port });
  await until(new Promise<void>((r, j) => sock.once('connect', r).once('error', j)), 5000, 'connect');
  sock.write('bye');
  await new Promise((r) => setTimeout(r, 50));
  sock.resetAndDestroy();
  await new Promise((r) => setTimeout(r, 50));
}

/** A connect that the kernel refuses with a reset. */
export async function refusedConnect(host: string, port: number): Promise<void> {
  const sock = net.connect({ host, port });
  const err = await until(new Promise<Error>((r) => sock.once('error', r)), 5000, 'refused');
  if (!/ECONNREFUSED/.test(String((err as NodeJS.ErrnoException).code))) throw err;
}
