/**
 * Sparse patient graphs for a GCN, from a similarity or distance matrix
 * (k nearest neighbours) or from features (MOGONET's rule).
 *
 * k-nearest-neighbour rule, {@link knnGraph} (defaults: bml's graph over
 * the fused SNF matrix, {@link similarityGraph}): each node keeps its k
 * most similar other nodes (ties: lower index first; k clamped to N - 1
 * with a warning); an edge weighs P_ij / (largest off-diagonal entry of P),
 * in (0, 1]; the graph is symmetrised by element-wise max (a node may so
 * get more than k edges), self loops of weight 1 are added, and Â =
 * D̃^-1/2 (A + I) D̃^-1/2 (`symmetric`, default) or D̃^-1 (A + I) (`row`),
 * D̃ the degrees of A + I. Entries of P equal to 0 never become edges.
 * Options switch to distances, binary weights, mean or no symmetrisation,
 * no self loops or no normalisation.
 *
 * MOGONET's rule, {@link mogonetGraph} (txWang/MOGONET `utils.py`): cosine
 * distances between the feature rows; threshold = the (k N)-th smallest of
 * all N² distances (0-based, the N zero self-distances included); an edge
 * where the distance is at most the threshold, weight 1 - distance; max
 * symmetrisation, self loops, L1 row normalisation.
 */

import { InternalError, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { distanceMatrix, type DistanceOptions } from './distance.js';
import { kthSmallest, topK } from './select.js';
import { checkChoice, checkInteger, checkMatrix, fail, PKG, type WarningSink } from './validate.js';

/** Normalisation of the adjacency (with its self loops). */
export type GraphNormalization = 'symmetric' | 'row' | 'none';

/** Symmetrisation of the directed k-nearest-neighbour edges. */
export type GraphSymmetrization = 'max' | 'mean' | 'none';

/** Options of {@link knnGraph} and {@link similarityGraph}. */
export interface GraphOptions {
  /** Neighbours per node. Default 10; clamped to N - 1 with a `K_CLAMPED` warning. */
  k?: number;
  /** Whether the matrix contains similarities (neighbours: the largest entries, default) or distances (the smallest). */
  input?: 'similarity' | 'distance';
  /**
   * Edge weights: `'scaled'` (default) is s_ij / s_max for similarities and
   * 1 - d_ij / d_max for distances (s_max, d_max: the largest off-diagonal
   * entry), `'binary'` is 1 for every edge.
   */
  weights?: 'scaled' | 'binary';
  /** `'max'` (default): A <- max(A, Aᵀ); `'mean'`: A <- (A + Aᵀ) / 2; `'none'`: keep the directed graph. */
  symmetrize?: GraphSymmetrization;
  /** Add self loops of weight 1 before normalising. Default true. */
  selfLoops?: boolean;
  /** `'symmetric'` (D̃^-1/2 Ã D̃^-1/2, Kipf & Welling, default), `'row'` (D̃^-1 Ã) or `'none'` (Ã); Ã = A + I with self loops. */
  normalization?: GraphNormalization;
  /** Receives warnings. */
  onWarning?: WarningSink;
}

/** A normalised sparse graph over N nodes. */
export interface Graph {
  /** Â, N x N, columns ascending in each row. */
  adjacency: CsrMatrix;
  /** The divisor of the edge weights: s_max or d_max (1 for MOGONET's rule). */
  scale: number;
  /** D̃_ii: the row sums of Ã (1 + the summed weights of node i's edges with self loops). */
  degrees: Float64Array;
  /** Neighbours per node actually used. */
  k: number;
  /** Whether the graph came from similarities or distances. */
  input: 'similarity' | 'distance';
  /** Edge weights used. */
  weights: 'scaled' | 'binary';
  /** Symmetrisation applied. */
  symmetrize: GraphSymmetrization;
  /** Whether self loops were added. */
  selfLoops: boolean;
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
 * fused SNF matrix): {@link knnGraph} with `input: 'similarity'`. See the
 * module notes for the rule.
 */
export function similarityGraph(similarity: Matrix, options: Omit<GraphOptions, 'input'> = {}): Graph {
  return knnGraph(similarity, { ...options, input: 'similarity' });
}

/**
 * A k-nearest-neighbour graph over the N samples of a similarity or
 * distance matrix, sparse. Each node i keeps its k most similar (or
 * nearest) other nodes, ties broken by lower index. An edge weighs s_ij /
 * s_max or 1 - d_ij / d_max (`weights: 'scaled'`) or 1 (`'binary'`). An
 * edge of weight 0 (a zero similarity, or the largest distance when scaled)
 * is left out. The directed edges are then symmetrised, self loops added
 * and the result normalised as `symmetrize`, `selfLoops` and
 * `normalization` set.
 */
export function knnGraph(matrix: Matrix, options: GraphOptions = {}): Graph {
  const input = checkChoice('input', options.input ?? 'similarity', ['similarity', 'distance']);
  checkMatrix(input, matrix);
  const n = matrix.rows;
  if (matrix.cols !== n) fail(`the ${input} matrix must be square, got ${n} x ${matrix.cols}`, 'SHAPE_MISMATCH');
  const settings = resolveGraphSettings(options, input);
  const warnings: BmlWarning[] = [];
  const k = clampK(options.k ?? 10, n, warnings, options.onWarning);
  const P = matrix.data;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = P[i * n + j];
      if (!Number.isFinite(v) || v < 0)
        fail(`${input} entry (${i}, ${j}) is ${v}; ${input}s must be finite and >= 0`, 'INVALID_SIMILARITY');
      if (i !== j && v > scale) scale = v;
    }
  }
  if (input === 'similarity' && n > 1 && !(scale > 0))
    fail('every off-diagonal similarity is 0, so no edge can be drawn', 'EMPTY_SIMILARITY');
  if (input === 'distance' && n > 1 && !(scale > 0))
    fail('every off-diagonal distance is 0, so the neighbours cannot be told apart; remove duplicate samples', 'EMPTY_SIMILARITY');
  const graph = { ...settings, scale: scale > 0 ? scale : 1 };
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const idx = new Int32Array(Math.max(k, 1));
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = P.subarray(i * n, (i + 1) * n);
    const count = nearest(row, n, k, input, i, idx, key);
    for (let q = 0; q < count; q++) {
      const j = idx[q];
      const w = edgeWeight(graph, row[j]);
      if (w > 0) rows[i].set(j, w);
    }
  }
  symmetrizeRows(rows, settings.symmetrize);
  return normalizeGraph(rows, n, k, graph, warnings);
}

/** Settings of a graph, fixed at its construction and reused to attach new nodes. */
type GraphSettings = Pick<Graph, 'input' | 'weights' | 'symmetrize' | 'selfLoops' | 'normalization'>;

function resolveGraphSettings(options: GraphOptions, input: 'similarity' | 'distance'): GraphSettings {
  return {
    input,
    weights: checkChoice('weights', options.weights ?? 'scaled', ['scaled', 'binary']),
    symmetrize: checkChoice('symmetrize', options.symmetrize ?? 'max', ['max', 'mean', 'none']),
    selfLoops: options.selfLoops ?? true,
    normalization: checkChoice('normalization', options.normalization ?? 'symmetric', ['symmetric', 'row', 'none']),
  };
}

/**
 * Writes into `out` the (ascending) indices of the k largest similarities
 * or k smallest distances of `row`, skipping `exclude`; ties go to the
 * lower index. Returns how many were written.
 */
function nearest(
  row: Float64Array,
  n: number,
  k: number,
  input: 'similarity' | 'distance',
  exclude: number,
  out: Int32Array,
  key: Float64Array,
): number {
  if (input === 'similarity') return topK(row, n, k, null, exclude, out);
  for (let j = 0; j < n; j++) key[j] = -row[j];
  return topK(key, n, k, null, exclude, out);
}

/** Computes the weight of an edge with similarity or distance `value` (0: no edge). */
function edgeWeight(graph: GraphSettings & { scale: number }, value: number): number {
  if (graph.input === 'similarity') {
    if (!(value > 0)) return 0;
    return graph.weights === 'binary' ? 1 : Math.min(1, value / graph.scale);
  }
  if (graph.weights === 'binary') return 1;
  return Math.max(0, 1 - value / graph.scale);
}

/** Symmetrises directed edges in place: element-wise max, mean, or nothing. */
function symmetrizeRows(rows: Map<number, number>[], rule: GraphSymmetrization): void {
  if (rule === 'none') return;
  const directed = rows.map((r) => new Map(r));
  for (let i = 0; i < rows.length; i++) {
    for (const [j, w] of directed[i]) {
      const back = directed[j].get(i) ?? 0;
      const value = rule === 'max' ? Math.max(w, back) : (w + back) / 2;
      rows[i].set(j, value);
      rows[j].set(i, value);
    }
  }
}

/** Options of {@link attachToGraph}. */
export interface AttachToGraphOptions {
  /** Edges per new node. Default: the graph's k; clamped to the graph's size with a warning. */
  k?: number;
  /** Receives warnings. */
  onWarning?: WarningSink;
}

/** A graph extended by new nodes. */
export interface GraphExtension {
  /** Â over N + q nodes, the graph's nodes first (their rows unchanged). */
  adjacency: CsrMatrix;
  /** For each new node, the graph nodes it is joined to (ascending). */
  neighbors: Int32Array[];
  /** For each new node, its edge weights before normalisation (same order as `neighbors`). */
  weights: Float64Array[];
  /** Warnings (k clamped). */
  warnings: BmlWarning[];
}

/**
 * Attaches q new nodes to a graph built by {@link knnGraph}: `values` (q x
 * N) contains each new node's similarities (or distances, as the graph's
 * `input`) to the N graph nodes. Each new node gets edges to its k most
 * similar (nearest) graph nodes, ties by lower index, weighted as the
 * graph's edges with the graph's `scale` (scaled similarity weights capped
 * at 1). Edges point one way: the new node's row references graph nodes,
 * no graph row references it, so the graph's rows are unchanged. The new
 * row is normalised with its own degree d_x (its weights, plus 1 with self
 * loops) and the graph's degrees d_j: w / sqrt(d_x d_j) and 1 / d_x on the
 * diagonal (`symmetric`), w / d_x and 1 / d_x (`row`), or w and 1 (`none`).
 */
export function attachToGraph(graph: Graph, values: Matrix, options: AttachToGraphOptions = {}): GraphExtension {
  checkMatrix(graph.input, values);
  const N = graph.adjacency.rows;
  if (values.cols !== N)
    fail(`the new nodes' ${graph.input}s have ${values.cols} columns, the graph has ${N} nodes`, 'SHAPE_MISMATCH');
  for (let e = 0; e < values.data.length; e++) {
    const v = values.data[e];
    if (!Number.isFinite(v) || v < 0) {
      const r = Math.floor(e / N);
      fail(`${graph.input} of new node ${r} to node ${e - r * N} is ${v}; it must be finite and >= 0`, 'INVALID_SIMILARITY');
    }
  }
  const warnings: BmlWarning[] = [];
  const requested = checkInteger('k', options.k ?? graph.k, 1);
  const k = Math.min(requested, N);
  if (requested > N) {
    const w: BmlWarning = {
      code: 'K_CLAMPED',
      message: `${PKG}: k = ${requested} is more than the ${N} nodes of the graph; using k = ${N}`,
    };
    warnings.push(w);
    options.onWarning?.(w);
  }
  const q = values.rows;
  const a = graph.adjacency;
  const neighbors: Int32Array[] = [];
  const weights: Float64Array[] = [];
  const idx = new Int32Array(Math.max(k, 1));
  const key = new Float64Array(N);
  let extra = 0;
  for (let r = 0; r < q; r++) {
    const row = values.data.subarray(r * N, (r + 1) * N);
    const got = nearest(row, N, k, graph.input, -1, idx, key);
    const keep: number[] = [];
    const w: number[] = [];
    for (const j of idx.subarray(0, got)) {
      const weight = edgeWeight(graph, row[j]);
      if (weight > 0) {
        keep.push(j);
        w.push(weight);
      }
    }
    neighbors.push(Int32Array.from(keep));
    weights.push(Float64Array.from(w));
    extra += keep.length + (graph.selfLoops ? 1 : 0);
  }
  const total = N + q;
  const nnz = a.rowPtr[N] + extra;
  const rowPtr = new Int32Array(total + 1);
  const colIdx = new Int32Array(nnz);
  const entries = new Float64Array(nnz);
  rowPtr.set(a.rowPtr);
  colIdx.set(a.colIdx);
  entries.set(a.values);
  let p = a.rowPtr[N];
  for (let r = 0; r < q; r++) {
    const js = neighbors[r];
    const ws = weights[r];
    let d = graph.selfLoops ? 1 : 0;
    for (let t = 0; t < ws.length; t++) d += ws[t];
    for (let t = 0; t < js.length; t++) {
      colIdx[p] = js[t];
      entries[p] = normalizedEntry(graph.normalization, ws[t], d, graph.degrees[js[t]]);
      p++;
    }
    if (graph.selfLoops) {
      colIdx[p] = N + r;
      entries[p] = normalizedEntry(graph.normalization, 1, d, d);
      p++;
    }
    rowPtr[N + r + 1] = p;
  }
  if (p !== nnz) throw new InternalError(`${PKG}: attached graph has ${p} entries, expected ${nnz}`);
  return { adjacency: { rows: total, cols: total, rowPtr, colIdx, values: entries }, neighbors, weights, warnings };
}

/** Entry (i, j) of Â for weight w between nodes of degrees di and dj (0 where a degree is 0). */
function normalizedEntry(rule: GraphNormalization, w: number, di: number, dj: number): number {
  if (rule === 'none') return w;
  if (rule === 'row') return di > 0 ? w / di : 0;
  return di > 0 && dj > 0 ? w / Math.sqrt(di * dj) : 0;
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
  const settings: GraphSettings = {
    input: 'distance',
    weights: 'scaled',
    symmetrize: 'max',
    selfLoops: true,
    normalization: 'row',
  };
  const graph = normalizeGraph(rows, n, k, { ...settings, scale: 1 }, warnings, true);
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
  graph: GraphSettings & { scale: number },
  warnings: BmlWarning[],
  absolute = false,
): Graph {
  const degrees = new Float64Array(n);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    let d = graph.selfLoops ? 1 : 0;
    for (const w of rows[i].values()) d += absolute ? Math.abs(w) : w;
    degrees[i] = d;
    nnz += rows[i].size + (graph.selfLoops ? 1 : 0);
  }
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < n; i++) {
    rowPtr[i] = p;
    const entries = [...rows[i].entries()];
    if (graph.selfLoops) entries.push([i, 1]);
    entries.sort((a, b) => a[0] - b[0]);
    for (const [j, w] of entries) {
      colIdx[p] = j;
      values[p] = normalizedEntry(graph.normalization, w, degrees[i], degrees[j]);
      p++;
    }
  }
  rowPtr[n] = p;
  return { adjacency: { rows: n, cols: n, rowPtr, colIdx, values }, degrees, k, ...graph, warnings };
}
