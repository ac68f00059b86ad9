/**
 * @bml/distill: cross-modal self-distillation. The encoder and head of a
 * weak omics (the student) learn from the frozen encoder and head of the
 * strong omics (the teacher) on the shared patient graph.
 */
export * from './distill.js';
export * from './loss.js';
