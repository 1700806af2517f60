// Test peer for test/sockets/live.test.ts: one process that owns TCP sockets in every state the
// socket-table lens must show, on 127.0.0.1, ::1 and a v4-mapped ::ffff:127.0.0.1 listener.
// Prints one JSON line {"ready":true, ports:[...]} once every socket is in its state; exits when
// stdin closes (the test also kills it by pid). Every wait is bounded.
/* global process, setTimeout, Buffer */
import net from 'node:net';

process.title = 'tcpscope-peer';
const keep = [];
const ports = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function listen(host, onConn, opts = {}) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer(opts, onConn);
    srv.on('error', reject);
    srv.listen({ host, port: 0 }, () => {
      keep.push(srv);
      ports.add(srv.address().port);
      resolve(srv);
    });
  });
}
function connect(host, port, opts = {}, pause = false) {
  return new Promise((resolve, reject) => {
    // pause() inside the connect listener, before Node starts reading: nothing is ever read.
    const s = net.connect({ host, port, ...opts }, () => {
      if (pause) s.pause();
      resolve(s);
    });
    s.on('error', reject);
    keep.push(s);
  });
}

async function family(host) {
  // LISTEN with nothing connected.
  await listen(host, () => {});
  // ESTABLISHED both ways, idle.
  const estab = await listen(host, (s) => keep.push(s));
  await connect(host, estab.address().port);
  // The seed: the server writes 58 bytes and shuts its side (FIN_WAIT2, still owned); the
  // client never reads and stays open (CLOSE_WAIT, Recv-Q 58 + 1 for the FIN).
  const seed = await listen(host, (s) => {
    keep.push(s);
    s.end(Buffer.alloc(58, 0x61));
  });
  await connect(host, seed.address().port, { allowHalfOpen: true }, true);
  // FIN_WAIT1 orphan: fill the peer's receive window (it never reads), then close(): the FIN
  // waits behind unsent data, the socket belongs to no process any more.
  const sink = await listen(
    host,
    (s) => {
      keep.push(s);
    },
    { pauseOnConnect: true },
  );
  const writer = await connect(host, sink.address().port);
  let stalledSince = 0;
  const chunk = Buffer.alloc(1 << 16, 0x62);
  const fillStarted = Date.now();
  for (let i = 0; i < 4096 && Date.now() - fillStarted < 10_000; i++) {
    if (writer.write(chunk)) continue;
    if (!stalledSince) stalledSince = Date.now();
    await sleep(50);
    if (writer.writableLength > 0 && Date.now() - stalledSince > 400) break;
  }
  writer.destroy();
  // TIME_WAIT: the client closes first after an exchange; the server answers with its FIN.
  const tw = await listen(host, (s) => {
    keep.push(s);
    s.on('data', () => s.write('pong'));
  });
  const twClient = await connect(host, tw.address().port);
  twClient.write('ping');
  await new Promise((r) => twClient.once('data', r));
  twClient.end();
  await new Promise((r) => twClient.once('close', r));
}

try {
  await family('127.0.0.1');
  await family('::1');
  // IPv4-mapped: an IPv6 listener on ::ffff:127.0.0.1, reached over IPv4.
  const mapped = await listen('::ffff:127.0.0.1', (s) => keep.push(s));
  await connect('127.0.0.1', mapped.address().port);
  await sleep(300); // let the last ACKs and delayed ACKs land
  process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, ports: [...ports] }) + '\n');
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err) }) + '\n');
  process.exit(1);
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), 120_000).unref();
