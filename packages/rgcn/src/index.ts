/**
 * @bml/rgcn: graph convolutional encoders whose node features come from one
 * omics and whose edges come from the fused patient network (r-GCN), their
 * unimodal heads, and the training loop shared by every training stage.
 */
export * from './activation.js';
export * from './adam.js';
export * from './csr.js';
export * from './early-stopping.js';
export * from './forward.js';
export * from './init.js';
export * from './loss.js';
export * from './model.js';
export * from './predict.js';
export * from './propagate.js';
export * from './serialize.js';
export * from './tensors.js';
export * from './train-unimodal.js';
export * from './validate.js';
