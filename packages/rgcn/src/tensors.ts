/** Conversions between `@bml/core` matrices (float64) and float32 tensors. */
import { createMatrix, type Matrix } from '@bml/core';
import { tf } from '@bml/core/tensor';

/** Uploads a matrix as a float32 rank-2 tensor. */
export function matrixToTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

/** Downloads a rank-2 tensor into a float64 matrix (a host copy). */
export function tensorToMatrix(t: tf.Tensor2D): Matrix {
  const [rows, cols] = t.shape;
  return createMatrix(rows, cols, Float64Array.from(t.dataSync()));
}

/** Returns the first `n` rows of `m` as a matrix that shares memory with `m`. */
export function leadingRows(m: Matrix, n: number): Matrix {
  return createMatrix(n, m.cols, m.data.subarray(0, n * m.cols));
}
