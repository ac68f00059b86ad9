/**
 * Cross-entropy over a subset of nodes, written as one constant target
 * matrix so that no gather (whose gradient the wasm backend lacks) is
 * needed: CE = −Σ_i Σ_c T_ic · log softmax(z_i)_c, where row i of T is the
 * one-hot label of node i times its weight, and zero for nodes outside the
 * subset.
 */
import { macroF1 } from '@bml/core';
import { tf } from '@bml/core/tensor';

/**
 * Per-sample weighting of the cross-entropy. `none` gives the plain mean.
 * `inverse` weights class c by n / (C · n_c), scikit-learn's `balanced`
 * weights, so each class contributes equally.
 */
export type ClassWeighting = 'none' | 'inverse';

/** Returns the weight of each class over the labels of `rows` (0 for a class absent from them). */
export function classWeights(
  labels: ArrayLike<number>,
  rows: ArrayLike<number>,
  nClasses: number,
  weighting: ClassWeighting = 'none',
): Float64Array {
  const weights = new Float64Array(nClasses);
  if (weighting === 'none') return weights.fill(1);
  const counts = new Float64Array(nClasses);
  for (let r = 0; r < rows.length; r++) counts[labels[rows[r]]]++;
  for (let c = 0; c < nClasses; c++) weights[c] = counts[c] > 0 ? rows.length / (nClasses * counts[c]) : 0;
  return weights;
}

/**
 * Builds the `nodes x nClasses` target matrix of a weighted mean
 * cross-entropy over `rows`: row i is the one-hot label of node i times
 * w(y_i) / Σ_j w(y_j), the weighted mean of PyTorch's `CrossEntropyLoss`.
 */
export function crossEntropyTargets(
  labels: ArrayLike<number>,
  rows: ArrayLike<number>,
  nodes: number,
  nClasses: number,
  weighting: ClassWeighting = 'none',
): tf.Tensor2D {
  const weights = classWeights(labels, rows, nClasses, weighting);
  let total = 0;
  for (let r = 0; r < rows.length; r++) total += weights[labels[rows[r]]];
  const targets = new Float32Array(nodes * nClasses);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    targets[i * nClasses + labels[i]] = weights[labels[i]] / total;
  }
  return tf.tensor2d(targets, [nodes, nClasses]);
}

/** Returns −Σ targets ⊙ log softmax(logits): the weighted mean cross-entropy for targets from {@link crossEntropyTargets}. */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)))) as tf.Scalar;
}

/** Classification quality of a set of nodes, computed on the host in float64. */
export interface NodeScore {
  /** Macro-F1 over the nodes. */
  macroF1: number;
  /** Mean cross-entropy over the nodes (unweighted). */
  loss: number;
  /** Predicted class of each node, in the order of the rows given. */
  pred: Int32Array;
}

/**
 * Scores row-major `logits` (`nodes x nClasses`, downloaded) on the nodes
 * `rows` against `labels` (indexed by node).
 */
export function scoreLogits(
  logits: ArrayLike<number>,
  nClasses: number,
  labels: ArrayLike<number>,
  rows: ArrayLike<number>,
): NodeScore {
  const pred = new Int32Array(rows.length);
  const truth = new Int32Array(rows.length);
  let lossSum = 0;
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * nClasses;
    let best = 0;
    let max = -Infinity;
    for (let c = 0; c < nClasses; c++) {
      const z = logits[base + c];
      if (z > max) {
        max = z;
        best = c;
      }
    }
    let sumExp = 0;
    for (let c = 0; c < nClasses; c++) sumExp += Math.exp(logits[base + c] - max);
    const y = labels[rows[r]];
    lossSum += max + Math.log(sumExp) - logits[base + y];
    pred[r] = best;
    truth[r] = y;
  }
  const loss = rows.length > 0 ? lossSum / rows.length : Number.NaN;
  return { macroF1: macroF1(truth, pred, nClasses).macroF1, loss, pred };
}
