#!/usr/bin/env node
// The floors under any analysis written on this runtime, run by analysis.mjs under /usr/bin/time
// next to tcpscope and tshark on the same file:
//   decode-floor.mjs FILE          start node, load the capture reader and the frame decoder
//                                  from dist, read FILE, decode every frame's IP and TCP headers
//                                  in place; no analysis, no output but the TCP packet count;
//   decode-floor.mjs FILE --flows  the same, plus the "naive JS walk": packets counted
//                                  per direction-free 4-tuple (a numeric hash) in a Map, no TCP
//                                  state at all.
import { openCapture } from '../dist/capture/index.js';
import { readFileChunks } from '../dist/cli/read-run.js';
import { FrameDecoder } from '../dist/wire/frame.js';

const file = process.argv[2];
if (!file) throw new Error('usage: decode-floor.mjs FILE [--flows]');
const flows = process.argv[3] === '--flows' ? new Map() : undefined;
const cap = openCapture(readFileChunks(file, 1 << 20, true));
const d = new FrameDecoder();
let tcp = 0;
await cap.scan((p, bytes) => {
  d.decodeAt(bytes, p.dataStart, p.caplen, p.linkType);
  if (!d.hasTcp) return true;
  tcp++;
  if (flows && d.ipVersion === 4) {
    // A direction-free 31-bit hash as the key: a lower bound on a flow table's work (a real one
    // must also compare the 4-tuple on a hit and resolve collisions).
    const x = d.src4 ^ d.dst4;
    const y =
      Math.imul((d.srcPort ^ d.dstPort) + 0x9e3779b9, 0x85ebca6b) ^
      Math.imul(d.srcPort + d.dstPort, 0xc2b2ae35);
    const key = Math.imul(x ^ y, 0x27d4eb2f) >>> 1;
    flows.set(key, (flows.get(key) ?? 0) + 1);
  }
  return true;
});
console.log(tcp, flows ? flows.size : '');
