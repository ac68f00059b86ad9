/**
 * Continuous inputs: a matrix with samples as rows, or one value per sample.
 */
import type { Matrix } from '@bml/core';

/** A matrix (samples as rows) or, for one variable, one value per sample. */
export type ContinuousInput = Matrix | ArrayLike<number>;

/** Returns `input` as a matrix. A plain array of N values becomes an N x 1 copy. */
export function asMatrix(input: ContinuousInput): Matrix {
  if ('rows' in input && 'cols' in input && 'data' in input) return input as Matrix;
  const values = input as ArrayLike<number>;
  return { rows: values.length, cols: 1, data: Float64Array.from(values) };
}
