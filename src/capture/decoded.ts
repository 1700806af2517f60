/**
 * @module capture/decoded
 * Decoded packets from any record source: `openCapture(...)` or `liveCapture(...)` piped through
 * src/wire's lax decoder, for the lab and the analyzers that want {@link DecodedPacket}s rather
 * than raw records.
 */
import { decodePacket } from '../wire/decode.js';
import type { DecodedPacket } from '../wire/packet.js';
import type { CaptureRecord } from './types.js';

/**
 * Decode every record of a capture source, in order. Errors of the source (a missing file, tcpdump
 * failing) propagate unchanged after the packets decoded before them.
 * @example
 * for await (const p of decodedPackets(liveCapture({ iface: 'lo', filter: ['tcp'] }))) {
 *   if (p.tcp) console.log(p.ip?.src, p.tcp.srcPort, p.tcp.flags);
 * }
 */
export async function* decodedPackets(source: AsyncIterable<CaptureRecord>): AsyncGenerator<DecodedPacket> {
  for await (const rec of source) yield decodePacket(rec);
}
