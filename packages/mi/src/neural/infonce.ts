/**
 * InfoNCE lower bound on mutual information (van den Oord et al. 2018,
 * "Representation learning with contrastive predictive coding") with a
 * separable critic f(x, y) = g(x) . h(y), where g and h are MLPs.
 */
import { Rng, requireInput } from '@bml/core';
import { initBackend, matMul, tf } from '@bml/core/tensor';
import type { ContinuousInput } from '../input.js';
import { fromNats } from '../units.js';
import { infoNceLoss } from './bounds.js';
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

/** Options of {@link infoNceBound}. */
export interface InfoNceOptions extends NeuralBoundOptions {
  /** Output width of the two critic networks g and h, whose dot product is the score. Default 32. */
  embedding?: number;
}

/** Estimate of the InfoNCE bound. */
export interface InfoNceResult extends NeuralBoundResult {
  /** Batch size B of the evaluation batches. */
  evaluationBatchSize: number;
  /** log B of the evaluation batches, in the unit of `estimate`: the estimate never exceeds it. */
  upperLimit: number;
}

interface SeparableCritic {
  x: Mlp;
  y: Mlp;
}

function scoreMatrix(critic: SeparableCritic, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return matMul(critic.x.apply(x), tf.transpose(critic.y.apply(y)));
}

function batchLoss(critic: SeparableCritic, data: PairedTensors, rows: Int32Array): tf.Scalar {
  const index = tf.tensor1d(rows, 'int32');
  return infoNceLoss(scoreMatrix(critic, tf.gather(data.x, index), tf.gather(data.y, index)));
}

/**
 * Estimates the mutual information between paired samples of X and Y with
 * the InfoNCE bound I >= log B - L_NCE, in nats (in bits when `base` is
 * 2). The critic is trained with Adam on batches of B pairs (the other
 * B - 1 samples of y in a batch are the negatives of each x).
 *
 * The estimate is the mean bound over the held-out samples split at random
 * into batches of B' = min(batchSize, held-out count) pairs (a remainder that
 * does not fill a batch is left out). Each batch's bound is clipped at
 * log B' against float32 rounding, so the estimate never exceeds log B'. That
 * cap makes InfoNCE underestimate any mutual information near or above it.
 *
 * @param x - N x d_x samples of X (or N values)
 * @param y - N x d_y samples of Y (or N values), same samples in the same order
 * @throws InvalidInputError for mismatched or non-finite inputs and invalid options.
 * @throws NumericalError when training diverges.
 */
export async function infoNceBound(
  x: ContinuousInput,
  y: ContinuousInput,
  options: InfoNceOptions = {},
): Promise<InfoNceResult> {
  const resolved = resolveNeuralOptions(options);
  const { embedding = 32 } = options;
  requireInput(
    Number.isInteger(embedding) && embedding >= 1,
    `@bml/mi: embedding must be a positive integer, got ${embedding}`,
  );
  await initBackend();
  const rng = new Rng(resolved.seed);
  const samples = prepareSamples(x, y, resolved, rng.fork('split'));
  const { train, evaluation } = samples;
  const initRng = rng.fork('critic');
  const critic: SeparableCritic = {
    x: createMlp([train.x.shape[1], ...resolved.hidden, embedding], initRng),
    y: createMlp([train.y.shape[1], ...resolved.hidden, embedding], initRng),
  };
  const optimizer = tf.train.adam(resolved.learningRate);
  try {
    const trainingHistory = trainCritic(critic, optimizer, train, resolved, rng.fork('batches'));
    const evaluated = evaluate(critic, evaluation, resolved.batchSize, rng.fork('evaluation'));
    const result = resultInBase(requireFiniteResult({ ...evaluated, trainingHistory }, 'InfoNCE'), resolved.base);
    return { ...result, upperLimit: fromNats(result.upperLimit, resolved.base) };
  } finally {
    optimizer.dispose();
    critic.x.dispose();
    critic.y.dispose();
    disposeSamples(samples);
  }
}

/** Trains the critic for the configured epochs and returns the mean training bound of each epoch. */
function trainCritic(
  critic: SeparableCritic,
  optimizer: tf.Optimizer,
  train: PairedTensors,
  options: ResolvedNeuralOptions,
  batchRng: Rng,
): number[] {
  const batchSize = Math.min(options.batchSize, train.n);
  const variables = [...critic.x.variables, ...critic.y.variables];
  const history: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let sum = 0;
    const batches = shuffledBatches(train.n, batchSize, batchRng);
    for (const rows of batches) {
      const loss = tf.tidy(() => {
        const cost = optimizer.minimize(() => batchLoss(critic, train, rows), true, variables) as tf.Scalar;
        return cost.dataSync()[0];
      });
      sum += Math.log(batchSize) - loss;
    }
    history.push(sum / batches.length);
  }
  return history;
}

/** Computes the mean InfoNCE bound over random batches of `data` (see {@link infoNceBound}). */
function evaluate(
  critic: SeparableCritic,
  data: PairedTensors,
  batchSize: number,
  rng: Rng,
): Omit<InfoNceResult, 'trainingHistory'> {
  const size = Math.min(batchSize, data.n);
  const upperLimit = Math.log(size);
  const batches = shuffledBatches(data.n, size, rng);
  let sum = 0;
  for (const rows of batches) {
    const loss = tf.tidy(() => batchLoss(critic, data, rows).dataSync()[0]);
    sum += Math.min(upperLimit, upperLimit - loss);
  }
  const evaluationSamples = batches.length * size;
  return { estimate: sum / batches.length, evaluationSamples, evaluationBatchSize: size, upperLimit };
}
