/**
 * Mutual information adjusted for chance (Vinh, Epps & Bailey 2010): the
 * expected mutual information of two labellings under the permutation
 * (hypergeometric) model with fixed cluster sizes is subtracted, so random
 * labellings score about 0 whatever their number of clusters.
 */
import { entropyFromCounts } from './entropy.js';
import type { LabelVector } from './labels.js';
import { countLabelPairs } from './joint-counts.js';
import { mutualInformationNats } from './mutual-information.js';
import { generalizedMean, MIN_ENTROPY_NATS, type Normalization } from './normalized.js';
import { logFactorialTable } from './special.js';
import { fromNats, readPlugInOptions, type LogBase } from './units.js';

/** Options of {@link adjustedMutualInfo}. */
export interface AdjustedMutualInfoOptions {
  /**
   * Mean of the two entropies in the denominator. Default `'arithmetic'` (scikit-learn's default since
   * 0.22).
   */
  normalization?: Normalization;
}

/** Options of {@link expectedMutualInfo}. */
export interface ExpectedMutualInfoOptions {
  /** Base of the logarithm: `'e'` for nats, `2` for bits. Default `'e'`. */
  base?: LogBase;
}

// Relative gap between the normaliser and the expected mutual information
// below which the adjustment is treated as undefined. Rounding in the
// log-factorial differences reaches about 1e-10 relative at 1e5 samples.
const UNDEFINED_ADJUSTMENT_GAP = 1e-8;

function sizeMultiplicities(sums: Float64Array): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const s of sums) if (s > 0) sizes.set(s, (sizes.get(s) ?? 0) + 1);
  return sizes;
}

/**
 * Computes the expected mutual information in nats of two labellings with
 * cluster sizes `rowSums` and `colSums` (integers summing to `n`) under
 * random permutation. Sums over every cell and every feasible count
 * n_ij = max(1, a_i + b_j - n) .. min(a_i, b_j) of
 * (n_ij / n) log(n n_ij / (a_i b_j)) times the hypergeometric probability of
 * n_ij, which is evaluated through log-factorials. Clusters of equal size give
 * equal terms, so each pair of distinct sizes is summed once.
 */
export function expectedMutualInfoNats(rowSums: Float64Array, colSums: Float64Array, n: number): number {
  if (n <= 1) return 0;
  const logFactorial = logFactorialTable(n);
  const logN = Math.log(n);
  let expected = 0;
  for (const [a, rowCount] of sizeMultiplicities(rowSums)) {
    for (const [b, colCount] of sizeMultiplicities(colSums)) {
      const logCommon =
        logFactorial[a] + logFactorial[b] + logFactorial[n - a] + logFactorial[n - b] - logFactorial[n];
      const logAB = Math.log(a) + Math.log(b);
      let cell = 0;
      for (let nij = Math.max(1, a + b - n); nij <= Math.min(a, b); nij++) {
        const logProbability =
          logCommon -
          logFactorial[nij] -
          logFactorial[a - nij] -
          logFactorial[b - nij] -
          logFactorial[n - a - b + nij];
        cell += (nij / n) * (logN + Math.log(nij) - logAB) * Math.exp(logProbability);
      }
      expected += rowCount * colCount * cell;
    }
  }
  return expected;
}

/**
 * Computes the expected mutual information of two labellings under random
 * permutation of one of them (their cluster sizes fixed), as used by
 * {@link adjustedMutualInfo}. Empty vectors give 0.
 *
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function expectedMutualInfo(
  a: LabelVector,
  b: LabelVector,
  options: ExpectedMutualInfoOptions = {},
): number {
  const { base } = readPlugInOptions({ base: options.base });
  const { rowSums, colSums, total } = countLabelPairs(a, b);
  return fromNats(expectedMutualInfoNats(rowSums, colSums, total), base);
}

/**
 * Computes the adjusted mutual information
 * AMI = (I - E[I]) / (mean(H(a), H(b)) - E[I]) (Vinh, Epps & Bailey 2010),
 * with E[I] the exact expected mutual information under the hypergeometric
 * model. The value is 1 for identical partitions, about 0 for independent
 * ones, and may be negative. It matches scikit-learn's
 * `adjusted_mutual_info_score` except in two documented cases, both of which
 * return 0: either entropy below {@link MIN_ENTROPY_NATS} (scikit-learn
 * returns 1 when both labellings are constant), and a denominator within
 * 1e-8 (relative) of 0, which happens when every permutation gives the same
 * mutual information (for example when all labels are distinct).
 *
 * @example
 * adjustedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1]); // -0.5
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function adjustedMutualInfo(
  a: LabelVector,
  b: LabelVector,
  options: AdjustedMutualInfoOptions = {},
): number {
  const { normalization = 'arithmetic' } = options;
  const joint = countLabelPairs(a, b);
  const ha = entropyFromCounts(joint.rowSums, joint.total, 'none');
  const hb = entropyFromCounts(joint.colSums, joint.total, 'none');
  const normalizer = generalizedMean(ha, hb, normalization);
  if (ha < MIN_ENTROPY_NATS || hb < MIN_ENTROPY_NATS) return 0;

  const mi = mutualInformationNats(joint, 'none');
  const expected = expectedMutualInfoNats(joint.rowSums, joint.colSums, joint.total);
  const denominator = normalizer - expected;
  if (Math.abs(denominator) <= UNDEFINED_ADJUSTMENT_GAP * normalizer) return 0;
  return Math.min(1, (mi - expected) / denominator);
}
