/**
 * Symmetric matrices stored as their lower triangle of 8 x 8 tiles: tile
 * (I, J), J <= I, covers rows 8I..8I+7 and columns 8J..8J+7 and holds its
 * 64 values column by column (entry (8I + b, 8J + c) at 8c + b, so the 8
 * rows of one column are one cache line). Tiles follow one another row of
 * tiles by row of tiles: tile (I, J) starts at 64 (I (I + 1) / 2 + J).
 * Diagonal tiles hold both triangles; rows and columns past the size are 0.
 *
 * The layout halves the memory of a dense matrix and lets the diffusion
 * read and write whole cache lines: rows r0..r0+7 of the matrix are the
 * contiguous tiles (I, 0..I) plus one tile in each later row of tiles.
 */

import { createMatrix, type Matrix } from '@bml/core';

/** A symmetric `size x size` matrix (see the module notes for its storage). */
export interface SymmetricMatrix {
  /** Number of rows (= columns). */
  readonly size: number;
  /** The tiles (see the module notes); shares memory with the fusion that made it. */
  readonly data: Float64Array;
  /** Entry (i, j). */
  get(i: number, j: number): number;
  /** Row i, copied into `out` (allocated when absent). */
  row(i: number, out?: Float64Array): Float64Array;
  /** The dense `size x size` form. */
  toDense(): Matrix;
}

/** Number of 8-row blocks. */
export function tileRows(n: number): number {
  return Math.ceil(n / 8);
}

/** Doubles of tiled storage for an n x n symmetric matrix. */
export function tiledLength(n: number): number {
  const nb = tileRows(n);
  return 32 * nb * (nb + 1);
}

/** Offset (in doubles) of tile (I, J), J <= I. */
export function tileStart(I: number, J: number): number {
  return 64 * ((I * (I + 1)) / 2 + J);
}

/** Offset (in doubles) of entry (i, j). */
export function tiledIndex(i: number, j: number): number {
  if (i < j) {
    const t = i;
    i = j;
    j = t;
  }
  return tileStart(i >> 3, j >> 3) + 8 * (j & 7) + (i & 7);
}

/** Copies row i of the tiled matrix at element offset `base` into `out`. */
export function readTiledRow(f: Float64Array, base: number, n: number, i: number, out: Float64Array): void {
  const I = i >> 3;
  const b = i & 7;
  const nb = tileRows(n);
  for (let J = 0; J <= I; J++) {
    const t = base + tileStart(I, J) + b;
    const end = Math.min(8, n - 8 * J);
    for (let c = 0; c < end; c++) out[8 * J + c] = f[t + 8 * c];
  }
  for (let J = I + 1; J < nb; J++) {
    const t = base + tileStart(J, I) + 8 * b;
    const end = Math.min(8, n - 8 * J);
    for (let c = 0; c < end; c++) out[8 * J + c] = f[t + c];
  }
}

/**
 * Copies rows 8I..8I+7 of the tiled matrix at element offset `base` into
 * `out` (row 8I + b at out[b n .. b n + n)), reading whole tiles; rows past
 * n are left as they are.
 */
export function readTiledBlock(f: Float64Array, base: number, n: number, I: number, out: Float64Array): void {
  const nb = tileRows(n);
  const rows = Math.min(8, n - 8 * I);
  for (let J = 0; J <= I; J++) {
    const t = base + tileStart(I, J);
    const cols = Math.min(8, n - 8 * J);
    for (let c = 0; c < cols; c++) for (let b = 0; b < rows; b++) out[b * n + 8 * J + c] = f[t + 8 * c + b];
  }
  for (let J = I + 1; J < nb; J++) {
    const t = base + tileStart(J, I);
    const cols = Math.min(8, n - 8 * J);
    for (let b = 0; b < rows; b++) for (let c = 0; c < cols; c++) out[b * n + 8 * J + c] = f[t + 8 * b + c];
  }
}

/** Writes the dense n x n form of the tiled matrix at element offset `base` into `out`. */
export function untileInto(f: Float64Array, base: number, n: number, out: Float64Array): void {
  const nb = tileRows(n);
  for (let I = 0; I < nb; I++) {
    const rows = Math.min(8, n - 8 * I);
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      const cols = Math.min(8, n - 8 * J);
      for (let c = 0; c < cols; c++) {
        const j = 8 * J + c;
        for (let b = 0; b < rows; b++) {
          const v = f[t + 8 * c + b];
          out[(8 * I + b) * n + j] = v;
          out[j * n + 8 * I + b] = v;
        }
      }
    }
  }
}

/** Copies the lower triangle of each diagonal tile onto its upper triangle. */
export function mirrorDiagonalTiles(f: Float64Array, base: number, n: number): void {
  const nb = tileRows(n);
  for (let I = 0; I < nb; I++) {
    const t = base + tileStart(I, I);
    for (let c = 1; c < 8; c++) for (let b = 0; b < c; b++) f[t + 8 * c + b] = f[t + 8 * b + c];
  }
}

/** A {@link SymmetricMatrix} over tiled storage. */
export class TiledSymmetricMatrix implements SymmetricMatrix {
  constructor(
    readonly size: number,
    readonly data: Float64Array,
  ) {
    if (data.length < tiledLength(size))
      throw new RangeError(`tiled storage of ${data.length} values is too short for size ${size}`);
  }

  get(i: number, j: number): number {
    return this.data[tiledIndex(i, j)];
  }

  row(i: number, out = new Float64Array(this.size)): Float64Array {
    readTiledRow(this.data, 0, this.size, i, out);
    return out;
  }

  toDense(): Matrix {
    const out = new Float64Array(this.size * this.size);
    untileInto(this.data, 0, this.size, out);
    return createMatrix(this.size, this.size, out);
  }

  /** Tiles a square matrix that is symmetric up to rounding, keeping the mean of (i, j) and (j, i). */
  static fromDense(m: Matrix): TiledSymmetricMatrix {
    if (m.rows !== m.cols) throw new RangeError(`a symmetric matrix must be square, got ${m.rows} x ${m.cols}`);
    const n = m.rows;
    const data = new Float64Array(tiledLength(n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) data[tiledIndex(i, j)] = (m.data[i * n + j] + m.data[j * n + i]) / 2;
    }
    mirrorDiagonalTiles(data, 0, n);
    return new TiledSymmetricMatrix(n, data);
  }
}
