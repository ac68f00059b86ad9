/**
 * The cross-modal self-distillation loss of a student encoder and head
 * against a frozen teacher:
 *
 *   L_KD = α · CE(y, p_s) + β · T² · KL(p_t^T ‖ p_s^T) + γ · (1/d) · ‖h_t − h_s‖²
 *
 * with p^T = softmax(z / T) and KL(p ‖ q) = Σ_c p_c (log p_c − log q_c),
 * each term averaged over its nodes. The T² factor keeps the gradient of
 * the soft term on the same scale for every T (Hinton, Vinyals & Dean,
 * 2015, "Distilling the knowledge in a neural network"). The feature term
 * is the squared Euclidean distance divided by the dimension d, which is
 * the mean squared error.
 */
import { InvalidInputError } from '@bml/core';
import { tf } from '@bml/core/tensor';

/** Weights of the three terms and the temperature. */
export interface DistillationWeights {
  /** Weight α of the cross-entropy with the labels. Default 1. */
  alpha?: number;
  /** Weight β of the temperature-softened KL divergence to the teacher. Default 1. */
  beta?: number;
  /** Weight γ of the embedding distance to the teacher. Default 0.5. */
  gamma?: number;
  /** Softmax temperature T of the KL term. Default 2. */
  temperature?: number;
}

/** Defaults of {@link DistillationWeights}. */
export const DEFAULT_DISTILLATION_WEIGHTS: Readonly<Required<DistillationWeights>> = Object.freeze({
  alpha: 1,
  beta: 1,
  gamma: 0.5,
  temperature: 2,
});

/** The loss and its three unweighted terms. */
export interface DistillationLossTerms {
  /** α · CE + β · T² · KL + γ · feature. */
  total: tf.Scalar;
  /** Mean cross-entropy over the labelled rows. */
  crossEntropy: tf.Scalar;
  /** Mean KL(p_t^T ‖ p_s^T) over the soft rows, without the T² factor. */
  kl: tf.Scalar;
  /** Mean of (1/d) ‖h_t − h_s‖² over the soft rows. */
  feature: tf.Scalar;
}

/**
 * Everything the loss needs from the teacher and the labels, fixed for a
 * whole training run and computed once: row weights are folded into the
 * target matrices, so an epoch needs no gather.
 */
export interface DistillationTargets {
  /** `n x C`: one-hot label / (number of labelled rows); zero rows elsewhere. */
  readonly labelTargets: tf.Tensor2D;
  /** `n x C`: p_t^T / (number of soft rows); zero rows elsewhere. */
  readonly softTargets: tf.Tensor2D;
  /** Σ over soft rows of their weight times Σ_c p_t log p_t, the constant part of the KL term. */
  readonly teacherNegEntropy: number;
  /** `n x d` teacher embedding. */
  readonly teacherEmbedding: tf.Tensor2D;
  /** `n x 1`: 1 / (number of soft rows · d) on soft rows, 0 elsewhere. */
  readonly featureWeights: tf.Tensor2D;
  /** Temperature T. */
  readonly temperature: number;
}

/** Fills defaults and checks the weights; `owner` names the package in messages. */
export function resolveDistillationWeights(
  weights: DistillationWeights = {},
  owner = '@bml/distill',
): Required<DistillationWeights> {
  const resolved = { ...DEFAULT_DISTILLATION_WEIGHTS, ...stripUndefined(weights) };
  for (const key of ['alpha', 'beta', 'gamma'] as const) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] >= 0)) {
      throw new InvalidInputError(`${owner}: ${key} must be a finite number >= 0, got ${resolved[key]}`, 'INVALID_OPTION');
    }
  }
  if (!(Number.isFinite(resolved.temperature) && resolved.temperature > 0)) {
    throw new InvalidInputError(
      `${owner}: temperature must be a finite number > 0, got ${resolved.temperature}`,
      'INVALID_OPTION',
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Builds the fixed targets from the teacher's logits and embedding (`n`
 * rows each), the labels (class code per row, negative for a row without a
 * label) and the rows of the KL and feature terms.
 */
export function buildDistillationTargets(
  teacherLogits: tf.Tensor2D,
  teacherEmbedding: tf.Tensor2D,
  labels: ArrayLike<number>,
  softRows: ArrayLike<number>,
  temperature: number,
): DistillationTargets {
  const [n, nClasses] = teacherLogits.shape;
  const d = teacherEmbedding.shape[1];
  const labelled: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i] >= 0) labelled.push(i);
  const labelTargets = new Float32Array(n * nClasses);
  for (const i of labelled) labelTargets[i * nClasses + labels[i]] = 1 / labelled.length;

  const logits = teacherLogits.dataSync();
  const softTargets = new Float32Array(n * nClasses);
  const featureWeights = new Float32Array(n);
  const rowWeight = 1 / softRows.length;
  let teacherNegEntropy = 0;
  for (let r = 0; r < softRows.length; r++) {
    const i = softRows[r];
    const p = softmaxRow(logits, i * nClasses, nClasses, temperature);
    for (let c = 0; c < nClasses; c++) {
      softTargets[i * nClasses + c] = p[c] * rowWeight;
      if (p[c] > 0) teacherNegEntropy += rowWeight * p[c] * Math.log(p[c]);
    }
    featureWeights[i] = rowWeight / d;
  }
  return {
    labelTargets: tf.tensor2d(labelTargets, [n, nClasses]),
    softTargets: tf.tensor2d(softTargets, [n, nClasses]),
    teacherNegEntropy,
    teacherEmbedding: tf.clone(teacherEmbedding),
    featureWeights: tf.tensor2d(featureWeights, [n, 1]),
    temperature,
  };
}

function softmaxRow(logits: ArrayLike<number>, offset: number, nClasses: number, temperature: number): Float64Array {
  const p = new Float64Array(nClasses);
  let max = -Infinity;
  for (let c = 0; c < nClasses; c++) max = Math.max(max, logits[offset + c] / temperature);
  let sum = 0;
  for (let c = 0; c < nClasses; c++) {
    p[c] = Math.exp(logits[offset + c] / temperature - max);
    sum += p[c];
  }
  for (let c = 0; c < nClasses; c++) p[c] /= sum;
  return p;
}

/** Frees the tensors of fixed targets. */
export function disposeDistillationTargets(targets: DistillationTargets): void {
  tf.dispose([targets.labelTargets, targets.softTargets, targets.teacherEmbedding, targets.featureWeights]);
}

/**
 * Returns the loss terms of a student's logits and embedding (already
 * projected to the teacher's width) against fixed targets. Call inside
 * `tf.tidy`.
 */
export function distillationTerms(
  studentLogits: tf.Tensor2D,
  studentEmbedding: tf.Tensor2D,
  targets: DistillationTargets,
  weights: Required<DistillationWeights>,
): DistillationLossTerms {
  const T = targets.temperature;
  const crossEntropy = tf.neg(tf.sum(tf.mul(targets.labelTargets, tf.logSoftmax(studentLogits)))) as tf.Scalar;
  const softLogProb = tf.logSoftmax(tf.div(studentLogits, T));
  const kl = tf.sub(targets.teacherNegEntropy, tf.sum(tf.mul(targets.softTargets, softLogProb))) as tf.Scalar;
  const squared = tf.square(tf.sub(targets.teacherEmbedding, studentEmbedding));
  const feature = tf.sum(tf.mul(squared, targets.featureWeights)) as tf.Scalar;
  const total = tf.addN([
    tf.mul(crossEntropy, weights.alpha),
    tf.mul(kl, weights.beta * T * T),
    tf.mul(feature, weights.gamma),
  ]) as tf.Scalar;
  return { total, crossEntropy, kl, feature };
}

/** Inputs of {@link distillationLoss}: `n` rows each. */
export interface DistillationLossInputs {
  /** `n x C` student logits. */
  studentLogits: tf.Tensor2D;
  /** `n x C` teacher logits (constants). */
  teacherLogits: tf.Tensor2D;
  /** `n x d` student embedding, projected to the teacher's width when they differ. */
  studentEmbedding: tf.Tensor2D;
  /** `n x d` teacher embedding (constants). */
  teacherEmbedding: tf.Tensor2D;
  /** Class code of each row; a negative code marks a row without a label, left out of the cross-entropy. */
  labels: ArrayLike<number>;
  /** Rows of the KL and feature terms. Default: the labelled rows. */
  softRows?: ArrayLike<number>;
}

/**
 * Computes the distillation loss L_KD and its terms for one set of student
 * and teacher outputs; differentiable in the student's tensors. For
 * training loops, {@link buildDistillationTargets} once plus
 * {@link distillationTerms} per epoch computes the same values.
 */
export function distillationLoss(inputs: DistillationLossInputs, weights: DistillationWeights = {}): DistillationLossTerms {
  const resolved = resolveDistillationWeights(weights);
  const [n, nClasses] = inputs.studentLogits.shape;
  const shapesMatch =
    inputs.teacherLogits.shape[0] === n &&
    inputs.teacherLogits.shape[1] === nClasses &&
    inputs.studentEmbedding.shape[0] === n &&
    inputs.teacherEmbedding.shape[0] === n &&
    inputs.studentEmbedding.shape[1] === inputs.teacherEmbedding.shape[1] &&
    inputs.labels.length === n;
  if (!shapesMatch) {
    throw new InvalidInputError(
      '@bml/distill: distillationLoss needs n x C logits, n x d embeddings and n labels for student and teacher ' +
        `alike; got student logits [${inputs.studentLogits.shape}], teacher logits [${inputs.teacherLogits.shape}], ` +
        `student embedding [${inputs.studentEmbedding.shape}], teacher embedding [${inputs.teacherEmbedding.shape}], ` +
        `${inputs.labels.length} labels`,
      'SHAPE_MISMATCH',
    );
  }
  for (let i = 0; i < n; i++) {
    const y = inputs.labels[i];
    if (!Number.isInteger(y) || y >= nClasses) {
      throw new InvalidInputError(
        `@bml/distill: label of row ${i} is ${y}; use a class code in 0..${nClasses - 1}, or -1 for no label`,
        'INVALID_LABEL',
      );
    }
  }
  let softRows = inputs.softRows;
  if (!softRows) {
    const labelled: number[] = [];
    for (let i = 0; i < n; i++) if (inputs.labels[i] >= 0) labelled.push(i);
    softRows = labelled;
  }
  const targets = buildDistillationTargets(
    inputs.teacherLogits,
    inputs.teacherEmbedding,
    inputs.labels,
    softRows,
    resolved.temperature,
  );
  try {
    return distillationTerms(inputs.studentLogits, inputs.studentEmbedding, targets, resolved);
  } finally {
    disposeDistillationTargets(targets);
  }
}
