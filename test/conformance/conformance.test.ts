/**
 * Every capture in ../shared/conformance/tcpdump-tests (from tcpdump's own test suite) must
 * print its TCP packets exactly as the installed tcpdump prints them (`TZ=UTC tcpdump -n -r`),
 * with and without -v, and must be read and decoded without a crash or a hang.
 *
 * What "TCP line" means here: without -v, the packet's whole output (TCP line plus whatever the
 * application printer adds, multi-line OpenFlow included). With -v, the IP header line and the
 * TCP line up to and including `length N`: tcpdump's verbose application decoders (BGP's
 * attribute dump, DNS's full records) are compared only where src/format/app claims them, in its
 * own tests.
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

/** Cut a -v packet block after the TCP line's `length N` (application detail follows it). */
function upToLength(block: string): string {
  const nl = block.indexOf('\n');
  const head = nl < 0 ? '' : block.slice(0, nl + 1);
  const rest = nl < 0 ? block : block.slice(nl + 1);
  const tcp = /^[\s\S]*?, length \d+/.exec(rest);
  return head + (tcp ? tcp[0] : rest);
}

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

describe.runIf(HAVE_TCPDUMP)('conformance captures: identical to tcpdump -n -v (to the TCP length)', () => {
  it.each(files)('%s', (name) => {
    const { diffs } = diffTcp(join(dir, name), { verbose: 1 }, upToLength);
    expect(diffs).toEqual([]);
  });
});

describe('tcpdump is present', () => {
  it('is installed (CI installs it; these comparisons are the point of the suite)', () => {
    if (!HAVE_TCPDUMP) console.warn('tcpdump is not installed: the comparisons above were skipped');
    expect(HAVE_TCPDUMP || process.env.CI !== 'true').toBe(true);
  });
});
