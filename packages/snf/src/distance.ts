/**
 * Distances between the rows of a matrix (samples), and the per-feature
 * z-score that usually precedes them.
 *
 * Metrics:
 * - `euclidean`: sqrt(sum_k (x_k - y_k)^2).
 * - `sqeuclidean`: sum_k (x_k - y_k)^2 (SNFtool's `dist2`, snfpy's default).
 * - `cosine`: 1 - x.y / (|x| |y|), clipped to [0, 2]. A row of zeros has no
 *   direction: its distance to every other row is 1 (similarity 0), to itself
 *   0, and a `ZERO_ROW_COSINE` warning names it.
 *
 * Differences are taken feature by feature (not through |x|^2 + |y|^2 - 2 x.y),
 * so identical rows are at distance exactly 0.
 */

import { createMatrix, type Matrix } from '@bml/core';
import type { Arena } from './engine/arena.js';
import type { Kernels } from './engine/kernels.js';
import type { Team } from './engine/parallel.js';
import { openArena, type EngineChoice } from './engine/select.js';
import { tiledLength, tileRows, tileStart, untileInto } from './symmetric.js';
import { checkChoice, checkMatrix, countPresent, PKG, presentRows, sampleName, type WarningSink } from './validate.js';
import { summarizeIds } from '@bml/core';

/** Distance between two samples. */
export type DistanceMetric = 'euclidean' | 'sqeuclidean' | 'cosine';

export const METRICS: readonly DistanceMetric[] = ['euclidean', 'sqeuclidean', 'cosine'];

/** Per-feature mean and standard deviation, fitted on the present rows. */
export interface Standardization {
  /** Mean of each feature. */
  mean: Float64Array;
  /** Sample standard deviation (n - 1) of each feature; 1 where it was 0. */
  sd: Float64Array;
}

/** Options of {@link distanceMatrix} and {@link crossDistances}. */
export interface DistanceOptions {
  /** Distance between rows. Default `'euclidean'`. */
  metric?: DistanceMetric;
  /** Sample ids, used to name samples in warnings. */
  ids?: readonly string[];
  /** Receives warnings (a zero row under cosine). */
  onWarning?: WarningSink;
  /** Implementation of the inner loops. Default `'auto'` (WebAssembly SIMD when available). */
  engine?: EngineChoice;
}

/**
 * Fits a per-feature z-score on the rows of `x` that are present (rows
 * entirely NaN are ignored): mean and sample standard deviation (n - 1),
 * a zero standard deviation replaced by 1 (SNFtool `standardNormalization`,
 * snfpy `zscore(ddof=1)`).
 */
export function fitStandardization(x: Matrix): Standardization {
  checkMatrix('features', x);
  const present = presentRows('features', x);
  const d = x.cols;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  const n = countPresent(present, x.rows);
  for (let i = 0; i < x.rows; i++) {
    if (present !== null && present[i] === 0) continue;
    for (let k = 0; k < d; k++) mean[k] += x.data[i * d + k];
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  for (let i = 0; i < x.rows; i++) {
    if (present !== null && present[i] === 0) continue;
    for (let k = 0; k < d; k++) sd[k] += (x.data[i * d + k] - mean[k]) ** 2;
  }
  for (let k = 0; k < d; k++) {
    const s = n > 1 ? Math.sqrt(sd[k] / (n - 1)) : 0;
    sd[k] = s > 0 ? s : 1;
  }
  return { mean, sd };
}

/** Applies a fitted z-score to the rows of `x` (rows entirely NaN stay NaN). */
export function applyStandardization(x: Matrix, s: Standardization): Matrix {
  checkMatrix('features', x);
  if (x.cols !== s.mean.length) {
    throw new RangeError(`${PKG}: features have ${x.cols} columns, the standardization ${s.mean.length}`);
  }
  const d = x.cols;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    for (let k = 0; k < d; k++) out[i * d + k] = (x.data[i * d + k] - s.mean[k]) / s.sd[k];
  }
  return createMatrix(x.rows, d, out);
}

/** Z-scores each feature of `x` (see {@link fitStandardization}). */
export function standardize(x: Matrix): Matrix {
  return applyStandardization(x, fitStandardization(x));
}

/**
 * The `N x N` matrix of distances between the rows of `x`. Rows entirely NaN
 * (samples lacking this omics) give NaN rows and columns.
 */
export function distanceMatrix(x: Matrix, options: DistanceOptions = {}): Matrix {
  checkMatrix('features', x);
  const metric = checkChoice('metric', options.metric ?? 'euclidean', METRICS);
  const present = presentRows('features', x);
  const n = x.rows;
  const { arena, kernels } = openArena(8 * (tiledLength(n) + 2 * tileRows(n) * 8 * x.cols) + 4096, options.engine);
  const block = loadFeatures(arena, x, present);
  const dst = arena.alloc(8 * tiledLength(n));
  const zero = tiledDistances(arena, kernels, block, present, metric, dst);
  reportZeroRows(zero, options.ids, options.onWarning);
  const out = new Float64Array(n * n);
  untileInto(arena.f64, dst / 8, n, out);
  if (present !== null) maskMissing(out, n, present);
  return createMatrix(n, n, out);
}

/**
 * The `a.rows x b.rows` matrix of distances from each row of `a` to each row
 * of `b`. Rows entirely NaN give NaN rows (in `a`) or columns (in `b`).
 */
export function crossDistances(a: Matrix, b: Matrix, options: DistanceOptions = {}): Matrix {
  checkMatrix('features', a);
  checkMatrix('features', b);
  if (a.cols !== b.cols) throw new RangeError(`${PKG}: cannot compare rows with ${a.cols} and ${b.cols} features`);
  const metric = checkChoice('metric', options.metric ?? 'euclidean', METRICS);
  const pa = presentRows('features', a);
  const pb = presentRows('features', b);
  const { arena, kernels } = openArena(
    featureBytes(a.rows, a.cols) + featureBytes(b.rows, b.cols) + 8 * b.rows + 4096,
    options.engine,
  );
  const blockA = loadFeatures(arena, a, pa);
  const blockB = loadFeatures(arena, b, pb);
  const row = arena.alloc(8 * b.rows);
  const out = new Float64Array(a.rows * b.rows);
  const zero = new Set<number>();
  for (let i = 0; i < a.rows; i++) {
    rowDistances(arena, kernels, blockA, i, blockB, b.rows, metric, row);
    const f = arena.f64;
    for (let j = 0; j < b.rows; j++) out[i * b.rows + j] = f[row / 8 + j];
    if (metric === 'cosine' && blockA.norms[i] === 0 && (pa === null || pa[i] === 1)) zero.add(i);
  }
  if (metric === 'cosine') {
    for (let j = 0; j < b.rows; j++) if (blockB.norms[j] === 0 && (pb === null || pb[j] === 1)) zero.add(-1 - j);
  }
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      if ((pa !== null && pa[i] === 0) || (pb !== null && pb[j] === 0)) out[i * b.rows + j] = Number.NaN;
    }
  }
  if (zero.size > 0 && options.onWarning) {
    const names = [...zero].map((z) =>
      z >= 0 ? `row ${sampleName(options.ids, z)} of the first matrix` : `row ${-1 - z} of the second`,
    );
    options.onWarning({
      code: 'ZERO_ROW_COSINE',
      message: `${PKG}: ${zero.size} all-zero row(s) under the cosine metric (${summarizeIds(names)}); their distance to every other row is set to 1`,
    });
  }
  return createMatrix(a.rows, b.rows, out);
}

// ---------------------------------------------------------------------------
// Arena-level helpers (shared with the affinity and fusion code)

/**
 * Features copied into an arena twice: row by row (`rows x dim` doubles at
 * `offset`) and as lanes of 8 (block I of 8 rows holds x[8I + b][k] at
 * `lanes + 64 (I dim + k) + 8 b`). Missing rows and padding rows are zeros.
 */
export interface FeatureBlock {
  offset: number;
  lanes: number;
  rows: number;
  dim: number;
  /** Euclidean norm of each row (for the cosine metric). */
  norms: Float64Array;
}

/** Bytes {@link loadFeatures} needs for `rows x cols` features. */
export function featureBytes(rows: number, cols: number): number {
  return 8 * (rows + tileRows(rows) * 8) * cols + 128;
}

/** Copies the rows of `x` into the arena (at `offset` when given), missing rows as zeros. */
export function loadFeatures(arena: Arena, x: Matrix, present: Uint8Array | null, offset?: number): FeatureBlock {
  const dim = x.cols;
  const n = x.rows;
  const rowsAt = offset ?? arena.alloc(8 * n * dim);
  const lanes = offset === undefined ? arena.alloc(8 * tileRows(n) * 8 * dim) : rowsAt + Math.ceil((n * dim) / 8) * 64;
  const f = arena.f64;
  const base = rowsAt / 8;
  const l0 = lanes / 8;
  f.fill(0, l0, l0 + tileRows(n) * 8 * dim);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dst = base + i * dim;
    const laneRow = l0 + (i >> 3) * 8 * dim + (i & 7);
    if (present !== null && present[i] === 0) {
      f.fill(0, dst, dst + dim);
      continue;
    }
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = x.data[i * dim + k];
      f[dst + k] = v;
      f[laneRow + 8 * k] = v;
      s += v * v;
    }
    norms[i] = Math.sqrt(s);
  }
  return { offset: rowsAt, lanes, rows: n, dim, norms };
}

/**
 * Distances from row `i` of `a` to the first `count` rows of `b`, written
 * as doubles at byte offset `out`.
 */
export function rowDistances(
  arena: Arena,
  kernels: Kernels,
  a: FeatureBlock,
  i: number,
  b: FeatureBlock,
  count: number,
  metric: DistanceMetric,
  out: number,
): void {
  const x = a.offset + 8 * i * a.dim;
  if (metric === 'cosine') {
    kernels.dotProducts(x, b.offset, count, a.dim, out);
    const f = arena.f64;
    const o = out / 8;
    for (let j = 0; j < count; j++) f[o + j] = cosineDistance(f[o + j], a.norms[i], b.norms[j]);
    return;
  }
  kernels.squaredDistances(x, b.offset, count, a.dim, out);
  if (metric === 'euclidean') {
    const f = arena.f64;
    const o = out / 8;
    for (let j = 0; j < count; j++) f[o + j] = Math.sqrt(f[o + j]);
  }
}

function cosineDistance(dot: number, ni: number, nj: number): number {
  if (ni === 0 || nj === 0) return 1;
  const d = 1 - dot / (ni * nj);
  return d < 0 ? 0 : d > 2 ? 2 : d;
}

/**
 * Writes the tiled distance matrix of the block's rows at byte offset `dst`
 * (diagonal 0; pairs with a missing row and the padding are 0). Returns the
 * indices of present all-zero rows under the cosine metric.
 */
export function tiledDistances(
  arena: Arena,
  kernels: Kernels,
  block: FeatureBlock,
  present: Uint8Array | null,
  metric: DistanceMetric,
  dst: number,
  team: Team | null = null,
): number[] {
  const n = block.rows;
  const nb = tileRows(n);
  const laneBytes = 64 * block.dim;
  const rowBlock = (I: number): void => {
    const out = dst + 8 * tileStart(I, 0);
    const count = Math.min(8 * I + 8, n);
    if (metric === 'cosine') kernels.blockDotProducts(block.lanes + I * laneBytes, block.offset, count, block.dim, out);
    else kernels.blockSquaredDistances(block.lanes + I * laneBytes, block.offset, count, block.dim, out);
  };
  if (team !== null) {
    team.distances(
      { n, nb, lanes: block.lanes, rows: block.offset, dim: block.dim, dst, dot: metric === 'cosine' },
      rowBlock,
    );
  } else {
    for (let I = 0; I < nb; I++) rowBlock(I);
  }
  const f = arena.f64;
  const base = dst / 8;
  for (let I = 0; I < nb; I++) {
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      for (let c = 0; c < 8; c++) {
        const j = 8 * J + c;
        for (let b = 0; b < 8; b++) {
          const i = 8 * I + b;
          const e = t + 8 * c + b;
          if (i >= n || j >= n || i === j || (present !== null && (present[i] === 0 || present[j] === 0))) f[e] = 0;
          else if (metric === 'cosine') f[e] = cosineDistance(f[e], block.norms[i], block.norms[j]);
          else if (metric === 'euclidean') f[e] = Math.sqrt(f[e]);
        }
      }
    }
  }
  const zero: number[] = [];
  if (metric === 'cosine') {
    for (let i = 0; i < n; i++) if (block.norms[i] === 0 && (present === null || present[i] === 1)) zero.push(i);
  }
  return zero;
}

/** Reports all-zero rows under the cosine metric. */
export function reportZeroRows(
  rows: number[],
  ids: readonly string[] | undefined,
  warn: WarningSink | undefined,
  what = '',
): void {
  if (rows.length === 0 || !warn) return;
  const names = rows.map((i) => sampleName(ids, i));
  warn({
    code: 'ZERO_ROW_COSINE',
    message: `${PKG}: ${rows.length} sample(s)${what} have all-zero features under the cosine metric (${summarizeIds(names)}); their distance to every other sample is set to 1 (similarity 0)`,
    ids: names,
  });
}

function maskMissing(out: Float64Array, n: number, present: Uint8Array): void {
  for (let i = 0; i < n; i++) {
    if (present[i] === 1) continue;
    for (let j = 0; j < n; j++) {
      out[i * n + j] = Number.NaN;
      out[j * n + i] = Number.NaN;
    }
  }
}
