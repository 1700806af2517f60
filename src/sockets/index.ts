/**
 * @module sockets
 * The socket-table lens. This file only re-exports.
 */
export * from './types.js';
export * from './addr.js';
export * from './proc-net-tcp.js';
export * from './passwd.js';
export * from './owners.js';
export * from './read.js';
export * from './proc-files.js';
export * from './snapshot.js';
export * from './netstat-format.js';
export * from './filter.js';
export * from './explain.js';
export * from './diff.js';
export * from './owners-parallel.js';
export * from './duration.js';
export * from './netstat-stream.js';
export * from './read-raw.js';
export * from './byte-out.js';
