/**
 * Sparse patient graphs for a GCN, from a similarity matrix (bml's rule,
 * SPEC section 3) or from features (MOGONET's rule).
 *
 * bml's rule, {@link similarityGraph}: each node keeps its k most similar
 * other nodes (ties: lower index first; k clamped to N - 1 with a warning);
 * an edge weighs P_ij / (largest off-diagonal entry of P), in (0, 1]; the
 * graph is symmetrised by element-wise max (a node may so get more than k
 * edges), self loops of weight 1 are added, and Â = D̃^-1/2 (A + I) D̃^-1/2
 * (`symmetric`, default) or D̃^-1 (A + I) (`row`), D̃ the degrees of A + I.
 * Entries of P equal to 0 never become edges.
 *
 * MOGONET's rule, {@link mogonetGraph} (txWang/MOGONET `utils.py`): cosine
 * distances between the feature rows; threshold = the (k N)-th smallest of
 * all N² distances (0-based, the N zero self-distances included); an edge
 * where the distance is at most the threshold, weight 1 - distance; max
 * symmetrisation, self loops, L1 row normalisation.
 */

import type { BmlWarning, CsrMatrix, Matrix } from '@bml/core';
import { distanceMatrix, type DistanceOptions } from './distance.js';
import { kthSmallest, topK } from './select.js';
import { checkChoice, checkInteger, checkMatrix, fail, PKG, type WarningSink } from './validate.js';

/** How the adjacency with self loops is normalised. */
export type GraphNormalization = 'symmetric' | 'row';

/** Options of {@link similarityGraph}. */
export interface GraphOptions {
  /** Neighbours per node. Default 10; clamped to N - 1 with a `K_CLAMPED` warning. */
  k?: number;
  /** `'symmetric'` (D̃^-1/2 (A+I) D̃^-1/2, default) or `'row'` (D̃^-1 (A+I)). */
  normalization?: GraphNormalization;
  /** Receives warnings. */
  onWarning?: WarningSink;
}

/** A normalised sparse graph over N nodes. */
export interface Graph {
  /** Â, with self loops, N x N, columns ascending in each row. */
  adjacency: CsrMatrix;
  /** The divisor of the edge weights (largest off-diagonal similarity; 1 for MOGONET's rule). */
  scale: number;
  /** D̃_ii: 1 + the summed weights of node i's edges. */
  degrees: Float64Array;
  /** Neighbours per node actually used. */
  k: number;
  /** Normalisation applied. */
  normalization: GraphNormalization;
  /** Warnings (k clamped). */
  warnings: BmlWarning[];
}

/** A MOGONET graph, with its distance threshold. */
export interface MogonetGraph extends Graph {
  /** Cosine distance at or below which two samples are joined. */
  threshold: number;
}

/**
 * The GCN graph over the N samples of a similarity matrix (typically the
 * fused SNF matrix). See the module notes for the rule.
 */
export function similarityGraph(similarity: Matrix, options: GraphOptions = {}): Graph {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  if (similarity.cols !== n)
    fail(`the similarity matrix must be square, got ${n} x ${similarity.cols}`, 'SHAPE_MISMATCH');
  const normalization = checkChoice('normalization', options.normalization ?? 'symmetric', ['symmetric', 'row']);
  const warnings: BmlWarning[] = [];
  const k = clampK(options.k ?? 10, n, warnings, options.onWarning);
  const P = similarity.data;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = P[i * n + j];
      if (!Number.isFinite(v) || v < 0)
        fail(`similarity entry (${i}, ${j}) is ${v}; similarities must be finite and >= 0`, 'INVALID_SIMILARITY');
      if (i !== j && v > scale) scale = v;
    }
  }
  if (n > 1 && !(scale > 0)) fail('every off-diagonal similarity is 0, so no edge can be drawn', 'EMPTY_SIMILARITY');
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const idx = new Int32Array(Math.max(k, 1));
  for (let i = 0; i < n; i++) {
    const row = P.subarray(i * n, (i + 1) * n);
    const count = topK(row, n, k, null, i, idx);
    for (let q = 0; q < count; q++) {
      const j = idx[q];
      const w = row[j] / scale;
      if (w > 0) addMax(rows, i, j, w);
    }
  }
  return normalizeGraph(rows, n, k, scale, normalization, warnings);
}

/** MOGONET's graph from features (see the module notes). `k` is MOGONET's `adj_parameter`. */
export function mogonetGraph(
  features: Matrix,
  options: { k?: number; onWarning?: WarningSink } & Pick<DistanceOptions, 'ids' | 'engine'> = {},
): MogonetGraph {
  checkMatrix('features', features);
  const n = features.rows;
  const warnings: BmlWarning[] = [];
  const sink = (w: BmlWarning): void => {
    warnings.push(w);
    options.onWarning?.(w);
  };
  const k = clampK(options.k ?? 10, n, warnings, options.onWarning);
  const dist = distanceMatrix(features, {
    metric: 'cosine',
    ids: options.ids,
    onWarning: sink,
    engine: options.engine,
  });
  for (let e = 0; e < dist.data.length; e++) {
    if (Number.isNaN(dist.data[e]))
      fail('mogonetGraph needs every sample to have features (found an all-NaN row)', 'MISSING_VALUES');
  }
  const threshold = kthSmallest(dist.data.slice(), Math.min(k * n, n * n - 1));
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = dist.data[i * n + j];
      if (i !== j && d <= threshold && 1 - d !== 0) addMax(rows, i, j, 1 - d);
    }
  }
  const graph = normalizeGraph(rows, n, k, 1, 'row', warnings, true);
  return { ...graph, threshold };
}

function clampK(k: number, n: number, warnings: BmlWarning[], sink: WarningSink | undefined): number {
  checkInteger('k', k, 1);
  if (k <= n - 1) return k;
  const used = Math.max(0, n - 1);
  const w: BmlWarning = {
    code: 'K_CLAMPED',
    message: `${PKG}: graph k = ${k} is not smaller than the number of samples (${n}); using k = ${used}`,
  };
  warnings.push(w);
  sink?.(w);
  return used;
}

/** Adds edge i-j with weight w in both directions, keeping the larger weight. */
function addMax(rows: Map<number, number>[], i: number, j: number, w: number): void {
  const a = rows[i].get(j);
  if (a === undefined || w > a) rows[i].set(j, w);
  const b = rows[j].get(i);
  if (b === undefined || w > b) rows[j].set(i, w);
}

/** Self loops, degrees and normalisation; `absolute` uses |weights| for degrees (F.normalize p=1). */
function normalizeGraph(
  rows: Map<number, number>[],
  n: number,
  k: number,
  scale: number,
  normalization: GraphNormalization,
  warnings: BmlWarning[],
  absolute = false,
): Graph {
  const degrees = new Float64Array(n);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const w of rows[i].values()) d += absolute ? Math.abs(w) : w;
    degrees[i] = d;
    nnz += rows[i].size + 1;
  }
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < n; i++) {
    rowPtr[i] = p;
    const entries = [...rows[i].entries(), [i, 1] as [number, number]].sort((a, b) => a[0] - b[0]);
    for (const [j, w] of entries) {
      colIdx[p] = j;
      values[p] = normalization === 'row' ? w / degrees[i] : w / Math.sqrt(degrees[i] * degrees[j]);
      p++;
    }
  }
  rowPtr[n] = p;
  return { adjacency: { rows: n, cols: n, rowPtr, colIdx, values }, scale, degrees, k, normalization, warnings };
}
