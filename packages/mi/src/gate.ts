/**
 * A mutual information gate: whether a low-information modality shares
 * enough information with the strong one to learn from it.
 */
import { requireInput } from '@bml/core';
import { adjustedMutualInfo } from './adjusted.js';
import { informationCoefficient } from './information-coefficient.js';
import type { ContinuousInput } from './input.js';
import { ksgMutualInfo, type KsgOptions } from './ksg.js';
import type { LabelVector } from './labels.js';
import { normalizedMutualInfo } from './normalized.js';

/** Gate on label vectors (predicted classes) with normalised or adjusted mutual information. */
export interface LabelGateOptions {
  /** Predicted labels of the low-information modality. */
  low: LabelVector;
  /** Predicted labels of the strong modality, for the same samples in the same order. */
  strong: LabelVector;
  /** Value the score must exceed. Default 0.2. */
  threshold?: number;
  /** `'nmi'` (arithmetic normalisation) or `'ami'`. Default `'nmi'`. */
  estimator?: 'nmi' | 'ami';
}

/** Gate on continuous outputs with the KSG estimate mapped to the information coefficient. */
export interface KsgGateOptions {
  /** Outputs of the low-information modality (for example class probabilities), samples as rows. */
  low: ContinuousInput;
  /** Outputs of the strong modality, for the same samples in the same order. */
  strong: ContinuousInput;
  /** Value the information coefficient must exceed. Default 0.2. */
  threshold?: number;
  /** `'ksg'`. */
  estimator: 'ksg';
  /** Options of the KSG estimator. Default `{}` (k = 3). The estimate is always taken in nats. */
  ksg?: KsgOptions;
}

/** Estimators a gate can score with: the first three in this entry, the neural ones in `@bml/mi/neural`. */
export type GateEstimator = 'nmi' | 'ami' | 'ksg' | 'infonce' | 'mine';

/** Outcome of {@link mutualInformationGate} and of the neural gate of `@bml/mi/neural`. */
export interface GateResult {
  /**
   * Score compared with the threshold: NMI, AMI or the information coefficient of a
   * continuous estimate, all at most 1 (AMI may be negative).
   */
  value: number;
  /**
   * Estimate the score comes from: the NMI or AMI itself, or the KSG or neural
   * estimate in nats, which `value` maps onto [0, 1].
   */
  estimate: number;
  /** Whether `value > threshold`. */
  passed: boolean;
  /** Estimator used. */
  estimator: GateEstimator;
  /** Threshold used. */
  threshold: number;
}

/**
 * Scores the information shared by a low-information and a strong modality
 * and compares it with a threshold (strictly greater passes). The default
 * reads "mutual information above 0.2" on the normalised scale, so it does
 * not depend on units or on the number of classes.
 *
 * @throws InvalidInputError for a threshold that is not finite, an unknown
 *   estimator, or inputs the estimator rejects.
 */
export function mutualInformationGate(options: LabelGateOptions | KsgGateOptions): GateResult {
  const { threshold = 0.2, estimator = 'nmi' } = options;
  requireInput(
    Number.isFinite(threshold),
    `@bml/mi: gate threshold must be a finite number, got ${threshold}`,
  );
  let estimate: number;
  if (options.estimator === 'ksg') {
    estimate = ksgMutualInfo(options.low, options.strong, { ...options.ksg, base: 'e' });
  } else if (estimator === 'nmi') {
    estimate = normalizedMutualInfo(options.low as LabelVector, options.strong as LabelVector);
  } else if (estimator === 'ami') {
    estimate = adjustedMutualInfo(options.low as LabelVector, options.strong as LabelVector);
  } else {
    requireInput(
      false,
      `@bml/mi: gate estimator must be 'nmi', 'ami' or 'ksg', got ${String(estimator)}. ` +
        `For 'infonce' or 'mine' call neuralMutualInformationGate from @bml/mi/neural.`,
    );
  }
  const value = estimator === 'ksg' ? informationCoefficient(estimate) : estimate;
  return { value, estimate, passed: value > threshold, estimator, threshold };
}
