/**
 * @module cli/capture
 * `tcpscope capture [-i IFACE] [-w FILE] [-c N] [FILTER...]`: live capture through tcpdump,
 * printed line by line (or as NDJSON), optionally saved as pcap. Ctrl+C / SIGTERM stop tcpdump
 * cleanly and print its packet counts on stderr, as tcpdump does. tcpdump missing, no permission,
 * a bad filter or tcpdump dying: one message and exit status 2 (main.ts), the -w file kept valid.
 */
import type { Command } from 'commander';
import { liveCapture, type LiveCaptureSummary } from '../capture/live.js';
import type { CaptureRecord } from '../capture/types.js';
import { InputError } from '../util/errors.js';

interface CaptureCliOptions {
  interface?: string;
  write?: string;
  count?: string;
  snaplen?: string;
  json?: boolean;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * One output line per packet. This is the single seam where the tcpdump-compatible formatter
 * (src/format) plugs in; until then it prints the capture-level facts only.
 */
export function createLineFormatter(): (rec: CaptureRecord) => string {
  return (rec) => {
    const d = new Date(rec.tsSec * 1000);
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(Math.floor(rec.tsFracNs / 1000), 6)}`;
    return `${clock} link-type ${rec.linkType}, caplen ${rec.caplen}, length ${rec.origLen}`;
  };
}

/** NDJSON object for one record (stable field names; bigints as decimal strings). */
export function recordToJson(rec: CaptureRecord): Record<string, unknown> {
  return {
    tsNs: rec.tsNs.toString(),
    caplen: rec.caplen,
    origLen: rec.origLen,
    linkType: rec.linkType,
    interfaceIndex: rec.interfaceIndex,
  };
}

function positiveInt(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InputError(`${option}: "${v}" is not a positive whole number`);
  return n;
}

/** tcpdump's closing lines, from its own counts. */
export function formatCounts(s: LiveCaptureSummary): string {
  const c = s.counts;
  const line = (n: number | undefined, what: string) =>
    n === undefined ? '' : `${n} packet${n === 1 ? '' : 's'} ${what}\n`;
  return (
    line(c.captured ?? s.records, 'captured') +
    line(c.receivedByFilter, 'received by filter') +
    line(c.droppedByKernel, 'dropped by kernel') +
    (c.droppedByInterface ? line(c.droppedByInterface, 'dropped by interface') : '')
  );
}

async function runCapture(filter: string[], o: CaptureCliOptions): Promise<void> {
  const count = positiveInt(o.count, '-c');
  const snaplen = positiveInt(o.snaplen, '-s');
  const cap = liveCapture({
    ...(o.interface !== undefined ? { iface: o.interface } : {}),
    ...(o.write !== undefined ? { writePath: o.write } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(snaplen !== undefined ? { snaplen } : {}),
    filter,
  });
  const format = createLineFormatter();
  let stdoutGone = false;
  process.stdout.on('error', () => {
    // e.g. `tcpscope capture | head`: stop capturing, quietly.
    stdoutGone = true;
    void cap.stop();
  });
  void cap.ready.then(() => {
    const banner = /listening on [^\n]*/.exec(cap.stderr);
    if (banner) process.stderr.write(`${banner[0]}\n`);
  });
  try {
    for await (const rec of cap) {
      if (stdoutGone) continue;
      process.stdout.write(o.json ? `${JSON.stringify(recordToJson(rec))}\n` : `${format(rec)}\n`);
    }
  } finally {
    const s = await cap.done;
    if (s.counts.captured !== undefined || s.records > 0) process.stderr.write(formatCounts(s));
  }
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description(
      'Capture live packets with tcpdump and print one line per packet (tcpdump -n style), ' +
        'optionally saving a pcap file. Needs root or CAP_NET_RAW for tcpdump.',
    )
    .argument('[filter...]', 'pcap filter expression, as for tcpdump (e.g. tcp port 80)')
    .option('-i, --interface <iface>', 'interface to capture on (any, lo, eth0, …)')
    .option('-w, --write <file>', 'also save the packets to this pcap file')
    .option('-c, --count <n>', 'stop after n packets')
    .option('-s, --snaplen <bytes>', 'bytes to capture per packet (tcpdump -s)')
    .option('--json', 'print NDJSON, one object per packet')
    .addHelpText(
      'after',
      `
Ctrl+C or SIGTERM stops tcpdump cleanly and prints its packet counts on stderr.
Exit status 2 with one message if tcpdump is missing, lacks permission, rejects the
filter or dies; the packets captured until then are kept (and the -w file stays valid).

EXAMPLES
  tcpscope capture -i lo tcp port 8080
  tcpscope capture -i any -c 100 -w /tmp/web.pcap 'tcp port 443'
  tcpscope capture -i lo --json tcp | jq .caplen`,
    )
    .action(async (filter: string[], o: CaptureCliOptions) => {
      await runCapture(filter, o);
    });
}
