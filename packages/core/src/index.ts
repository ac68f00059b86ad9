export * from './errors.js';
export * from './warnings.js';
export * from './rng.js';
export * from './matrix.js';
export * from './stats.js';
export * from './metrics.js';
export * from './sparse.js';
export * from './markers.js';
