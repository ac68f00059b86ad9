/**
 * Preparation of paired samples for the neural bounds: validation, split
 * into training and held-out parts, standardisation and batching.
 */
import { requireInput, type Matrix, type Rng } from '@bml/core';
import { tf } from '@bml/core/tensor';
import { asMatrix, type ContinuousInput } from '../input.js';
import type { ResolvedNeuralOptions } from './options.js';

/** Samples of X and Y as float32 tensors, rows paired. */
export interface PairedTensors {
  /** Samples of X. */
  x: tf.Tensor2D;
  /** Samples of Y. */
  y: tf.Tensor2D;
  /** Number of samples. */
  n: number;
}

/** Training and evaluation parts of the samples. */
export interface PreparedSamples {
  /** Samples the critic is trained on. */
  train: PairedTensors;
  /** Samples the estimate is computed on (the training part when nothing is held out). */
  evaluation: PairedTensors;
  /** Whether `evaluation` is a held-out part. */
  heldOut: boolean;
}

// Below this many samples in a part, a batch has too few negatives to train or evaluate a bound.
const MIN_PART_SAMPLES = 2;

function columnScaling(
  m: Matrix,
  rows: Int32Array,
  standardize: boolean,
): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(m.cols);
  const scale = new Float64Array(m.cols).fill(1);
  if (!standardize) return { mean, scale };
  for (const i of rows) for (let c = 0; c < m.cols; c++) mean[c] += m.data[i * m.cols + c] / rows.length;
  for (let c = 0; c < m.cols; c++) {
    let squares = 0;
    for (const i of rows) squares += (m.data[i * m.cols + c] - mean[c]) ** 2;
    const sd = Math.sqrt(squares / Math.max(1, rows.length - 1));
    scale[c] = sd > 0 ? 1 / sd : 1;
  }
  return { mean, scale };
}

function toTensor(
  m: Matrix,
  rows: Int32Array,
  scaling: { mean: Float64Array; scale: Float64Array },
): tf.Tensor2D {
  const values = new Float32Array(rows.length * m.cols);
  rows.forEach((i, r) => {
    for (let c = 0; c < m.cols; c++) {
      values[r * m.cols + c] = (m.data[i * m.cols + c] - scaling.mean[c]) * scaling.scale[c];
    }
  });
  return tf.tensor2d(values, [rows.length, m.cols]);
}

/**
 * Validates the samples, splits them at random into training and held-out
 * parts, and converts both to tensors standardised with the training part.
 *
 * @throws InvalidInputError when the sample counts differ, a value is not finite or a part would be
 *   too small.
 */
export function prepareSamples(
  x: ContinuousInput,
  y: ContinuousInput,
  options: ResolvedNeuralOptions,
  rng: Rng,
): PreparedSamples {
  const mx = asMatrix(x);
  const my = asMatrix(y);
  const n = mx.rows;
  requireInput(
    my.rows === n,
    `@bml/mi: x and y have different numbers of samples (x: ${n}, y: ${my.rows}). Pass the same samples in the same order.`,
  );
  requireInput(
    mx.cols > 0 && my.cols > 0,
    `@bml/mi: x and y need at least one column (x: ${mx.cols}, y: ${my.cols})`,
  );
  for (const [name, m] of [
    ['x', mx],
    ['y', my],
  ] as const) {
    const bad = m.data.findIndex((v) => !Number.isFinite(v));
    requireInput(
      bad < 0,
      `@bml/mi: ${name} has a non-finite value at row ${Math.floor(bad / m.cols)}, column ${
        bad % m.cols
      }. Impute or drop it first.`,
    );
  }

  const heldOutCount = Math.round(n * options.heldOutFraction);
  const trainCount = n - heldOutCount;
  requireInput(
    trainCount >= MIN_PART_SAMPLES && (options.heldOutFraction === 0 || heldOutCount >= MIN_PART_SAMPLES),
    `@bml/mi: ${n} samples with heldOutFraction ${options.heldOutFraction} leave ${trainCount} for training and ` +
      `${heldOutCount} held out. Pass more samples or change heldOutFraction.`,
  );
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const trainRows = Int32Array.from(order.slice(0, trainCount));
  const heldOutRows = Int32Array.from(order.slice(trainCount));
  const scaleX = columnScaling(mx, trainRows, options.standardize);
  const scaleY = columnScaling(my, trainRows, options.standardize);
  const train = { x: toTensor(mx, trainRows, scaleX), y: toTensor(my, trainRows, scaleY), n: trainCount };
  if (heldOutCount === 0) return { train, evaluation: train, heldOut: false };
  const evaluation = {
    x: toTensor(mx, heldOutRows, scaleX),
    y: toTensor(my, heldOutRows, scaleY),
    n: heldOutCount,
  };
  return { train, evaluation, heldOut: true };
}

/** Frees the tensors of prepared samples. */
export function disposeSamples(samples: PreparedSamples): void {
  samples.train.x.dispose();
  samples.train.y.dispose();
  if (samples.heldOut) {
    samples.evaluation.x.dispose();
    samples.evaluation.y.dispose();
  }
}

/**
 * Splits a fresh random order of `n` samples into batches of `size`,
 * dropping the remainder so that every batch has the same size.
 */
export function shuffledBatches(n: number, size: number, rng: Rng): Int32Array[] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const batches: Int32Array[] = [];
  for (let start = 0; start + size <= n; start += size)
    batches.push(Int32Array.from(order.slice(start, start + size)));
  return batches;
}
