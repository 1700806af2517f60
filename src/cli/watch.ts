/**
 * @module cli/watch
 * `tcpscope watch`: every TCP state transition, reset (with the kernel's reason), SIGPIPE and
 * owner exit, one explained line each, from a private tracefs instance. Without tracefs it says
 * so in one line and samples the socket table instead (`--poll`).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { InputError } from '../util/errors.js';
import type { WatchOpts } from './watch-run.js';

const collectInt = (name: string) => (v: string, prev: number[]) => {
  const out = [...prev];
  for (const part of v.split(',')) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 0 || n > 4194304) throw new InputError(`${name}: not a number: ${part}`);
    out.push(n);
  }
  return out;
};

/** Registers `tcpscope watch`. */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'Every TCP state transition, reset (with the kernel reason), SIGPIPE and owner exit, explained, from kernel tracepoints (root).',
    )
    .option(
      '-p, --port <n>',
      'watch this port, local or remote (repeatable, or comma list)',
      collectInt('--port'),
      [],
    )
    .option(
      '--pid <pid>',
      'process of interest (repeatable): its exits and, with --syscalls, socket calls',
      collectInt('--pid'),
      [],
    )
    .option('--state <list>', 'only transitions into or out of these states (e.g. CLOSE_WAIT,TIME_WAIT)')
    .option('--signals <list>', 'signals to report (names or numbers)', 'SIGPIPE')
    .option('--json', 'one JSON event per line (NDJSON), then a summary line')
    .option(
      '--poll',
      'sample the socket table instead of tracing (no root needed; short states can be missed)',
    )
    .option('--interval <ms>', 'sampling interval for --poll (e.g. 50ms)', '100ms')
    .option('--duration <time>', 'stop after this long (e.g. 10s)')
    .option('--count <n>', 'stop after this many events')
    .option('--buffer-kb <kb>', 'per-CPU trace buffer size in KiB', '4096')
    .option('--syscalls', 'also trace socket syscalls (of --pid processes; otherwise failing sends only)')
    .addOption(new Option('--lang <lang>', 'explanation language').choices(['en', 'zh']).default('en'))
    .option('--tracefs <dir>', 'tracefs mount point', '/sys/kernel/tracing')
    .addHelpText(
      'after',
      `
Columns: time, local -> remote, OLD -> NEW state, (time spent in OLD), owner pid/comm, meaning.
"(on-CPU, not owner)" marks a pid that only happened to run when the kernel changed the socket.
TIME_WAIT is [synthesized]: the tracepoint reports FIN_WAIT2 -> CLOSE when a time-wait
mini-socket takes over. Uses a private tracefs instance (instances/tcpscope-<pid>), removed on
exit; the global tracing state is never touched. Needs root; without it, falls back to --poll.

EXAMPLES
  tcpscope watch --port 8006
  tcpscope watch --port 8006 --state CLOSE_WAIT,TIME_WAIT --lang zh
  tcpscope watch --pid 4242 --syscalls --signals SIGPIPE,SIGKILL --json
  tcpscope watch --poll --interval 50ms --port 8006 --duration 30s`,
    )
    .action(async (opts: WatchOpts) => {
      const { runWatch } = await import('./watch-run.js');
      await runWatch(opts);
    });
}
