/**
 * MINE: the Donsker-Varadhan lower bound on mutual information maximised
 * over an MLP critic T(x, y) (Belghazi et al. 2018, "Mutual information
 * neural estimation"), with the moving-average correction of the gradient.
 */
import { Rng, requireInput } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import type { ContinuousInput } from '../input.js';
import { mineBiasCorrectedLoss } from './bounds.js';
import { disposeSamples, prepareSamples, shuffledBatches, type PairedTensors } from './data.js';
import { createMlp, type Mlp } from './mlp.js';
import {
  requireFiniteResult,
  resolveNeuralOptions,
  resultInBase,
  type NeuralBoundOptions,
  type NeuralBoundResult,
  type ResolvedNeuralOptions,
} from './options.js';

/** Options of {@link mineBound}. */
export interface MineOptions extends NeuralBoundOptions {
  /** Rate of the exponential moving average of the denominator mean(exp(T)) over batches. Default 0.01. */
  movingAverageRate?: number;
  /**
   * Maximum number of (x, y) pairs from different samples used for the
   * product-of-marginals term of the final estimate. Default 250,000.
   */
  evaluationPairs?: number;
}

/** log(exp(a) + exp(b)) without overflow. */
function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** log of the mean of exp(values), without overflow. */
function logMeanExp(values: Float32Array | Float64Array): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - m);
  return m + Math.log(sum / values.length);
}

function applyToPairs(critic: Mlp, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return critic.apply(tf.concat([x, y], 1));
}

/**
 * Estimates the mutual information between paired samples of X and Y with
 * MINE, in nats (in bits when `base` is 2).
 *
 * Training: each batch of B pairs gives joint samples (x_i, y_i) and
 * product-of-marginals samples (x_i, y_pi(i)) with pi a seeded random
 * permutation of the batch. The gradient is that of the Donsker-Varadhan
 * bound mean(T_joint) - log mean(exp(T_marginal)) with the denominator
 * mean(exp(T_marginal)) replaced by its exponential moving average over
 * batches (rate `movingAverageRate`, started at the first batch's value),
 * which corrects the bias of the minibatch gradient.
 *
 * Estimate: the Donsker-Varadhan bound on the held-out samples, with T on
 * every held-out pair for the joint term and, for the marginal term, on the
 * pairs (x_i, y_(i+s) mod n) for shifts s = 1..S, where S is the largest
 * number up to n - 1 that keeps S n within `evaluationPairs` (at least 1).
 * With S = n - 1 these are all pairs of distinct samples.
 *
 * @param x - N x d_x samples of X (or N values)
 * @param y - N x d_y samples of Y (or N values), same samples in the same order
 * @throws InvalidInputError for mismatched or non-finite inputs and invalid options.
 * @throws NumericalError when training diverges.
 */
export async function mineBound(
  x: ContinuousInput,
  y: ContinuousInput,
  options: MineOptions = {},
): Promise<NeuralBoundResult> {
  const resolved = resolveNeuralOptions(options);
  const { movingAverageRate = 0.01, evaluationPairs = 250_000 } = options;
  requireInput(
    movingAverageRate > 0 && movingAverageRate <= 1,
    `@bml/mi: movingAverageRate must be in (0, 1], got ${movingAverageRate}`,
  );
  requireInput(
    Number.isInteger(evaluationPairs) && evaluationPairs >= 1,
    `@bml/mi: evaluationPairs must be a positive integer, got ${evaluationPairs}`,
  );
  await initBackend();
  const rng = new Rng(resolved.seed);
  const samples = prepareSamples(x, y, resolved, rng.fork('split'));
  const { train, evaluation } = samples;
  const inputWidth = train.x.shape[1] + train.y.shape[1];
  const critic = createMlp([inputWidth, ...resolved.hidden, 1], rng.fork('critic'));
  const optimizer = tf.train.adam(resolved.learningRate);
  try {
    const trainingHistory = trainCritic(critic, optimizer, train, resolved, movingAverageRate, rng);
    const estimate = evaluate(critic, evaluation, evaluationPairs);
    const result = requireFiniteResult({ estimate, trainingHistory, evaluationSamples: evaluation.n }, 'MINE');
    return resultInBase(result, resolved.base);
  } finally {
    optimizer.dispose();
    critic.dispose();
    disposeSamples(samples);
  }
}

/** Exponential moving average of mean(exp(T_marginal)) over batches, kept as its logarithm. */
class LogMovingAverage {
  private value: number | undefined;
  private readonly logRate: number;
  private readonly logKeep: number;

  constructor(rate: number) {
    this.logRate = Math.log(rate);
    this.logKeep = Math.log1p(-rate);
  }

  /** Adds one batch's log mean(exp(T_marginal)) and returns the updated log average. */
  update(batchLogMeanExp: number): number {
    this.value =
      this.value === undefined
        ? batchLogMeanExp
        : logAddExp(this.logKeep + this.value, this.logRate + batchLogMeanExp);
    return this.value;
  }
}

/** Trains the critic for the configured epochs and returns the mean training bound of each epoch. */
function trainCritic(
  critic: Mlp,
  optimizer: tf.Optimizer,
  train: PairedTensors,
  options: ResolvedNeuralOptions,
  movingAverageRate: number,
  rng: Rng,
): number[] {
  const batchSize = Math.min(options.batchSize, train.n);
  const batchRng = rng.fork('batches');
  const permutationRng = rng.fork('marginals');
  const average = new LogMovingAverage(movingAverageRate);
  const history: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let sum = 0;
    const batches = shuffledBatches(train.n, batchSize, batchRng);
    for (const rows of batches) {
      const permuted = Int32Array.from(permutationRng.shuffle(Array.from(rows)));
      sum += trainStep(critic, optimizer, train, rows, permuted, average);
    }
    history.push(sum / batches.length);
  }
  return history;
}

/**
 * Runs one Adam step on the batch `rows`, pairing each x with the y of
 * `permuted` for the product of marginals, and returns the batch's plain
 * Donsker-Varadhan bound.
 */
function trainStep(
  critic: Mlp,
  optimizer: tf.Optimizer,
  train: PairedTensors,
  rows: Int32Array,
  permuted: Int32Array,
  average: LogMovingAverage,
): number {
  const size = rows.length;
  return tf.tidy(() => {
    const x = tf.gather(train.x, tf.tensor1d(rows, 'int32'));
    const joint = tf.concat([x, tf.gather(train.y, tf.tensor1d(rows, 'int32'))], 1);
    const marginal = tf.concat([x, tf.gather(train.y, tf.tensor1d(permuted, 'int32'))], 1);
    let bound = 0;
    optimizer.minimize(
      () => {
        // One pass over joint and marginal pairs together, then split.
        const values = critic.apply(tf.concat([joint, marginal], 0));
        const tJoint = tf.slice(values, [0, 0], [size, 1]);
        const tMarginal = tf.slice(values, [size, 0], [size, 1]);
        const batchLogMeanExp = logMeanExp(tMarginal.dataSync() as Float32Array);
        const logMovingAverage = average.update(batchLogMeanExp);
        bound = tf.mean(tJoint).dataSync()[0] - batchLogMeanExp;
        return mineBiasCorrectedLoss(tJoint, tMarginal, logMovingAverage);
      },
      false,
      critic.variables,
    );
    return bound;
  });
}

/** Computes the Donsker-Varadhan bound of a trained critic on `data` (see {@link mineBound}). */
function evaluate(critic: Mlp, data: PairedTensors, evaluationPairs: number): number {
  const n = data.n;
  const shifts = Math.max(1, Math.min(n - 1, Math.floor(evaluationPairs / n)));
  const jointMean = tf.tidy(() => tf.mean(applyToPairs(critic, data.x, data.y)).dataSync()[0]);
  const marginal = new Float64Array(shifts * n);
  for (let s = 1; s <= shifts; s++) {
    const shifted = Int32Array.from({ length: n }, (_, i) => (i + s) % n);
    const values = tf.tidy(() =>
      applyToPairs(critic, data.x, tf.gather(data.y, tf.tensor1d(shifted, 'int32'))).dataSync(),
    );
    marginal.set(values, (s - 1) * n);
  }
  return jointMean - logMeanExp(marginal);
}
