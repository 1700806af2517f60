/**
 * @module analysis
 * Streaming TCP analysis over decoded packets. This file only re-exports.
 */
export * from './types.js';
export * from './engine.js';
export { flagNames } from './wireshark-flags.js';
export { zeekConnState } from './zeek.js';
export * from './render.js';
export * from './run.js';
