/**
 * @module cli/read
 * `tcpscope read FILE|-`: a pcap/pcapng file printed exactly as `tcpdump -n -r` prints its TCP
 * packets, with simple filters, NDJSON, and (via the analysis engine) `--explain` / `--summary`.
 */
import type { Command } from 'commander';
import { InputError } from '../util/errors.js';

export interface ReadCliOptions {
  t: number;
  v: number;
  S?: boolean;
  n?: boolean;
  count?: string;
  timeStampPrecision?: string;
  port?: string;
  host?: string;
  tcpFlags?: string;
  json?: boolean;
  explain?: boolean;
  summary?: boolean;
  lang?: string;
  progress?: boolean;
}

const increase = (_v: string, prev: number): number => prev + 1;

export function registerRead(program: Command): void {
  program
    .command('read')
    .argument('<file>', 'pcap or pcapng file, or - for standard input')
    .description(
      'Print a capture file like tcpdump -n -r, optionally explained or summarised per connection.',
    )
    .option('-n', 'numeric output (always on; accepted for tcpdump habits)')
    .option('-t', 'timestamps: -t none, -tt epoch, -ttt delta, -tttt date, -ttttt since first', increase, 0)
    .option('-v', 'verbose: the IP header line and checksum verdicts, as tcpdump -v', increase, 0)
    .option('-S', 'absolute TCP sequence numbers')
    .option('-c, --count <n>', 'stop after printing n packets')
    .option('--time-stamp-precision <p>', 'micro (default) or nano')
    .option('--port <n>', 'only TCP packets with this port at either end')
    .option('--host <addr>', 'only TCP packets with this address at either end')
    .option('--tcp-flags <letters>', 'only TCP packets with all these flags set (S F R P A U E W; . = A)')
    .option('--json', 'NDJSON: one decoded packet per line (see README for the fields)')
    .option('--explain', 'annotate the tcpdump lines with what each packet means')
    .option('--summary', 'one row per connection: state, history, flags, RTT')
    .option('--lang <lang>', 'language of explanations: en or zh', 'en')
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ tcpscope read capture.pcap                 # same lines as tcpdump -n -r capture.pcap
  $ tcpscope read capture.pcap -tttt -v        # dates, IP header line and checksum verdicts
  $ tcpscope read capture.pcap --port 8006 --tcp-flags R
  $ tcpdump -U -w - -i lo | tcpscope read -    # read a live stream from stdin
  $ tcpscope read capture.pcap --explain       # tcpdump lines with explanations between them
  $ tcpscope read capture.pcap --summary --json`,
    )
    .action(async (file: string, opts: ReadCliOptions) => {
      const { runRead } = await import('./read-run.js');
      process.exitCode = await runRead(file, opts);
    });
}

/** Parse `--count`. */
export function parseCount(v: string | undefined): number {
  if (v === undefined) return Infinity;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InputError(`--count: "${v}" is not a positive whole number`);
  return n;
}
