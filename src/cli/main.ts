#!/usr/bin/env node
/**
 * @module cli/main
 * The `tcpscope` command. A thin layer: each subcommand lives in its own file and registers
 * itself here; commands parse arguments, call the library and pick a reporter.
 *
 * Modules load with `import()` after one look at argv: `tcpscope sockets` first boots the worker
 * thread of its fd scan, which takes as long as loading the CLI does, on the other core.
 */
import type { Command } from 'commander';

if (process.argv[2] === 'sockets') (await import('../sockets/owners-parallel.js')).prestartScanWorker();

const [
  { Command: CommandClass, CommanderError },
  { TcpscopeError },
  { VERSION },
  // Subcommands register themselves below (one import and one call each).
  { registerSockets },
  { registerWatch },
  { registerCapture },
  { registerRead },
  { registerLab },
] = await Promise.all([
  import('commander'),
  import('../util/errors.js'),
  import('../version.js'),
  import('./sockets.js'),
  import('./watch.js'),
  import('./capture.js'),
  import('./read.js'),
  import('./lab.js'),
]);

export function buildProgram(): Command {
  const program = new CommandClass();
  program
    .name('tcpscope')
    .description(
      'See what TCP connections on this Linux machine are doing, and why: packets, kernel state ' +
        'transitions, processes and the socket table on one clock.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  // register subcommands here
  registerSockets(program);
  registerWatch(program);
  registerCapture(program);
  registerRead(program);
  registerLab(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode;
    }
    if (err instanceof TcpscopeError) {
      process.stderr.write(`tcpscope: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

// A closed stdout (`tcpscope … | head`) ends the command quietly, as SIGPIPE ends tcpdump. A
// command holding resources (tracer, capture, lab, watch) listens for SIGTERM and releases them.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
  else process.exit(0);
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `tcpscope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
