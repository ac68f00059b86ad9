/**
 * What SNF users do with a fused network: spectral clustering, estimating
 * the number of clusters, comparing clusterings (NMI) and propagating labels
 * to unlabelled samples.
 *
 * References: Ng, Jordan & Weiss 2002 (normalised spectral clustering);
 * SNFtool 2.3.1 `spectralClustering`, `estimateNumberOfClustersGivenGraph`,
 * `calNMI`, `groupPredict` and `.csPrediction`; Zhou et al. 2004 (local and
 * global consistency).
 */

import { createMatrix, Rng, type BmlWarning, type Matrix } from '@bml/core';
import { lanczosEigen } from './eigen.js';
import { fuseFeatures, type FuseFeaturesOptions } from './fuse.js';
import { checkChoice, checkInteger, checkMatrix, fail, PKG } from './validate.js';

// ---------------------------------------------------------------------------
// k-means

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Seed of the k-means++ starts. Default 0. */
  seed?: number;
  /** Independent starts; the one with the lowest inertia wins. Default 10. */
  nInit?: number;
  /** Lloyd iterations per start. Default 300. */
  maxIterations?: number;
}

/** A k-means clustering. */
export interface KMeansResult {
  /** Cluster of each row, numbered in order of first appearance. */
  labels: Int32Array;
  /** k x d cluster means (in the order of `labels`). */
  centers: Matrix;
  /** Sum of squared distances of the rows to their centre. */
  inertia: number;
  /** Lloyd iterations of the winning start. */
  iterations: number;
}

/** Seeded k-means (k-means++ starts, Lloyd iterations; ties go to the lower centre). */
export function kMeans(x: Matrix, k: number, options: KMeansOptions = {}): KMeansResult {
  checkMatrix('points', x);
  const n = x.rows;
  const d = x.cols;
  checkInteger('k', k, 1, Math.max(1, n));
  const rng = new Rng(options.seed ?? 0);
  const nInit = checkInteger('nInit', options.nInit ?? 10, 1);
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 300, 1);
  const dist = (i: number, centers: Float64Array, c: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = x.data[i * d + t] - centers[c * d + t];
      s += v * v;
    }
    return s;
  };
  let best: KMeansResult | null = null;
  for (let start = 0; start < nInit; start++) {
    const centers = new Float64Array(k * d);
    // k-means++
    const closest = new Float64Array(n).fill(Infinity);
    let pick = rng.int(n);
    for (let c = 0; c < k; c++) {
      centers.set(x.data.subarray(pick * d, pick * d + d), c * d);
      let total = 0;
      for (let i = 0; i < n; i++) {
        closest[i] = Math.min(closest[i], dist(i, centers, c));
        total += closest[i];
      }
      if (c + 1 === k) break;
      if (total === 0) {
        pick = rng.int(n);
        continue;
      }
      let r = rng.uniform() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= closest[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    }
    const labels = new Int32Array(n).fill(-1);
    let iterations = 0;
    let inertia = 0;
    for (; iterations < maxIterations; iterations++) {
      let changed = false;
      inertia = 0;
      const own = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let bestC = 0;
        let bestD = Infinity;
        for (let c = 0; c < k; c++) {
          const v = dist(i, centers, c);
          if (v < bestD) {
            bestD = v;
            bestC = c;
          }
        }
        if (labels[i] !== bestC) changed = true;
        labels[i] = bestC;
        own[i] = bestD;
        inertia += bestD;
      }
      if (!changed && iterations > 0) break;
      const counts = new Int32Array(k);
      centers.fill(0);
      for (let i = 0; i < n; i++) {
        counts[labels[i]]++;
        for (let t = 0; t < d; t++) centers[labels[i] * d + t] += x.data[i * d + t];
      }
      for (let c = 0; c < k; c++) {
        if (counts[c] > 0) {
          for (let t = 0; t < d; t++) centers[c * d + t] /= counts[c];
          continue;
        }
        // an empty cluster takes the point farthest from its centre
        let far = 0;
        for (let i = 1; i < n; i++) if (own[i] > own[far]) far = i;
        centers.set(x.data.subarray(far * d, far * d + d), c * d);
        own[far] = 0;
      }
    }
    if (best === null || inertia < best.inertia) {
      best = { ...canonical(labels, centers, k, d), inertia, iterations };
    }
  }
  return best!;
}

/** Renumbers clusters by first appearance. */
function canonical(
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  d: number,
): { labels: Int32Array; centers: Matrix } {
  const map = new Int32Array(k).fill(-1);
  let next = 0;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (map[labels[i]] < 0) map[labels[i]] = next++;
    out[i] = map[labels[i]];
  }
  for (let c = 0; c < k; c++) if (map[c] < 0) map[c] = next++;
  const sorted = new Float64Array(k * d);
  for (let c = 0; c < k; c++) sorted.set(centers.subarray(c * d, c * d + d), map[c] * d);
  return { labels: out, centers: createMatrix(k, d, sorted) };
}

// ---------------------------------------------------------------------------
// Spectral embedding

/**
 * The `k` leading eigenpairs of D^-1/2 W D^-1/2 for W symmetrised,
 * (W + Wᵀ) / 2, with D its row sums (0 replaced by machine epsilon), and,
 * when `zeroDiagonal`, its diagonal set to 0 first.
 */
function normalizedEigenpairs(
  w: Matrix,
  k: number,
  zeroDiagonal: boolean,
  seed: number,
): { values: Float64Array; vectors: Matrix } {
  const n = w.rows;
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = (w.data[i * n + j] + w.data[j * n + i]) / 2;
      if (!Number.isFinite(v) || v < 0)
        fail(
          `similarity entry (${i}, ${j}) is ${w.data[i * n + j]}; similarities must be finite and >= 0`,
          'INVALID_SIMILARITY',
        );
      sym[i * n + j] = zeroDiagonal && i === j ? 0 : v;
    }
  }
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += sym[i * n + j];
    scale[i] = 1 / Math.sqrt(s > 0 ? s : Number.EPSILON);
  }
  const tmp = new Float64Array(n);
  return lanczosEigen(
    (x, out) => {
      for (let j = 0; j < n; j++) tmp[j] = scale[j] * x[j];
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += sym[i * n + j] * tmp[j];
        out[i] = scale[i] * s;
      }
    },
    n,
    { k, which: 'largest', seed },
  );
}

/** Rows of `u` scaled to unit length (zero rows stay zero). */
function normalizeRows(u: Matrix): Matrix {
  const out = new Float64Array(u.data.length);
  for (let i = 0; i < u.rows; i++) {
    let s = 0;
    for (let t = 0; t < u.cols; t++) s += u.data[i * u.cols + t] ** 2;
    const f = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < u.cols; t++) out[i * u.cols + t] = u.data[i * u.cols + t] * f;
  }
  return createMatrix(u.rows, u.cols, out);
}

/** Options of {@link spectralClustering}. */
export interface SpectralOptions extends KMeansOptions {}

/**
 * Normalised spectral clustering of a similarity matrix into `clusters`
 * groups: the leading eigenvectors of D^-1/2 W D^-1/2 (the smallest of the
 * normalised Laplacian, as SNFtool's type 3), rows scaled to unit length
 * (Ng, Jordan & Weiss), then seeded k-means. SNFtool assigns clusters by a
 * discretisation of the eigenvectors instead of k-means.
 */
export function spectralClustering(similarity: Matrix, clusters: number, options: SpectralOptions = {}): Int32Array {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  if (similarity.cols !== n)
    fail(`the similarity matrix must be square, got ${n} x ${similarity.cols}`, 'SHAPE_MISMATCH');
  checkInteger('clusters', clusters, 1, n);
  const { vectors } = normalizedEigenpairs(similarity, clusters, false, options.seed ?? 0);
  return kMeans(normalizeRows(vectors), clusters, options).labels;
}

/** Result of {@link estimateNumberOfClusters}. */
export interface ClusterCountEstimate {
  /** Best and second best number of clusters by the eigengap heuristic (SNFtool K1, K12). */
  eigengap: [number, number];
  /** Best and second best by the rotation cost heuristic (SNFtool K2, K22). */
  rotationCost: [number, number];
  /** Smallest eigenvalues of the normalised Laplacian, increasing (one more than the largest candidate). */
  eigenvalues: Float64Array;
  /** Eigengap score of each candidate. */
  gaps: Record<number, number>;
  /** Rotation cost of each candidate (lower is better). */
  costs: Record<number, number>;
  /** Warnings (a candidate of 1 dropped). */
  warnings: BmlWarning[];
}

/**
 * SNFtool's `estimateNumberOfClustersGivenGraph`: with L the normalised
 * Laplacian of W (symmetrised, zero diagonal) and λ_1 <= λ_2 <= ... its
 * eigenvalues, the eigengap score of c is |λ_{c+1} - λ_c| (1 - λ_c) / (1 - λ_{c+1})
 * (higher is better); the rotation cost of c is (1 - λ_{c+1}) / (1 - λ_c) times
 * Σ_rows Σ_{t < max(2, c - 1)} u_t² / u_1², u the row-normalised first c
 * eigenvectors sorted by decreasing square (lower is better). This follows the
 * SNF authors' MATLAB code; SNFtool's R port passes the discretised
 * eigenvectors there, which reduces the cost to N (1 - λ_{c+1}) / (1 - λ_c).
 */
export function estimateNumberOfClusters(
  similarity: Matrix,
  options: { candidates?: readonly number[]; seed?: number } = {},
): ClusterCountEstimate {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  const warnings: BmlWarning[] = [];
  let candidates = [...(options.candidates ?? [2, 3, 4, 5])];
  if (candidates.includes(1)) {
    warnings.push({
      code: 'ONE_CLUSTER_DROPPED',
      message: `${PKG}: the cluster-count estimate assumes more than one cluster; candidate 1 dropped`,
    });
    candidates = candidates.filter((c) => c > 1);
  }
  if (candidates.length < 2) fail('at least two candidate numbers of clusters above 1 are needed', 'INVALID_OPTION');
  for (const c of candidates) checkInteger('candidate', c, 2, n - 1);
  const top = Math.max(...candidates) + 1;
  const { values: mu, vectors } = normalizedEigenpairs(similarity, top, true, options.seed ?? 0);
  const eigenvalues = mu.map((v) => 1 - v);
  const gaps: Record<number, number> = {};
  const costs: Record<number, number> = {};
  for (const c of candidates) {
    gaps[c] = (Math.abs(mu[c - 1] - mu[c]) * mu[c - 1]) / mu[c];
    const width = Math.max(2, c - 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const row = new Float64Array(c);
      let norm = 0;
      for (let t = 0; t < c; t++) norm += vectors.data[i * top + t] ** 2;
      for (let t = 0; t < c; t++) row[t] = norm > 0 ? vectors.data[i * top + t] ** 2 / norm : 0;
      row.sort().reverse();
      for (let t = 0; t < Math.min(width, c); t++) total += row[t] / (row[0] + Number.EPSILON);
    }
    costs[c] = (mu[c] / mu[c - 1]) * total;
  }
  const byGap = [...candidates].sort((a, b) => gaps[b] - gaps[a] || candidates.indexOf(a) - candidates.indexOf(b));
  const byCost = [...candidates].sort((a, b) => costs[a] - costs[b] || candidates.indexOf(a) - candidates.indexOf(b));
  return { eigengap: [byGap[0], byGap[1]], rotationCost: [byCost[0], byCost[1]], eigenvalues, gaps, costs, warnings };
}

// ---------------------------------------------------------------------------
// NMI

/**
 * Normalised mutual information between two clusterings (labels of any
 * kind, compared by equality): MI / sqrt(H(a) H(b)) by default (SNFtool
 * `calNMI`), or MI divided by the `arithmetic` mean, `max` or `min` of the
 * entropies (scikit-learn's `average_method`). Two single-cluster labelings
 * give 1; one single-cluster labeling against another gives 0.
 */
export function nmi(
  a: ArrayLike<unknown>,
  b: ArrayLike<unknown>,
  options: { normalization?: 'sqrt' | 'arithmetic' | 'max' | 'min' } = {},
): number {
  const normalization = checkChoice('normalization', options.normalization ?? 'sqrt', [
    'sqrt',
    'arithmetic',
    'max',
    'min',
  ]);
  if (a.length !== b.length) fail(`the clusterings have ${a.length} and ${b.length} samples`, 'SHAPE_MISMATCH');
  const n = a.length;
  if (n === 0) fail('the clusterings are empty', 'SHAPE_MISMATCH');
  const ia = codes(a);
  const ib = codes(b);
  const ka = Math.max(...ia) + 1;
  const kb = Math.max(...ib) + 1;
  const joint = new Float64Array(ka * kb);
  for (let i = 0; i < n; i++) joint[ia[i] * kb + ib[i]] += 1 / n;
  const pa = new Float64Array(ka);
  const pb = new Float64Array(kb);
  for (let x = 0; x < ka; x++)
    for (let y = 0; y < kb; y++) {
      pa[x] += joint[x * kb + y];
      pb[y] += joint[x * kb + y];
    }
  let mi = 0;
  for (let x = 0; x < ka; x++)
    for (let y = 0; y < kb; y++) {
      const p = joint[x * kb + y];
      if (p > 0) mi += p * Math.log2(p / (pa[x] * pb[y]));
    }
  const entropy = (p: Float64Array): number => p.reduce((s, v) => (v > 0 ? s - v * Math.log2(v) : s), 0);
  const ha = entropy(pa);
  const hb = entropy(pb);
  if (ha === 0 && hb === 0) return 1;
  if (ha === 0 || hb === 0) return 0;
  const denominator =
    normalization === 'sqrt'
      ? Math.sqrt(ha * hb)
      : normalization === 'arithmetic'
        ? (ha + hb) / 2
        : normalization === 'max'
          ? Math.max(ha, hb)
          : Math.min(ha, hb);
  return Math.min(1, Math.max(0, mi / denominator));
}

function codes(labels: ArrayLike<unknown>): Int32Array {
  const map = new Map<unknown, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let c = map.get(labels[i]);
    if (c === undefined) map.set(labels[i], (c = map.size));
    out[i] = c;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Label propagation

/** Options of {@link labelPropagation}. */
export interface LabelPropagationOptions {
  /** `'propagation'` (SNFtool method 1, default): iterate Y <- P Y, resetting the labelled rows; `'consistency'` (method 0): Y = (1 - α) (I - α P)^-1 Y0. */
  method?: 'propagation' | 'consistency';
  /** α of the consistency method. Default 0.9 (SNFtool). */
  alpha?: number;
  /** Most iterations of the propagation method. Default 1000 (SNFtool). */
  iterations?: number;
  /** Stop the propagation once no score moves by more than this. Default 1e-12. */
  tolerance?: number;
}

/** Scores and labels of every sample. */
export interface LabelPropagationResult {
  /** N x C class scores. */
  scores: Matrix;
  /** The best-scoring class of each sample (labelled samples keep theirs; ties go to the lower class). */
  labels: Int32Array;
  /** Propagation iterations run (0 for the consistency method). */
  iterations: number;
}

/**
 * Spreads class labels 0..C-1 over a similarity matrix to the samples
 * labelled -1, with P = W / row sums (SNFtool `.csPrediction`).
 */
export function labelPropagation(
  similarity: Matrix,
  labels: ArrayLike<number>,
  options: LabelPropagationOptions = {},
): LabelPropagationResult {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  if (similarity.cols !== n || labels.length !== n)
    fail(`need an N x N similarity and N labels, got ${n} x ${similarity.cols} and ${labels.length}`, 'SHAPE_MISMATCH');
  const method = checkChoice('method', options.method ?? 'propagation', ['propagation', 'consistency']);
  let C = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= -1))
      fail(`label ${i} is ${y}; labels must be class numbers 0..C-1, or -1 for unknown`, 'INVALID_LABEL');
    C = Math.max(C, y + 1);
  }
  if (C === 0) fail('no sample is labelled', 'INVALID_LABEL');
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += similarity.data[i * n + j];
    for (let j = 0; j < n; j++) P[i * n + j] = s > 0 ? similarity.data[i * n + j] / s : 0;
  }
  const Y0 = new Float64Array(n * C);
  for (let i = 0; i < n; i++) if (labels[i] >= 0) Y0[i * C + labels[i]] = 1;
  let Y: Float64Array;
  let iterations = 0;
  if (method === 'propagation') {
    const maxIterations = checkInteger('iterations', options.iterations ?? 1000, 1);
    const tolerance = options.tolerance ?? 1e-12;
    Y = Y0.slice();
    const next = new Float64Array(n * C);
    for (; iterations < maxIterations; ) {
      next.fill(0);
      for (let i = 0; i < n; i++) {
        if (labels[i] >= 0) {
          next.set(Y0.subarray(i * C, i * C + C), i * C);
          continue;
        }
        for (let j = 0; j < n; j++) {
          const p = P[i * n + j];
          if (p !== 0) for (let c = 0; c < C; c++) next[i * C + c] += p * Y[j * C + c];
        }
      }
      iterations++;
      let moved = 0;
      for (let e = 0; e < next.length; e++) moved = Math.max(moved, Math.abs(next[e] - Y[e]));
      Y.set(next);
      if (moved <= tolerance) break;
    }
  } else {
    const alpha = options.alpha ?? 0.9;
    if (!(alpha > 0 && alpha < 1)) fail(`alpha must be in (0, 1), got ${alpha}`, 'INVALID_OPTION');
    const A = new Float64Array(n * n);
    for (let e = 0; e < n * n; e++) A[e] = -alpha * P[e];
    for (let i = 0; i < n; i++) A[i * n + i] += 1;
    Y = solve(
      A,
      n,
      Y0.map((v) => (1 - alpha) * v),
      C,
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels[i] >= 0) {
      out[i] = labels[i];
      continue;
    }
    let best = 0;
    for (let c = 1; c < C; c++) if (Y[i * C + c] > Y[i * C + best]) best = c;
    out[i] = best;
  }
  return { scores: createMatrix(n, C, Y), labels: out, iterations };
}

/** Solves A X = B (A n x n, B n x C, both row-major; A and B are overwritten) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, n: number, B: Float64Array, C: number): Float64Array {
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]) > Math.abs(A[pivot * n + k])) pivot = i;
    if (A[pivot * n + k] === 0) fail('the label propagation system is singular', 'SINGULAR');
    if (pivot !== k) {
      for (let j = 0; j < n; j++) [A[k * n + j], A[pivot * n + j]] = [A[pivot * n + j], A[k * n + j]];
      for (let c = 0; c < C; c++) [B[k * C + c], B[pivot * C + c]] = [B[pivot * C + c], B[k * C + c]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k] / A[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j] -= f * A[k * n + j];
      for (let c = 0; c < C; c++) B[i * C + c] -= f * B[k * C + c];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let c = 0; c < C; c++) {
      let s = B[k * C + c];
      for (let j = k + 1; j < n; j++) s -= A[k * n + j] * B[j * C + c];
      B[k * C + c] = s / A[k * n + k];
    }
  }
  return B;
}

/**
 * SNFtool's `groupPredict`: fuses the training and test samples together
 * (each omics: training rows then test rows; labels are not used by the
 * fusion) and propagates the training labels to the test samples. Returns
 * the test samples' labels and scores.
 */
export function groupPredict(
  train: readonly Matrix[],
  test: readonly Matrix[],
  labels: ArrayLike<number>,
  options: FuseFeaturesOptions & LabelPropagationOptions = {},
): { labels: Int32Array; scores: Matrix } {
  if (train.length !== test.length || train.length === 0)
    fail(`need the same omics for training and test samples, got ${train.length} and ${test.length}`, 'SHAPE_MISMATCH');
  const nTrain = train[0].rows;
  const nTest = test[0].rows;
  if (labels.length !== nTrain) fail(`${labels.length} labels for ${nTrain} training samples`, 'SHAPE_MISMATCH');
  const all = train.map((x, v) => {
    const y = test[v];
    if (x.cols !== y.cols)
      fail(`omics ${v} has ${x.cols} features in training and ${y.cols} in test`, 'SHAPE_MISMATCH');
    const data = new Float64Array((nTrain + nTest) * x.cols);
    data.set(x.data);
    data.set(y.data, nTrain * x.cols);
    return createMatrix(nTrain + nTest, x.cols, data);
  });
  const fused = fuseFeatures(all, options).fused;
  const full = new Int32Array(nTrain + nTest).fill(-1);
  for (let i = 0; i < nTrain; i++) full[i] = labels[i];
  const result = labelPropagation(fused, full, options);
  const C = result.scores.cols;
  return {
    labels: result.labels.slice(nTrain),
    scores: createMatrix(nTest, C, result.scores.data.slice(nTrain * C)),
  };
}
