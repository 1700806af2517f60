// Helper for bench/sockets.mjs: one process that holds many loopback TCP connections.
//   node sockets-peer.mjs server <expected>            listen on 127.0.0.1:0, print {"port":N}
//   node sockets-peer.mjs client <host:port> <count> <localAddress>
// Prints one JSON line when ready ({"ready":true,...}); on "close\n" from stdin, clients reset
// their connections (RST: no TIME_WAIT left behind) and exit; servers exit when stdin ends.
// Every loop is bounded; the parent kills this process by pid in any case.
import net from 'node:net';

const [role, a, b, c] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const sockets = [];
process.stdin.setEncoding('utf8');

if (role === 'server') {
  const expected = Number(a);
  let accepted = 0;
  const srv = net.createServer({ pauseOnConnect: true }, (s) => {
    s.on('error', () => {});
    sockets.push(s);
    if (++accepted === expected) say({ ready: true, accepted });
  });
  srv.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => say({ port: srv.address().port }));
  process.stdin.on('data', (d) => {
    if (d.includes('close')) {
      for (const s of sockets) s.resetAndDestroy();
      srv.close();
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.stdin.on('end', () => process.exit(0));
} else if (role === 'client') {
  const [host, portText] = a.split(':');
  const port = Number(portText);
  const count = Number(b);
  const localAddress = c;
  let opened = 0;
  let started = 0;
  let failed = 0;
  const inFlightMax = 1024;
  let inFlight = 0;
  const pump = () => {
    while (inFlight < inFlightMax && started < count) {
      started++;
      inFlight++;
      const s = net.connect({ host, port, localAddress });
      let connected = false;
      s.on('error', () => {
        if (connected) return;
        failed++;
        inFlight--;
        if (failed > 100) {
          say({ error: 'too many failed connects', failed });
          process.exit(1);
        }
        started--; // retry (bounded by the failure cap above)
        setImmediate(pump);
      });
      s.once('connect', () => {
        connected = true;
        s.pause();
        sockets.push(s);
        inFlight--;
        if (++opened === count) say({ ready: true, opened, failed });
        else pump();
      });
    }
  };
  pump();
  process.stdin.on('data', (d) => {
    if (d.includes('close')) {
      for (const s of sockets) s.resetAndDestroy();
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.stdin.on('end', () => process.exit(0));
}
