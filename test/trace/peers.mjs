/* global process, setTimeout, setInterval, clearInterval */
// Test peers for the kernel-lens tests. Roles:
//   server <port> exchange|seed   listen on 127.0.0.1:<port>, print "listening <port>", handle one connection
//   client <port> exchange|seed|seed-ignore   seed: dies by SIGPIPE like the seed's C client;
//                                             seed-ignore: Node's default (SIGPIPE ignored), gets EPIPE
// Every loop is bounded; each process exits on its own within a few seconds.
import net from 'node:net';

const [role, portText, mode] = process.argv.slice(2);
const port = Number(portText);
const msg = 'x'.repeat(58);
setTimeout(() => process.exit(4), 10_000).unref();

if (role === 'server') {
  process.title = 'tsrv';
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    if (mode === 'seed') {
      // Reply with 58 bytes, then close(): the orphaned socket goes FIN_WAIT1 -> FIN_WAIT2.
      s.once('data', () => s.write(msg, () => s.destroy()));
    } else {
      s.on('data', (d) => s.write(d));
      // allowHalfOpen is false: Node ends our side when the client's FIN arrives.
    }
    s.on('close', () => srv.close());
  });
  srv.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
} else if (role === 'client') {
  process.title = 'tcli';
  if (mode === 'seed' || mode === 'seed-ignore') {
    // Node ignores SIGPIPE; adding then removing a listener restores SIG_DFL (scenario "Node facts").
    // seed-ignore keeps Node's default (ignored): the write fails with EPIPE and the client lives.
    if (mode === 'seed') {
      process.on('SIGPIPE', () => {});
      process.removeAllListeners('SIGPIPE');
    }
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      c.pause(); // never read: Recv-Q 59 in CLOSE_WAIT
      c.write(msg);
    });
    c.on('error', (err) => {
      if (mode === 'seed-ignore') {
        process.stdout.write(`error ${err.code}\n`);
        process.exit(0);
      }
    });
    let n = 0;
    const t = setInterval(() => {
      if (++n > 40) {
        clearInterval(t);
        process.exit(3);
      }
      c.write(msg);
    }, 100);
  } else {
    const c = net.connect({ port, host: '127.0.0.1' }, () => c.write('hello'));
    c.on('data', () => c.end());
    c.on('close', () => setTimeout(() => process.exit(0), 50));
  }
}
