import { createMatrix, Rng } from '@bml/core';
import type { Matrix } from '@bml/core';

/**
 * `rows x cols` data of rank `rank` (Gaussian factors times Gaussian loadings, scaled to unit
 * variance per entry) plus Gaussian noise of standard deviation `noise`.
 */
export function lowRankData(rows: number, cols: number, rank: number, seed: number, noise = 0): Matrix {
  const rng = new Rng(seed);
  const factors = Array.from({ length: rows * rank }, () => rng.normal());
  const loadings = Array.from({ length: rank * cols }, () => rng.normal());
  const x = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let t = 0; t < rank; t++) s += factors[i * rank + t] * loadings[t * cols + j];
      x.data[i * cols + j] = s / Math.sqrt(rank) + noise * rng.normal();
    }
  }
  return x;
}

/** Gaussian noise of unit variance. */
export function noiseData(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const x = createMatrix(rows, cols);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
  return x;
}

/** Rows `start` to `end` (exclusive) of `x`, copied. */
export function rowRange(x: Matrix, start: number, end: number): Matrix {
  return createMatrix(end - start, x.cols, x.data.slice(start * x.cols, end * x.cols));
}

/** Mean squared difference between two matrices of equal shape. */
export function meanSquaredError(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / a.data.length;
}

/** Mean squared error on `test` of predicting every row by the column means of `train`. */
export function meanPredictorError(train: Matrix, test: Matrix): number {
  const means = new Float64Array(train.cols);
  for (let i = 0; i < train.rows; i++) {
    for (let j = 0; j < train.cols; j++) means[j] += train.data[i * train.cols + j];
  }
  for (let j = 0; j < train.cols; j++) means[j] /= train.rows;
  let s = 0;
  for (let i = 0; i < test.rows; i++) {
    for (let j = 0; j < test.cols; j++) s += (test.data[i * test.cols + j] - means[j]) ** 2;
  }
  return s / test.data.length;
}
