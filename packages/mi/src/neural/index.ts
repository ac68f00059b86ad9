/**
 * Neural lower bounds on mutual information, trained with TensorFlow.js:
 * InfoNCE and MINE (Donsker-Varadhan), plus the bounds as differentiable
 * functions of critic outputs and a gate scored with either bound.
 * Importing this entry loads TensorFlow.js.
 */
export { dvBound, infoNceLoss, mineBiasCorrectedLoss } from './bounds.js';
export { neuralMutualInformationGate, type NeuralGateOptions } from './gate.js';
export { infoNceBound, type InfoNceOptions, type InfoNceResult } from './infonce.js';
export { mineBound, type MineOptions } from './mine.js';
export type { NeuralBoundOptions, NeuralBoundResult } from './options.js';
