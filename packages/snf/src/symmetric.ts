/**
 * Packed symmetric matrices: the lower triangle (diagonal included) stored
 * row by row, so entry (i, j) with j <= i sits at i (i + 1) / 2 + j. SNF's
 * similarity matrices are symmetric, and this form halves their memory.
 */

import { createMatrix, type Matrix } from '@bml/core';

/** A symmetric `size x size` matrix stored as its packed lower triangle. */
export interface SymmetricMatrix {
  /** Number of rows (= columns). */
  readonly size: number;
  /** `size (size + 1) / 2` values: row i holds columns 0..i. */
  readonly data: Float64Array;
}

/** Offset of row i in packed storage. */
export function packedRowStart(i: number): number {
  return (i * (i + 1)) / 2;
}

/** Number of packed values of a `size x size` symmetric matrix. */
export function packedLength(size: number): number {
  return (size * (size + 1)) / 2;
}

/** Entry (i, j) of a packed symmetric matrix. */
export function symmetricGet(m: SymmetricMatrix, i: number, j: number): number {
  return i >= j ? m.data[packedRowStart(i) + j] : m.data[packedRowStart(j) + i];
}

/** Copies row i of a packed symmetric matrix into `out` (allocated when absent). */
export function symmetricRow(m: SymmetricMatrix, i: number, out = new Float64Array(m.size)): Float64Array {
  readPackedRow(m.data, 0, m.size, i, out);
  return out;
}

/** Copies row i of the packed matrix stored at element offset `base` of `data` into `out`. */
export function readPackedRow(data: Float64Array, base: number, size: number, i: number, out: Float64Array): void {
  const start = base + packedRowStart(i);
  for (let j = 0; j <= i; j++) out[j] = data[start + j];
  let p = base + packedRowStart(i + 1) + i;
  for (let j = i + 1; j < size; j++) {
    out[j] = data[p];
    p += j + 1;
  }
}

/** The dense form of a packed symmetric matrix. */
export function symmetricToDense(m: SymmetricMatrix): Matrix {
  const n = m.size;
  const out = new Float64Array(n * n);
  unpackInto(m.data, 0, n, out);
  return createMatrix(n, n, out);
}

/** Writes the dense `size x size` form of the packed matrix at element offset `base` into `out`. */
export function unpackInto(data: Float64Array, base: number, size: number, out: Float64Array): void {
  let p = base;
  for (let i = 0; i < size; i++) {
    const row = i * size;
    for (let j = 0; j <= i; j++) {
      const v = data[p++];
      out[row + j] = v;
      out[j * size + i] = v;
    }
  }
}

/**
 * Packs a square matrix that is symmetric up to rounding, keeping the mean
 * of (i, j) and (j, i).
 */
export function denseToSymmetric(m: Matrix): SymmetricMatrix {
  if (m.rows !== m.cols) throw new RangeError(`a symmetric matrix must be square, got ${m.rows} x ${m.cols}`);
  const n = m.rows;
  const data = new Float64Array(packedLength(n));
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) data[p++] = (m.data[i * n + j] + m.data[j * n + i]) / 2;
  }
  return { size: n, data };
}
