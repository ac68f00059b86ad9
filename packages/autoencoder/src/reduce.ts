import { createMatrix, InvalidInputError } from '@bml/core';
import type { BmlWarning, Matrix } from '@bml/core';
import { encode } from './inference.js';
import type { AutoencoderModel } from './model.js';
import { DEFAULT_CODE_SIZE } from './options.js';
import type { FitAutoencoderOptions } from './options.js';
import { fitAutoencoder } from './train.js';

/** Per-column mean and standard deviation used to z-score codes. */
export interface CodeScaling {
  /** Mean of each code column over the training codes. */
  mean: number[];
  /** Sample standard deviation (n - 1) of each code column, or 1 where it is zero or undefined. */
  sd: number[];
}

/** Result of {@link reduceOmics}. */
export interface OmicsReduction {
  /** Whether the autoencoder ran. It is `false` when the omics has at most `codeSize` features. */
  reduced: boolean;
  /** Z-scored training codes, or the training matrix itself when not reduced. */
  train: Matrix;
  /** Z-scored codes of each matrix in `others`, or the matrices themselves when not reduced. */
  others: Matrix[];
  /** The fitted autoencoder when reduced, to be freed with `disposeAutoencoder`. */
  model?: AutoencoderModel;
  /** The z-score statistics of the training codes when reduced, for new samples. */
  scaling?: CodeScaling;
  /** Conditions handled while fitting. */
  warnings: BmlWarning[];
}

/** Computes the mean and sample standard deviation of each column of `codes` (a zero sd becomes 1). */
export function fitCodeScaling(codes: Matrix): CodeScaling {
  const { rows, cols, data } = codes;
  const mean = new Array<number>(cols).fill(0);
  const sd = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) sd[j] += (data[i * cols + j] - mean[j]) ** 2;
  }
  for (let j = 0; j < cols; j++) {
    const value = Math.sqrt(sd[j] / (rows - 1));
    sd[j] = value > 0 && Number.isFinite(value) ? value : 1;
  }
  return { mean, sd };
}

/** Returns `(codes - mean) / sd` column by column. */
export function applyCodeScaling(codes: Matrix, scaling: CodeScaling): Matrix {
  const { rows, cols, data } = codes;
  if (scaling.mean.length !== cols || scaling.sd.length !== cols) {
    throw new InvalidInputError(
      `@bml/autoencoder: the code scaling has ${scaling.mean.length} columns but the codes have ${cols}; ` +
        'use the scaling fitted with the same model',
      'SCALING_MISMATCH',
    );
  }
  const out = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      out.data[i * cols + j] = (data[i * cols + j] - scaling.mean[j]) / scaling.sd[j];
    }
  }
  return out;
}

/**
 * Reduces one omics to z-scored autoencoder codes.
 *
 * When `train` has more than `codeSize` features, this fits an autoencoder on the training rows
 * (with early stopping on `options.validation` when given). It then encodes `train` and every
 * matrix of `others`, and z-scores all codes with the mean and sd of the training codes. With
 * `codeSize` or fewer features it returns the inputs unchanged with `reduced: false`.
 * Validation samples serve early stopping only, so pass them in `others` too to get their codes.
 */
export async function reduceOmics(
  train: Matrix,
  others: readonly Matrix[] = [],
  options: FitAutoencoderOptions = {},
): Promise<OmicsReduction> {
  others.forEach((other, i) => {
    if (other.cols === train.cols) return;
    throw new InvalidInputError(
      `@bml/autoencoder: others[${i}] has ${other.cols} features ` +
        `but the training matrix has ${train.cols}; ` +
        'pass matrices with the same features in the same order',
      'FEATURE_COUNT_MISMATCH',
      { index: i, cols: other.cols, expected: train.cols },
    );
  });
  const codeSize = options.codeSize ?? DEFAULT_CODE_SIZE;
  if (train.cols <= codeSize) return { reduced: false, train, others: [...others], warnings: [] };
  const model = await fitAutoencoder(train, options);
  const trainCodes = encode(model, train);
  const scaling = fitCodeScaling(trainCodes);
  return {
    reduced: true,
    train: applyCodeScaling(trainCodes, scaling),
    others: others.map((other) => applyCodeScaling(encode(model, other), scaling)),
    model,
    scaling,
    warnings: [...model.warnings],
  };
}
