/**
 * Every capture in ../shared/conformance/tcpdump-tests (from tcpdump's own test suite) must
 * print its TCP packets exactly as the installed tcpdump prints them (`TZ=UTC tcpdump -n -r`),
 * without -v and with -v, -vv and -vvv, and must be read and decoded without a crash or a hang.
 *
 * What is compared: for every packet tcpscope decodes as TCP (a first fragment carrying a TCP
 * header, even a truncated or malformed one), tcpdump's whole output for that packet: the TCP line
 * plus whatever the application printer adds (DNS, HTTP, SSH, BGP, OpenFlow, multi-line ones
 * included), and under -v/-vv/-vvv the IP header line as well. Non-TCP packets (UDP DNS, ARP)
 * get tcpscope's own one-line summary and are not compared (the packet count must still match,
 * and a packet tcpdump prints with TCP `Flags [` must be one tcpscope took for TCP).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../../src/capture/index.js';
import { decodePacket } from '../../src/wire/index.js';
import { TcpdumpFormatter } from '../../src/format/index.js';
import { diffTcp, HAVE_TCPDUMP } from '../helpers/tcpdump.js';

const dir = resolve(import.meta.dirname, '../../../shared/conformance/tcpdump-tests');
if (!existsSync(dir))
  throw new Error(`conformance captures not found at ${dir} (the shared/ folder must sit beside the repo)`);
const files = readdirSync(dir).sort();

describe('conformance captures: never crash', () => {
  it.each(files)('%s reads and decodes', (name) => {
    const buf = new Uint8Array(readFileSync(join(dir, name)));
    const res = readCaptureBuffer(buf);
    const fmt = new TcpdumpFormatter({ tzOffset: () => 0, verbose: 1 });
    for (const rec of res.records) {
      const p = decodePacket(rec);
      expect(p.caplen).toBe(rec.data.length);
      if (p.stop) {
        expect(p.stop.issue.offset).toBeGreaterThanOrEqual(0);
        expect(p.stop.issue.reason.length).toBeGreaterThan(0);
      }
      expect(typeof fmt.format(rec)).toBe('string');
    }
  });
});

describe.runIf(HAVE_TCPDUMP)('conformance captures: identical to tcpdump -n', () => {
  it.each(files)('%s', (name) => {
    const { diffs } = diffTcp(join(dir, name), {});
    expect(diffs).toEqual([]);
  });
});

for (const verbose of [1, 2, 3]) {
  describe.runIf(HAVE_TCPDUMP)(
    `conformance captures: identical to tcpdump -n -${'v'.repeat(verbose)}`,
    () => {
      it.each(files)('%s', (name) => {
        const { diffs } = diffTcp(join(dir, name), { verbose });
        expect(diffs).toEqual([]);
      });
    },
  );
}

describe('tcpdump is present', () => {
  it('is installed (CI installs it; these comparisons are the point of the suite)', () => {
    if (!HAVE_TCPDUMP) console.warn('tcpdump is not installed: the comparisons above were skipped');
    expect(HAVE_TCPDUMP || process.env.CI !== 'true').toBe(true);
  });
});
