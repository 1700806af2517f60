// Churn peer for bench/trace.mjs.
//   server            listen on 127.0.0.1:0, print the port, echo nothing; Node ends each side on the peer's FIN
//   client <port> <n> <concurrency>   open and close n connections (client closes first), print "done <ms>"
import net from 'node:net';

const [role, portText, nText, concText] = process.argv.slice(2);
setTimeout(() => process.exit(5), 120_000).unref();
if (role === 'server') {
  const srv = net.createServer((s) => s.on('error', () => {}));
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`${srv.address().port}\n`));
  process.stdin.on('data', () => {}).on('end', () => process.exit(0));
} else {
  const port = Number(portText);
  const total = Number(nText);
  const conc = Number(concText);
  let started = 0;
  let finished = 0;
  let errors = 0;
  const t0 = performance.now();
  const one = () => {
    if (started >= total) return;
    started++;
    const c = net.connect({ port, host: '127.0.0.1' }, () => c.end());
    c.on('error', () => errors++);
    c.on('close', () => {
      finished++;
      if (finished === total) {
        process.stdout.write(`done ${(performance.now() - t0).toFixed(1)} ${errors}\n`);
        process.exit(0);
      }
      one();
    });
  };
  for (let i = 0; i < conc; i++) one();
}
