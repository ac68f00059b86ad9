/**
 * The mutual information gate scored with a neural lower bound (InfoNCE or
 * MINE) between continuous outputs of two modalities.
 */
import { requireInput } from '@bml/core';
import type { GateResult } from '../gate.js';
import { informationCoefficient } from '../information-coefficient.js';
import type { ContinuousInput } from '../input.js';
import { infoNceBound, type InfoNceOptions } from './infonce.js';
import { mineBound, type MineOptions } from './mine.js';

/** Options of {@link neuralMutualInformationGate}. */
export interface NeuralGateOptions {
  /** Outputs of the low-information modality (for example class probabilities), samples as rows. */
  low: ContinuousInput;
  /** Outputs of the strong modality, for the same samples in the same order. */
  strong: ContinuousInput;
  /** `'infonce'` or `'mine'`. */
  estimator: 'infonce' | 'mine';
  /** Value the information coefficient of the estimate must exceed. Default 0.2. */
  threshold?: number;
  /**
   * Options of the bound (see {@link infoNceBound} and {@link mineBound}). Default `{}`. The estimate is
   * always taken in nats, whatever `base` is.
   */
  neural?: InfoNceOptions & MineOptions;
}

/**
 * Scores the information shared by a low-information and a strong modality
 * with a neural lower bound and compares it with a threshold (strictly
 * greater passes). The score is the information coefficient
 * sqrt(1 - exp(-2 I)) of the estimate I in nats, so the threshold is on the
 * same [0, 1] scale as the KSG gate. A negative estimate scores 0.
 *
 * @throws InvalidInputError for a threshold that is not finite, an unknown estimator, or inputs and
 *   options the bound rejects.
 * @throws NumericalError when training the critic diverges.
 */
export async function neuralMutualInformationGate(options: NeuralGateOptions): Promise<GateResult> {
  const { threshold = 0.2, estimator, neural = {} } = options;
  requireInput(
    Number.isFinite(threshold),
    `@bml/mi: gate threshold must be a finite number, got ${threshold}`,
  );
  requireInput(
    estimator === 'infonce' || estimator === 'mine',
    `@bml/mi: neural gate estimator must be 'infonce' or 'mine', got ${String(estimator)}`,
  );
  const bound = estimator === 'infonce' ? infoNceBound : mineBound;
  const { estimate } = await bound(options.low, options.strong, { ...neural, base: 'e' });
  const value = informationCoefficient(estimate);
  return { value, estimate, passed: value > threshold, estimator, threshold };
}
