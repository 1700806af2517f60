/**
 * @module test/analysis/kernel-trace
 * The ground truth for the inference tests: a private tracefs instance recording
 * `sock:inet_sock_set_state` for one port, removed on every exit path.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

const ROOT = '/sys/kernel/tracing/instances';

export interface KernelTrace {
  /** Transitions as "client|server OLD->NEW", in kernel order. */
  read(): string[];
  remove(): void;
}

export function startKernelTrace(port: number): KernelTrace {
  const dir = `${ROOT}/tcpscope-analysis-test-${process.pid}-${port}`;
  mkdirSync(dir);
  const ev = `${dir}/events/sock/inet_sock_set_state`;
  try {
    writeFileSync(`${ev}/filter`, `sport == ${port} || dport == ${port}`);
    writeFileSync(`${ev}/enable`, '1');
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  return {
    read() {
      const text = readFileSync(`${dir}/trace`, 'utf8');
      const out: string[] = [];
      for (const line of text.split('\n')) {
        const m = /sport=(\d+) dport=(\d+) .*oldstate=TCP_(\w+) newstate=TCP_(\w+)/.exec(line);
        if (!m) continue;
        const [, sport, dport, from, to] = m;
        if (dport === '0') continue; // the listener itself
        const role = Number(sport) === port ? 'server' : 'client';
        out.push(`${role} ${from}->${to}`);
      }
      return out;
    },
    remove() {
      if (!existsSync(dir)) return;
      try {
        writeFileSync(`${ev}/enable`, '0');
      } finally {
        rmdirSync(dir);
      }
    },
  };
}
