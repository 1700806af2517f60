/**
 * @module cli/capture
 * `tcpscope capture [-i IFACE] [-w FILE] [-c N] [FILTER...]`: live capture through tcpdump,
 * printed line by line (or as NDJSON), optionally saved as pcap. Ctrl+C / SIGTERM stop tcpdump
 * cleanly and print its packet counts on stderr, as tcpdump does. tcpdump missing, no permission,
 * a bad filter or tcpdump dying: one message and exit status 2 (main.ts), the -w file kept valid.
 */
import type { Command } from 'commander';

export interface CaptureCliOptions {
  interface?: string;
  write?: string;
  count?: string;
  snaplen?: string;
  json?: boolean;
  t: number;
  v: number;
  S?: boolean;
  timeStampPrecision?: string;
}

const increase = (_v: string, prev: number): number => prev + 1;

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description(
      'Capture live packets with tcpdump and print the lines tcpdump -n prints, ' +
        'optionally saving a pcap file. Needs root or CAP_NET_RAW for tcpdump.',
    )
    .argument('[filter...]', 'pcap filter expression, as for tcpdump (e.g. tcp port 80)')
    .option('-i, --interface <iface>', 'interface to capture on (any, lo, eth0, …)')
    .option('-w, --write <file>', 'also save the packets to this pcap file')
    .option('-c, --count <n>', 'stop after n packets')
    .option('-s, --snaplen <bytes>', 'bytes to capture per packet (tcpdump -s)')
    .option('-t', 'timestamps: -t none, -tt epoch, -ttt delta, -tttt date, -ttttt since first', increase, 0)
    .option('-v', 'verbose: the IP header line and checksum verdicts, as tcpdump -v', increase, 0)
    .option('-S', 'absolute TCP sequence numbers')
    .option('--time-stamp-precision <p>', 'micro (default) or nano (tcpdump captures in ns too)')
    .option('--json', 'NDJSON: one decoded packet per line (same fields as tcpscope read --json)')
    .addHelpText(
      'after',
      `
Ctrl+C or SIGTERM stops tcpdump cleanly and prints its packet counts on stderr.
Exit status 2 with one message if tcpdump is missing, lacks permission, rejects the
filter or dies; the packets captured until then are kept (and the -w file stays valid).

EXAMPLES
  tcpscope capture -i lo tcp port 8080
  tcpscope capture -i any -c 100 -w /tmp/web.pcap 'tcp port 443'
  tcpscope capture -i lo -tttt -v tcp port 8080
  tcpscope capture -i lo --json tcp | jq .caplen`,
    )
    .action(async (filter: string[], o: CaptureCliOptions) => {
      const { runCapture } = await import('./capture-run.js');
      await runCapture(filter, o);
    });
}
