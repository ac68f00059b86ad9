/**
 * Mutual information estimators: plug-in entropy, mutual information and
 * their normalised and chance-adjusted forms for label vectors, the KSG
 * k-nearest-neighbour estimator for continuous variables, and the
 * information coefficient of correlation. Neural bounds (InfoNCE, MINE) and
 * the gate scored with them are in the `@bml/mi/neural` entry, which loads
 * TensorFlow.js.
 */
export type { Label, LabelVector } from './labels.js';
export type { BiasCorrection, LogBase, PlugInOptions } from './units.js';
export { digamma, EULER_GAMMA, logGamma } from './special.js';
export { contingencyTable, type ContingencyTable } from './contingency.js';
export { entropy } from './entropy.js';
export { mutualInformation, mutualInformationFromTable } from './mutual-information.js';
export {
  MIN_ENTROPY_NATS,
  normalizedMutualInfo,
  type Normalization,
  type NormalizedMutualInfoOptions,
} from './normalized.js';
export {
  adjustedMutualInfo,
  expectedMutualInfo,
  type AdjustedMutualInfoOptions,
  type ExpectedMutualInfoOptions,
} from './adjusted.js';
export type { ContinuousInput } from './input.js';
export { ksgMutualInfo, type KsgOptions } from './ksg.js';
export { informationCoefficient } from './information-coefficient.js';
export {
  pairwiseInformation,
  pairwiseMutualInfo,
  type PairInformation,
  type PairwiseInformationOptions,
} from './pairwise.js';
export {
  mutualInformationGate,
  type GateEstimator,
  type GateResult,
  type KsgGateOptions,
  type LabelGateOptions,
} from './gate.js';
