/**
 * @module wire
 * Pure packet decoders. This file only re-exports.
 */
export * from './packet.js';
export * from './bytes.js';
export * from './addr.js';
export * from './link.js';
export * from './tcp-options.js';
export * from './decode.js';
export * from './seq.js';
export * from './frame.js';
