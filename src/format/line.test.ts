import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../capture/index.js';
import { ByteSink, TcpdumpFormatter, type TcpdumpFormatOptions } from './line.js';

const dir = resolve(import.meta.dirname, '../../../shared/conformance/tcpdump-tests');
if (!existsSync(dir)) throw new Error(`conformance captures not found at ${dir}`);
const captures = readdirSync(dir)
  .sort()
  .map((name) => ({
    name,
    records: readCaptureBuffer(new Uint8Array(readFileSync(join(dir, name)))).records,
  }));

const optionSets: TcpdumpFormatOptions[] = [
  {},
  { timestampMode: 1 },
  { timestampMode: 3 },
  { timestampMode: 4, nano: true },
  { absoluteSeq: true, verbose: 1 },
  { verbose: 3 },
];

describe('TcpdumpFormatter: the string and the byte outputs agree', () => {
  it.each(optionSets.map((o) => [JSON.stringify(o), o] as const))('%s', (_label, opts) => {
    let packets = 0;
    for (const { name, records } of captures) {
      const asText = new TcpdumpFormatter({ tzOffset: () => 0, ...opts });
      const asBytes = new TcpdumpFormatter({ tzOffset: () => 0, ...opts });
      const sink = new ByteSink(64);
      for (const rec of records) {
        const text = asText.format(rec);
        const start = sink.len;
        asBytes.formatInto(rec, sink);
        const bytes = Buffer.from(sink.buf.subarray(start, sink.len)).toString('utf8');
        expect({ name, text: text + '\n' }).toEqual({ name, text: bytes });
        packets++;
      }
    }
    expect(packets).toBeGreaterThan(100);
  });

  it('starts each line with the timestamp tcpdump prints (UTC, default -t style)', () => {
    const fmt = new TcpdumpFormatter({ tzOffset: () => 0 });
    const rec = captures.find((c) => c.name === 'tcp-handshake-nano.pcap')!.records[0]!;
    expect(fmt.format(rec)).toMatch(/^\d\d:\d\d:\d\d\.\d{6} IP /);
    expect(new TcpdumpFormatter({ tzOffset: () => 0, nano: true }).format(rec)).toMatch(
      /^\d\d:\d\d:\d\d\.\d{9} IP /,
    );
    expect(new TcpdumpFormatter({ timestampMode: 1 }).format(rec)).toMatch(/^IP /);
    expect(new TcpdumpFormatter({ timestampMode: 1 }).body(rec)).toMatch(/^IP /);
  });
});
