/**
 * @module cli/lab
 * `tcpscope lab`: the seed experiment's peers (`server`, `client`, usable by hand in separate
 * terminals like the article), the scenario list, and `run`, which reproduces, observes and
 * explains a scenario in one command. This file only declares the commands; cli/lab-run runs them.
 */
import type { Command } from 'commander';

/** Registers `tcpscope lab` and its subcommands. */
export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('Reproduce classic TCP failures with real processes and kernel sockets, and explain them.')
    .addHelpText(
      'after',
      `
EXAMPLES
  tcpscope lab run close-wait-client           the seed article, end to end (~10-15 s)
  tcpscope lab run close-wait-client --trap-signals --lang zh
  tcpscope lab list
  # by hand, like the article, in four terminals:
  tcpscope lab server --port 8006
  tcpscope lab client --port 8006 --interval 5s
  tcpscope sockets --port 8006 -a --watch 1s
  tcpscope capture -i lo port 8006`,
    );

  lab
    .command('server')
    .description(
      'listen, print each message (peer, byte count, text), reply, then close (process title lab-server)',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '8006')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--size <bytes>', 'reply size', '58')
    .option(
      '--keep-writing',
      'never close: ignore EOF and send every --interval (scenario close-wait-server)',
    )
    .option('--interval <d>', 'with --keep-writing: time between sends', '5s')
    .option('--max-sends <n>', 'with --keep-writing: stop after n sends', '10000')
    .option('--trap-signals', 'catch SIGPIPE and SIGINT (print "caught signal N") instead of dying')
    .addHelpText(
      'after',
      '\nEXAMPLES\n  tcpscope lab server --port 8006\n  tcpscope lab server --port 0 --keep-writing --interval 1s',
    )
    .action(async (o: Record<string, string | boolean | undefined>) =>
      (await import('./lab-run.js')).runServerCommand(o),
    );

  lab
    .command('client')
    .description(
      'connect, never read, send every interval and log each result; SIGPIPE kills it (process title lab-client)',
    )
    .option('--port <n>', 'server port', '8006')
    .option('--host <addr>', 'server address', '127.0.0.1')
    .option('--interval <d>', 'time between sends (5s, 300ms)', '5s')
    .option('--size <bytes>', 'message size', '58')
    .option(
      '--trap-signals',
      'catch SIGPIPE and SIGINT: print "caught signal 13" / "caught signal 2" and loop on',
    )
    .option('--read', 'read what the server sends (default: never read, so Recv-Q shows 59)')
    .option('--once', 'send one message, close and exit (the client that leaves, scenario close-wait-server)')
    .option('--max-sends <n>', 'stop after n sends (the article loops forever)', '10000')
    .addHelpText(
      'after',
      '\nEXAMPLES\n  tcpscope lab client --port 8006 --interval 5s\n  tcpscope lab client --port 8006 --trap-signals   # Ctrl+C only prints "caught signal 2"',
    )
    .action(async (o: Record<string, string | boolean | undefined>) =>
      (await import('./lab-run.js')).runClientCommand(o),
    );

  lab
    .command('list')
    .description('the scenarios, one line each')
    .option('--lang <lang>', 'en or zh', 'en')
    .option('--json', 'JSON')
    .action(async (o: { lang: string; json?: boolean }) => (await import('./lab-run.js')).listCommand(o));

  lab
    .command('run <scenario>')
    .description(
      'reproduce a scenario with real peers, watch it with every lens on one clock, explain it, check it',
    )
    .option('--interval <d>', "the client's send interval (the article's 5s)", '5s')
    .option('--trap-signals', 'the peer catches SIGPIPE and SIGINT (the endless-loop ending)')
    .option('--port <auto|n>', 'auto: 8006 or the next free port; 0: any free port', 'auto')
    .option('--size <bytes>', 'message size (the article: 58)', '58')
    .option(
      '--out <dir>',
      'where capture.pcap, timeline.ndjson, report.txt go (default ./tcpscope-lab-<scenario>-<time>/)',
    )
    .option('--lang <lang>', 'report language: en or zh', 'en')
    .option('--json', 'print the checks and paths as JSON instead of the report')
    .addHelpText(
      'after',
      `
Exit status: 0 when every expected observation held, 1 when one did not (they are listed),
2 on bad options. Needs root for the packet and kernel lenses; without them the run says which
lens is missing and explains what the others saw.

EXAMPLES
  tcpscope lab run close-wait-client
  tcpscope lab run close-wait-client --trap-signals --interval 1s
  tcpscope lab run close-wait-server --lang zh --out /tmp/lab
  tcpscope lab run close-wait-client --interval 300ms --port 0 --json`,
    )
    .action(async (name: string, o: Record<string, string | boolean | undefined>) =>
      (await import('./lab-run.js')).runCommand(name, o),
    );
}
