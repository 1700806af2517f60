/**
 * @module capture
 * Capture files and live capture: pcap/pcapng readers over buffers and streams, writers, and the
 * tcpdump-backed live capture. This file only re-exports.
 */
export * from './types.js';
export * from './limits.js';
export * from './steps.js';
export * from './parser.js';
export * from './buffer.js';
export * from './writer.js';
export * from './stream.js';
export * from './samples.js';
export * from './live.js';
export * from './decoded.js';
