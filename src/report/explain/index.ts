/**
 * @module report/explain
 * The shared explanation catalog (English + Simplified Chinese). This file only re-exports.
 */
export * from './catalog.js';
export * from './explain.js';
