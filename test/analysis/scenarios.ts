/**
 * @module test/analysis/scenarios
 * Loopback scenarios with real kernel sockets, each on its own port 0 listener. Each returns
 * once the traffic is over; every socket is destroyed and every server closed.
 */
import net from 'node:net';
import { sleep } from './harness.js';

export interface Scenario {
  readonly port: number;
  run(): Promise<void>;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number, opts: Partial<net.NetConnectOpts> = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', ...opts } as net.NetConnectOpts, () => resolve(s));
    s.once('error', reject);
  });
}

function make(server: net.Server, port: number, run: () => Promise<void>, sockets: net.Socket[]): Scenario {
  return {
    port,
    run,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The seed: the server replies and closes; the client keeps sending in CLOSE_WAIT and gets a RST. */
export async function seedScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.once('data', () => {
      s.write('r'.repeat(58));
      s.end();
      s.destroy();
    });
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port, { allowHalfOpen: true });
      sockets.push(c);
      c.on('error', () => {});
      c.pause();
      c.write('m'.repeat(58));
      await sleep(300);
      c.write('m'.repeat(58));
      await sleep(300);
      c.destroy();
    },
    sockets,
  );
}

/** A normal request/response and an orderly close started by the client. */
export async function normalScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port);
      sockets.push(c);
      c.write('hello');
      await new Promise((r) => c.once('data', r));
      await sleep(50);
      c.end();
      await new Promise((r) => c.once('close', r));
      await sleep(100);
    },
    sockets,
  );
}

/** A connect to a port nobody listens on. */
export async function refusedScenario(): Promise<Scenario> {
  const probe = net.createServer();
  const port = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  const server = net.createServer();
  return {
    port,
    async run() {
      await connect(port).then(
        (s) => s.destroy(),
        () => undefined,
      );
      await sleep(100);
    },
    close() {
      return new Promise<void>((r) => {
        server.close(() => r());
      }).catch(() => undefined);
    },
  };
}

/** The client aborts with resetAndDestroy() after its own request (SO_LINGER 0). */
export async function abortScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', () => {});
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port);
      sockets.push(c);
      c.write('request');
      await sleep(100);
      c.resetAndDestroy();
      await sleep(100);
    },
    sockets,
  );
}

/** The server closes with the client's data unread in its receive queue: Linux sends a RST. */
export async function unreadScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    setTimeout(() => s.destroy(), 150);
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port);
      sockets.push(c);
      c.on('error', () => {});
      c.write('unread data');
      await sleep(400);
      c.destroy();
      await sleep(50);
    },
    sockets,
  );
}

/** Half-close: the client shuts down its sending side, the server keeps sending, then closes. */
export async function halfCloseScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('data', () => {});
    s.on('end', () => {
      void (async () => {
        await sleep(50);
        s.write('after your FIN 1');
        await sleep(50);
        s.write('after your FIN 2');
        await sleep(50);
        s.end();
      })();
    });
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port, { allowHalfOpen: true });
      sockets.push(c);
      c.on('data', () => {});
      c.end('bye');
      await new Promise((r) => c.once('close', r));
      await sleep(100);
    },
    sockets,
  );
}

/** A receiver that never reads: the window closes, the sender probes. */
export async function zeroWindowScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port);
      sockets.push(c);
      c.on('error', () => {});
      const chunk = Buffer.alloc(1 << 20, 120);
      for (let i = 0; i < 32; i++) c.write(chunk);
      await sleep(2500);
      c.destroy();
      await sleep(50);
    },
    sockets,
  );
}

/** Keep-alive with a 1 s idle time: the kernel sends one probe after ~1 s, the peer answers. */
export async function keepAliveScenario(): Promise<Scenario> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('data', () => {});
    s.on('end', () => s.end());
  });
  const port = await listen(server);
  return make(
    server,
    port,
    async () => {
      const c = await connect(port);
      sockets.push(c);
      c.setKeepAlive(true, 1000);
      c.write('x');
      await sleep(2300);
      c.end();
      await new Promise((r) => c.once('close', r));
      await sleep(50);
    },
    sockets,
  );
}
