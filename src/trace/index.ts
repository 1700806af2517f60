/**
 * @module trace
 * The kernel lens: tracefs tracepoints as `TimelineEvent`s (`traceTcp`), the pure trace_pipe
 * parser and assembler, and the explanation catalog. This file only re-exports (internals such as
 * the pipe reader, owner cache and field readers stay importable from their own files).
 */
export * from './types.js';
export * from './tracer.js';
export * from './line.js';
export * from './format.js';
export * from './assemble.js';
export * from './clock.js';
export * from './explain.js';
export * from './names.js';
export {
  destroyInstance,
  enabledEvents,
  readCpuStats,
  readEventFormat,
  removeStaleInstances,
  resolveTracefs,
} from './tracefs.js';
export * from './render.js';
export * from './poll.js';
