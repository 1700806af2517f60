/**
 * @module cli/read-run
 * The body of `tcpscope read`, loaded only when the command runs.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { openCapture } from '../capture/stream.js';
import type { CaptureRecord } from '../capture/types.js';
import type { TimestampMode } from '../format/index.js';
import { decodePacket, type DecodedPacket } from '../wire/index.js';
import { jsonReplacer } from '../events.js';
import { InputError } from '../util/errors.js';
import { BatchedWriter, ByteOutput } from './output.js';
import { parseCount, type ReadCliOptions } from './read.js';
import { compileFilter, type PacketFilter } from './packet-filter.js';

const LINK_NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)',
  1: 'EN10MB (Ethernet)',
  12: 'RAW (Raw IP)',
  14: 'RAW (Raw IP)',
  101: 'RAW (Raw IP)',
  108: 'LOOP (OpenBSD loopback)',
  113: 'LINUX_SLL (Linux cooked v1)',
  276: 'LINUX_SLL2 (Linux cooked v2)',
};

/** Interface names by index, as tcpdump asks the reading machine (for SLL2's prefix). */
export function readInterfaceNames(sysClassNet = '/sys/class/net'): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const name of readdirSync(sysClassNet)) {
      try {
        names.set(Number(readFileSync(`${sysClassNet}/${name}/ifindex`, 'utf8').trim()), name);
      } catch {
        // an interface that vanished or has no ifindex is skipped
      }
    }
  } catch {
    // no sysfs: every index prints as '?', as tcpdump does for unknown ones
  }
  return names;
}

/** NDJSON object of one decoded packet (documented in the README). */
export function packetToJson(index: number, p: DecodedPacket): string {
  return JSON.stringify({ index, ...p }, jsonReplacer);
}

/**
 * A regular file's bytes in fresh chunks, read synchronously: no thread-pool round trip per chunk,
 * which on a busy machine costs a scheduling delay each time (pipes and stdin keep the stream).
 */
// eslint-disable-next-line @typescript-eslint/require-await -- sync reads on purpose; openCapture takes an AsyncIterable
export async function* readFileChunks(
  file: string,
  chunkBytes = 1 << 18,
  /** Refill one buffer for every chunk: only for consumers that keep no view past each chunk. */
  reuse = false,
): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    let shared: Buffer | undefined;
    for (;;) {
      const buf = reuse ? (shared ??= Buffer.allocUnsafe(chunkBytes)) : Buffer.allocUnsafe(chunkBytes);
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunkBytes, null);
      } catch (e) {
        throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
      }
      if (n === 0) return;
      yield n < chunkBytes ? buf.subarray(0, n) : buf;
    }
  } finally {
    closeSync(fd);
  }
}

async function makeFormatter(opts: ReadCliOptions, nano: boolean) {
  const { TcpdumpFormatter } = await import('../format/index.js');
  const ifNames = readInterfaceNames();
  return new TcpdumpFormatter({
    timestampMode: Math.min(opts.t, 5) as TimestampMode,
    nano,
    absoluteSeq: opts.S ?? false,
    verbose: opts.v,
    interfaceName: (i) => ifNames.get(i),
  });
}

export async function runRead(file: string, opts: ReadCliOptions): Promise<number> {
  const count = parseCount(opts.count);
  const prec = opts.timeStampPrecision ?? 'micro';
  if (prec !== 'micro' && prec !== 'nano')
    throw new InputError(`--time-stamp-precision: "${prec}" is not micro or nano`);
  const filter: PacketFilter | undefined = compileFilter(opts);
  // --summary prints no packet lines: the formatter is loaded only for the other modes.
  const fmt = opts.summary ? undefined : await makeFormatter(opts, prec === 'nano');
  let size = 0;
  let regular = false;
  if (file !== '-') {
    try {
      const st = statSync(file);
      size = st.size;
      regular = st.isFile();
    } catch (e) {
      throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  // --summary only looks at each record during its scan call, so one (bigger) buffer serves
  // every chunk; the other modes keep views into their chunks, so each gets its own.
  const chunks = opts.summary ? readFileChunks(file, 1 << 20, true) : readFileChunks(file);
  const cap = openCapture(regular ? chunks : file);
  const out = new BatchedWriter(process.stdout);
  const progress =
    opts.progress !== false && process.stderr.isTTY && size > 0
      ? (await import('./progress.js')).startProgress(size)
      : undefined;
  let headerShown = false;
  const showHeader = (): void => {
    if (headerShown || !cap.info) return;
    headerShown = true;
    const info = cap.info;
    process.stderr.write(
      `reading from file ${file}, link-type ${LINK_NAMES[info.linkType] ?? `${info.linkType}`}, snapshot length ${info.fileSnaplen}\n`,
    );
  };

  let printed = 0;
  const wanted = (rec: CaptureRecord): DecodedPacket | undefined | false => {
    if (!filter && !opts.json && !opts.explain && !opts.summary) return undefined;
    const p = decodePacket(rec);
    if (filter && !filter(p)) return false;
    return p;
  };

  if (opts.summary) {
    const { startSummary } = await import('../analysis/run.js');
    let drain: Promise<void> | undefined;
    const run = startSummary(
      (chunk) => {
        if (!process.stdout.write(chunk) && !drain)
          drain = new Promise((resolve) => process.stdout.once('drain', resolve));
      },
      { lang: opts.lang === 'zh' ? 'zh' : 'en', json: opts.json ?? false },
    );
    const analyzer = run.analyzer;
    // The zero-allocation loop (addBytes decodes in place); a filter needs the decoded packet.
    await cap.scan(
      (p, bytes) => {
        showHeader();
        if (filter) {
          const data = bytes.subarray(p.dataStart, p.dataStart + p.caplen);
          const pkt = decodePacket({ tsNs: p.tsNs, data, caplen: p.caplen, linkType: p.linkType });
          if (!filter(pkt)) return true;
          analyzer.add(pkt, printed);
        } else analyzer.addBytes(bytes, p.dataStart, p.caplen, p.linkType, p.tsSec, p.tsFracNs, printed);
        return ++printed < count;
      },
      async (offset) => {
        progress?.update(offset);
        if (drain) {
          const w = drain;
          drain = undefined;
          await w;
        }
      },
    );
    run.end();
  } else if (opts.explain) {
    const { runExplain } = await import('../analysis/index.js');
    const lang = opts.lang === 'zh' ? 'zh' : 'en';
    let current: CaptureRecord | undefined;
    async function* packets(): AsyncGenerator<DecodedPacket> {
      for await (const rec of cap) {
        showHeader();
        progress?.update(rec.offset);
        const p = wanted(rec);
        if (p === false || p === undefined) continue;
        current = rec;
        yield p;
        if (++printed >= count) return;
      }
    }
    await runExplain(
      packets(),
      () => (current && fmt ? fmt.format(current) : ''),
      (text) => void out.write(text + '\n'),
      { lang, json: opts.json ?? false },
    );
  } else if (!opts.json) {
    // Fast path: the formatter writes the lines' bytes straight into the output chunk.
    const bytes = new ByteOutput(process.stdout);
    const sink = bytes.sink;
    const f = fmt!;
    outer: for await (const batch of cap.batches()) {
      showHeader();
      for (const rec of batch) {
        if (filter && wanted(rec) === false) continue;
        f.formatInto(rec, sink);
        if (sink.len >= bytes.flushAt) {
          const w = bytes.flush();
          if (w) await w;
        }
        if (++printed >= count) break outer;
      }
      progress?.update(batch.length ? (batch[batch.length - 1] as CaptureRecord).offset : 0);
    }
    await bytes.flush();
  } else {
    outer: for await (const batch of cap.batches()) {
      showHeader();
      for (const rec of batch) {
        const p = wanted(rec);
        if (p === false) continue;
        const text = packetToJson(printed, p ?? decodePacket(rec));
        const w = out.write(text + '\n');
        if (w) await w;
        if (++printed >= count) break outer;
      }
      progress?.update(batch.length ? (batch[batch.length - 1] as CaptureRecord).offset : 0);
    }
  }
  showHeader();
  await out.flush();
  progress?.stop();
  if (cap.stop) {
    process.stderr.write(
      `tcpscope: ${file}: ${cap.stop.reason} at offset ${cap.stop.offset} (needed ${cap.stop.needed} bytes, ${cap.stop.available} available); ${printed} packets printed before it\n`,
    );
    return 2;
  }
  return 0;
}
