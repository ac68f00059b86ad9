export * from './distance.js';
export * from './affinity.js';
export * from './fuse.js';
export * from './symmetric.js';
export { topK, numpyPercentile, kthSmallest } from './select.js';
export { wasmAvailable, type EngineChoice } from './engine/select.js';
export type { LargeKPolicy, WarningSink } from './validate.js';
export * from './graph.js';
export * from './attach.js';
