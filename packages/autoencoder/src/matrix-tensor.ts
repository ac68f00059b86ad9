import { createMatrix, firstNonFinite, InvalidInputError } from '@bml/core';
import type { Matrix } from '@bml/core';
import { tf } from '@bml/core/tensor';

/**
 * Maximum number of input values per chunk in inference. The wasm backend repacks the right operand
 * of a product (features x chunk samples), and its speed per sample halves once that operand grows
 * past about 1.3 million values. Measured at 20,000 features on 2 cores: 64 samples per chunk ran
 * at 1.4 ms per sample, 128 or more at about 3 ms.
 */
const CHUNK_VALUES = 1_310_720;

/** Returns the rows per chunk that keep a chunk of a `cols`-wide matrix near {@link CHUNK_VALUES} values. */
export function chunkRows(cols: number): number {
  return Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, cols)));
}

/**
 * Rejects a matrix that is not usable as autoencoder input: wrong width, no rows (unless allowed),
 * or a non-finite value or one beyond the float32 range (reported by row and column).
 */
export function checkInput(x: Matrix, name: string, expectedCols?: number, allowEmpty = false): void {
  if (expectedCols !== undefined && x.cols !== expectedCols) {
    throw new InvalidInputError(
      `@bml/autoencoder: ${name} has ${x.cols} features but the model expects ${expectedCols}; ` +
        'pass the features the model was fitted on, in the same order',
      'FEATURE_COUNT_MISMATCH',
      { name, cols: x.cols, expected: expectedCols },
    );
  }
  if (!allowEmpty && x.rows === 0) {
    const message = `@bml/autoencoder: ${name} has no rows; pass at least one sample`;
    throw new InvalidInputError(message, 'EMPTY_INPUT', { name });
  }
  const bad = firstNonFinite(x);
  if (bad >= 0) {
    const row = Math.floor(bad / x.cols);
    const col = bad % x.cols;
    throw new InvalidInputError(
      `@bml/autoencoder: ${name} has the non-finite value ${x.data[bad]} at row ${row}, column ${col}; ` +
        'impute missing values and z-score the features before the autoencoder',
      'NON_FINITE_INPUT',
      { name, row, col },
    );
  }
  // Training and inference run in float32, where such a value becomes infinite.
  const huge = x.data.findIndex((v) => !Number.isFinite(Math.fround(v)));
  if (huge >= 0) {
    const row = Math.floor(huge / x.cols);
    const col = huge % x.cols;
    throw new InvalidInputError(
      `@bml/autoencoder: ${name} has the value ${x.data[huge]} at row ${row}, column ${col}, beyond the float32 range; ` +
        'z-score the features before the autoencoder',
      'OUT_OF_FLOAT32_RANGE',
      { name, row, col },
    );
  }
}

/** Uploads rows `start` to `end` (exclusive) of `x` as a float32 tensor. */
export function rowsToTensor(x: Matrix, start = 0, end = x.rows): tf.Tensor2D {
  const values = new Float32Array(x.data.subarray(start * x.cols, end * x.cols));
  return tf.tensor2d(values, [end - start, x.cols]);
}

/**
 * Applies `f` to `x` in chunks of rows and gathers the results into one float64 matrix with `outCols`
 * columns. Every tensor `f` creates is disposed.
 */
export function mapRowChunks(x: Matrix, outCols: number, f: (chunk: tf.Tensor2D) => tf.Tensor2D): Matrix {
  const out = createMatrix(x.rows, outCols);
  const step = chunkRows(Math.max(x.cols, outCols));
  for (let start = 0; start < x.rows; start += step) {
    const end = Math.min(x.rows, start + step);
    const result = tf.tidy(() => f(rowsToTensor(x, start, end)));
    out.data.set(result.dataSync(), start * outCols);
    result.dispose();
  }
  return out;
}

/**
 * Copies the rows `indices` of a row-major float32 array with `cols` columns into a new array.
 * Assembling a batch on the host this way is much faster than `tf.gather` on the wasm backend.
 */
export function gatherRows(data: Float32Array, cols: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * cols);
  for (let r = 0; r < indices.length; r++) {
    const start = indices[r] * cols;
    out.set(data.subarray(start, start + cols), r * cols);
  }
  return out;
}
