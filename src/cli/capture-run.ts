/**
 * @module cli/capture-run
 * The body of `tcpscope capture`, loaded only when the command runs: liveCapture's records printed
 * with the same tcpdump -n formatter as `tcpscope read` (or NDJSON), counts on stderr at the end.
 */
import { liveCapture, type LiveCaptureSummary } from '../capture/live.js';
import type { CaptureRecord } from '../capture/types.js';
import { TcpdumpFormatter, type TimestampMode } from '../format/index.js';
import { InputError } from '../util/errors.js';
import { decodePacket } from '../wire/index.js';
import type { CaptureCliOptions } from './capture.js';
import { packetToJson, readInterfaceNames } from './read-run.js';

/** One output line per packet: the same text `tcpdump -n` prints (shared with `tcpscope read`). */
export function createLineFormatter(
  o: Pick<CaptureCliOptions, 't' | 'v' | 'S' | 'timeStampPrecision'>,
): (rec: CaptureRecord) => string {
  const ifNames = readInterfaceNames();
  const fmt = new TcpdumpFormatter({
    timestampMode: Math.min(o.t, 5) as TimestampMode,
    nano: o.timeStampPrecision === 'nano',
    absoluteSeq: o.S ?? false,
    verbose: o.v,
    interfaceName: (i) => ifNames.get(i),
  });
  return (rec) => fmt.format(rec);
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

export async function runCapture(filter: string[], o: CaptureCliOptions): Promise<void> {
  const count = positiveInt(o.count, '-c');
  const snaplen = positiveInt(o.snaplen, '-s');
  const prec = o.timeStampPrecision ?? 'micro';
  if (prec !== 'micro' && prec !== 'nano')
    throw new InputError(`--time-stamp-precision: "${prec}" is not micro or nano`);
  const format = createLineFormatter(o);
  const cap = liveCapture({
    ...(o.interface !== undefined ? { iface: o.interface } : {}),
    ...(o.write !== undefined ? { writePath: o.write } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(snaplen !== undefined ? { snaplen } : {}),
    filter,
    ...(prec === 'nano' ? { nano: true } : {}),
  });
  let index = 0;
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
      process.stdout.write(o.json ? `${packetToJson(index++, decodePacket(rec))}\n` : `${format(rec)}\n`);
    }
  } finally {
    const s = await cap.done;
    if (s.counts.captured !== undefined || s.records > 0) process.stderr.write(formatCounts(s));
  }
}
