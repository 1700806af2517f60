/**
 * @module cli/packet-filter
 * The simple filters of `read`/`capture` (no BPF engine): `--port`, `--host`, `--tcp-flags`.
 * A filter keeps only TCP packets that match every option given.
 */
import type { DecodedPacket } from '../wire/packet.js';
import { InputError } from '../util/errors.js';

export type PacketFilter = (p: DecodedPacket) => boolean;

const FLAG_BITS: Record<string, number> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  '.': 0x10,
  U: 0x20,
  E: 0x40,
  W: 0x80,
};

/** Parse `--tcp-flags` letters into a mask (all must be set). */
export function parseTcpFlags(letters: string): number {
  let mask = 0;
  for (const ch of letters.toUpperCase()) {
    const bit = FLAG_BITS[ch];
    if (bit === undefined)
      throw new InputError(`--tcp-flags: unknown flag letter "${ch}" (use S F R P A U E W)`);
    mask |= bit;
  }
  if (!mask) throw new InputError('--tcp-flags: give at least one flag letter');
  return mask;
}

/**
 * Build a filter from CLI options; undefined when none was given.
 * @example compileFilter({ port: '8006' })!(packet)
 */
export function compileFilter(opts: {
  port?: string;
  host?: string;
  tcpFlags?: string;
}): PacketFilter | undefined {
  const checks: PacketFilter[] = [];
  if (opts.port !== undefined) {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new InputError(`--port: "${opts.port}" is not a port number`);
    checks.push((p) => p.tcp !== undefined && (p.tcp.srcPort === port || p.tcp.dstPort === port));
  }
  if (opts.host !== undefined) {
    const host = opts.host.toLowerCase();
    checks.push((p) => p.ip !== undefined && (p.ip.src === host || p.ip.dst === host));
  }
  if (opts.tcpFlags !== undefined) {
    const mask = parseTcpFlags(opts.tcpFlags);
    checks.push((p) => p.tcp !== undefined && (p.tcp.flags & mask) === mask);
  }
  if (!checks.length) return undefined;
  return (p) => p.tcp !== undefined && checks.every((c) => c(p));
}
