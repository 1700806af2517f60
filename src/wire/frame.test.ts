import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureBuffer } from '../capture/index.js';
import { decodePacket } from './decode.js';
import { FrameDecoder } from './frame.js';
import { ipv4String, ipv6String } from './addr.js';
import { decodeTcpOptions } from './tcp-options.js';

const dir = resolve(import.meta.dirname, '../../../shared/conformance/tcpdump-tests');
if (!existsSync(dir)) throw new Error(`conformance captures not found at ${dir}`);

/** The allocating decoder's view of a frame, rebuilt from the hot-path decoder's fields. */
function fromFast(d: FrameDecoder) {
  const f = d.frame;
  const addr = (o: number) => (d.ipVersion === 4 ? ipv4String(f, o) : ipv6String(f, o));
  return {
    stopLayer: d.stopLayer,
    ip:
      d.ipVersion === 0
        ? undefined
        : {
            version: d.ipVersion,
            src: addr(d.srcAddrOffset),
            dst: addr(d.dstAddrOffset),
            protocol: d.protocol,
            ttl: d.ttl,
            headerLength: d.ipHeaderLength,
            payloadLength: d.ipPayloadLength,
            id: d.ipId,
            fragmentOffset: d.fragmentOffset,
            moreFragments: d.moreFragments,
          },
    tcp: d.hasTcp
      ? {
          srcPort: d.srcPort,
          dstPort: d.dstPort,
          seq: d.seq,
          ack: d.ack,
          headerLength: d.tcpHeaderLength,
          flags: d.flags,
          window: d.window,
          checksum: d.checksum,
          urgentPointer: d.urgentPointer,
          options: decodeTcpOptions(f, d.optionsStart, d.optionsEnd, d.ipEnd).options,
        }
      : undefined,
    payloadOffset: d.payloadOffset,
    payloadLength: d.payloadLength,
    capturedPayloadLength: d.capturedPayloadLength,
  };
}

function fromSlow(data: Uint8Array, caplen: number, linkType: number) {
  const p = decodePacket({ tsNs: 0n, data, caplen, linkType });
  return {
    stopLayer: p.stop?.layer,
    ip: p.ip,
    tcp: p.tcp,
    payloadOffset: p.payloadOffset,
    payloadLength: p.payloadLength,
    capturedPayloadLength: p.capturedPayloadLength,
  };
}

const records = readdirSync(dir)
  .sort()
  .flatMap((name) => readCaptureBuffer(new Uint8Array(readFileSync(join(dir, name)))).records);

describe('FrameDecoder agrees with decodePacket', () => {
  const d = new FrameDecoder();
  it('on every frame of the conformance captures, whole and cut at every length', () => {
    let tcpFrames = 0;
    let cuts = 0;
    for (const rec of records) {
      for (let cut = rec.data.length; cut >= 0; cut--) {
        const ok = d.decode(rec.data, cut, rec.linkType);
        expect(fromFast(d)).toEqual(fromSlow(rec.data, cut, rec.linkType));
        expect(ok).toBe(d.stopLayer === undefined);
        if (cut === rec.data.length && d.hasTcp) tcpFrames++;
        cuts++;
      }
    }
    expect(tcpFrames).toBeGreaterThan(100);
    expect(cuts).toBeGreaterThan(10_000);
  });

  it('builds the same typed issue on request', () => {
    let stops = 0;
    for (const rec of records) {
      for (let cut = rec.data.length; cut >= 0; cut -= 7) {
        d.decode(rec.data, cut, rec.linkType, rec.tsNs);
        const slow = decodePacket({ tsNs: rec.tsNs, data: rec.data, caplen: cut, linkType: rec.linkType });
        expect(d.issue()).toEqual(slow.stop?.issue);
        if (slow.stop) stops++;
      }
    }
    expect(stops).toBeGreaterThan(100);
  });

  it('on random and mutated bytes (never throws, same result)', () => {
    const tcpRecords = records.filter((r) => decodePacket(r).tcp);
    fc.assert(
      fc.property(
        fc.nat({ max: tcpRecords.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom(0, 1, 12, 101, 108, 113, 276, 999),
        (i, flips, random, linkType) => {
          const base = tcpRecords[i]!;
          const mutated = Uint8Array.from(base.data);
          for (const [at, v] of flips) mutated[at % mutated.length] = v;
          for (const [data, lt] of [
            [mutated, base.linkType],
            [random, linkType],
          ] as const) {
            d.decode(data, data.length, lt);
            expect(fromFast(d)).toEqual(fromSlow(data, data.length, lt));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodeAt reads a frame inside a bigger buffer exactly as decode reads it alone', () => {
    let inline = 0;
    for (const rec of records) {
      for (let cut = rec.data.length; cut >= 0; cut -= 3) {
        const base = 5 + (cut % 37);
        const buf = new Uint8Array(base + rec.data.length + 11).fill(0xa5);
        buf.set(rec.data, base);
        const ok = d.decodeAt(buf, base, cut, rec.linkType);
        if (d.frame === buf) inline++;
        const fast = fromFast(d);
        const rel = (o: number) => (o < 0 ? o : o - d.base);
        expect({ ...fast, payloadOffset: rel(d.payloadOffset) }).toEqual(
          fromSlow(rec.data, cut, rec.linkType),
        );
        expect(ok).toBe(d.stopLayer === undefined);
        expect(d.capEnd - d.base).toBe(Math.min(cut, rec.data.length));
        const again = d.toPacket();
        const slow = decodePacket({ tsNs: 0n, data: rec.data, caplen: cut, linkType: rec.linkType });
        expect({ ip: again.ip, tcp: again.tcp, link: again.link }).toEqual({
          ip: slow.ip,
          tcp: slow.tcp,
          link: slow.link,
        });
      }
    }
    expect(inline).toBeGreaterThan(1000);
  });
});
