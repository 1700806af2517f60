/**
 * @module format
 * The tcpdump-compatible formatter. This file only re-exports.
 */
export * from './line.js';
export * from './timestamp.js';
export * from './checksum.js';
export { tcpFlagString, SeqTable } from './tcp.js';
