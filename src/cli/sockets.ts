/**
 * @module cli/sockets
 * `tcpscope sockets`: the socket table (netstat/ss columns with PID/Program), filters, a
 * netstat-identical format, JSON, newcomer notes and a watch mode that prints what changed.
 * This file only declares the command; cli/sockets-run holds the implementation.
 */
import type { Command } from 'commander';
import type { SocketsCliOptions } from './sockets-run.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v.trim() !== '')];
}

/** Registers `tcpscope sockets`. */
export function registerSockets(program: Command): void {
  program
    .command('sockets')
    .description(
      'Show TCP sockets from /proc/net/tcp{,6} with their owning process (netstat/ss columns), ' +
        'explain surprising numbers, or watch what changes.',
    )
    .option('--port <n>', 'only sockets with this port at either end (repeat or comma list)', collect)
    .option(
      '--state <states>',
      'only these states, netstat or ss spelling: CLOSE_WAIT,close-wait,estab (servers included without -a)',
    )
    .option('--pid <pid>', 'only sockets held by this process (repeat or comma list)', collect)
    .option('-l, --listening', 'only listening sockets (remote port 0, as netstat -l)')
    .option('-a, --all', 'listening and connected sockets (default: connected only, as netstat)')
    .option('-4, --ipv4', 'only /proc/net/tcp')
    .option('-6, --ipv6', 'only /proc/net/tcp6')
    .option('--format <format>', 'table (default) or netstat (exactly netstat -tanp)', 'table')
    .option('-o, --timers', 'with --format netstat: add the Timer column, as netstat -o')
    .option('--json', 'JSON: rows, parse issues and scan stats (NDJSON changes with --watch)')
    .option('--explain', 'add a note per row where the numbers surprise people')
    .option('--lang <lang>', 'language of --explain notes: en or zh', 'en')
    .option('--watch [interval]', 'sample every interval (default 1s; 100ms, 2s) and print what changed')
    .option('--count <n>', 'with --watch: stop after n samples')
    .option('--duration <d>', 'with --watch: stop after this long (e.g. 30s)')
    .option('--cmdline', "read each owner's full command line (JSON)")
    .option('--no-color', 'no colours in the table')
    .option('--proc-root <dir>', 'read a procfs tree other than /proc (tests, saved snapshots)')
    .addHelpText(
      'after',
      `
Columns: Recv-Q/Send-Q are /proc's rx_queue/tx_queue (for LISTEN, Recv-Q is the accept queue);
PID/comm is the first process holding the socket; '-' means no process holds it (orphan).

EXAMPLES
  tcpscope sockets -a                         every TCP socket, with owners and a count per state
  tcpscope sockets --state close-wait --explain
                                              who leaks CLOSE_WAIT sockets, and what Recv-Q means
  tcpscope sockets -a --format netstat        byte-for-byte the layout of netstat -tanp
  tcpscope sockets --port 8006 -a --watch 1s  the seed's monitor loop, printing only changes
  tcpscope sockets --port 8006 -a --watch 1s --format netstat
                                              the whole netstat table every second
  tcpscope sockets --json -a | jq '.rows[] | select(.recvQ > 0)'
  tcpscope sockets --explain --lang zh        notes in Simplified Chinese`,
    )
    .action(async (o: SocketsCliOptions) => {
      // The fd scan, the slowest part, starts on its worker thread while the implementation loads
      // (which it does only when this command runs: other commands start faster).
      const { startOwnerScanEarly } = await import('../sockets/owners-parallel.js');
      startOwnerScanEarly(o.procRoot ?? '/proc');
      const { runSockets } = await import('./sockets-run.js');
      await runSockets(o);
    });
}
