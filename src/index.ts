/**
 * @module tcpscope
 * Public library API. This file only re-exports.
 */
export * from './events.js';
export * from './util/errors.js';
export * from './report/explain/index.js';
export * from './sockets/index.js';
export * from './analysis/index.js';
export * from './capture/index.js';
export * from './trace/index.js';
export * from './lab/index.js';
export * from './wire/index.js';
export * from './format/index.js';
