/**
 * Normalised mutual information: the plug-in mutual information divided by a
 * generalised mean of the two label entropies, so that it lies in [0, 1] and
 * does not depend on the base of the logarithm.
 */
import { requireInput } from '@bml/core';
import { entropyFromCounts } from './entropy.js';
import type { LabelVector } from './labels.js';
import { countLabelPairs } from './joint-counts.js';
import { mutualInformationNats } from './mutual-information.js';
import { readPlugInOptions, type BiasCorrection } from './units.js';

/**
 * Mean of the two entropies that normalises mutual information:
 * `arithmetic` (H_a + H_b) / 2, `geometric` sqrt(H_a H_b), `max` or `min`.
 */
export type Normalization = 'arithmetic' | 'geometric' | 'max' | 'min';

/**
 * Entropy in nats below which a label vector counts as constant. Its
 * normalised and adjusted mutual information with anything is then 0.
 */
export const MIN_ENTROPY_NATS = 1e-6;

/** Options of {@link normalizedMutualInfo}. */
export interface NormalizedMutualInfoOptions {
  /** Mean of the two entropies in the denominator. Default `'arithmetic'`. */
  normalization?: Normalization;
  /** Bias correction applied to the mutual information and both entropies. Default `'none'`. */
  correction?: BiasCorrection;
}

/**
 * Computes the generalised mean of two entropies.
 *
 * @throws InvalidInputError for an unknown normalization.
 */
export function generalizedMean(ha: number, hb: number, normalization: Normalization): number {
  switch (normalization) {
    case 'arithmetic':
      return (ha + hb) / 2;
    case 'geometric':
      return Math.sqrt(ha * hb);
    case 'max':
      return Math.max(ha, hb);
    case 'min':
      return Math.min(ha, hb);
    default:
      requireInput(
        false,
        `@bml/mi: normalization must be 'arithmetic', 'geometric', 'max' or 'min', got ${String(
          normalization,
        )}`,
      );
  }
}

/**
 * Computes the normalised mutual information NMI = I(a; b) / mean(H(a), H(b)).
 *
 * With the default options this equals scikit-learn's
 * `normalized_mutual_info_score` except in one case: when either entropy is
 * below {@link MIN_ENTROPY_NATS} (a constant labelling, or an empty one) the
 * result is 0, where scikit-learn returns 1 if both labellings are constant.
 * A constant prediction shares no class information, so 0 is the safe value
 * for a gate. The plug-in value is clipped to [0, 1] against rounding. With
 * the Miller-Madow correction it may fall below 0 and is left there.
 *
 * @example
 * normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0]); // 1, up to rounding
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function normalizedMutualInfo(
  a: LabelVector,
  b: LabelVector,
  options: NormalizedMutualInfoOptions = {},
): number {
  const { normalization = 'arithmetic' } = options;
  const { correction } = readPlugInOptions({ correction: options.correction });
  const joint = countLabelPairs(a, b);
  const ha = entropyFromCounts(joint.rowSums, joint.total, correction);
  const hb = entropyFromCounts(joint.colSums, joint.total, correction);
  const denominator = generalizedMean(ha, hb, normalization);
  if (ha < MIN_ENTROPY_NATS || hb < MIN_ENTROPY_NATS) return 0;

  const mi = mutualInformationNats(joint, correction);
  const nmi = Math.min(1, mi / denominator);
  return correction === 'none' ? Math.max(0, nmi) : nmi;
}
