/**
 * @bml/balance: learning state of each omics, the mutual information gate,
 * F1-based loss weights and multitask-like training of a fused classifier.
 */
export * from './fusion.js';
export * from './gate.js';
export * from './model.js';
export * from './state.js';
export * from './train-multitask.js';
export * from './weights.js';
