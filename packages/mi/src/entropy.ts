/**
 * Plug-in (maximum-likelihood) Shannon entropy of a label vector, with the
 * optional Miller-Madow bias correction (Miller 1955).
 */
import { encodeLabels, type LabelVector } from './labels.js';
import { fromNats, readPlugInOptions, type BiasCorrection, type PlugInOptions } from './units.js';

/**
 * Computes the entropy in nats of a distribution given by non-negative counts
 * that sum to `total`. Empty bins contribute 0 (0 log 0 = 0), and a zero total gives 0.
 */
export function entropyFromCounts(
  counts: ArrayLike<number>,
  total: number,
  correction: BiasCorrection,
): number {
  if (!(total > 0)) return 0;
  let sum = 0;
  let occupied = 0;
  const logTotal = Math.log(total);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0) {
      sum += c * (Math.log(c) - logTotal);
      occupied++;
    }
  }
  const plugIn = Math.max(0, -sum / total);
  return correction === 'millerMadow' ? plugIn + (occupied - 1) / (2 * total) : plugIn;
}

/**
 * Computes the entropy H = -sum_c p_c log p_c of a label vector from its
 * label frequencies p_c. An empty vector has entropy 0.
 *
 * @example
 * entropy(['a', 'a', 'b', 'b'], { base: 2 }); // 1 bit
 * @throws InvalidInputError when a label is neither a finite number nor a string.
 */
export function entropy(labels: LabelVector, options: PlugInOptions = {}): number {
  const { base, correction } = readPlugInOptions(options);
  const { codes, labels: distinct } = encodeLabels(labels);
  const counts = new Float64Array(distinct.length);
  for (let i = 0; i < codes.length; i++) counts[codes[i]] += 1;
  return fromNats(entropyFromCounts(counts, codes.length, correction), base);
}
