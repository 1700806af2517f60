/**
 * @module lab
 * Declarative scenarios, the peer programs (server/client roles) and the runner. This file only
 * re-exports.
 */
export * from './scenario.js';
export * from './scenarios/index.js';
export * from './explain.js';
export * from './timeline.js';
export * from './runner.js';
export * from './server.js';
export * from './client.js';
export * from './peer-io.js';
