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
export interface SpectralOptions extends KMeansOptions {
  /**
   * Assignment of the embedding's rows to clusters: `'kmeans'` (default, seeded
   * k-means on the unit-length rows, Ng, Jordan & Weiss 2002) or
   * `'discretisation'` (Yu & Shi 2003, as SNFtool's `spectralClustering`).
   */
  assign?: 'kmeans' | 'discretisation';
}

/**
 * Normalised spectral clustering of a similarity matrix into `clusters`
 * groups: the leading eigenvectors of D^-1/2 W D^-1/2 (the smallest of the
 * normalised Laplacian, as SNFtool's type 3), rows scaled to unit length,
 * then seeded k-means or the discretisation of Yu & Shi (`assign`). Labels
 * are numbered by first appearance.
 */
export function spectralClustering(similarity: Matrix, clusters: number, options: SpectralOptions = {}): Int32Array {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  if (similarity.cols !== n)
    fail(`the similarity matrix must be square, got ${n} x ${similarity.cols}`, 'SHAPE_MISMATCH');
  checkInteger('clusters', clusters, 1, n);
  const assign = checkChoice('assign', options.assign ?? 'kmeans', ['kmeans', 'discretisation']);
  const { vectors } = normalizedEigenpairs(similarity, clusters, false, options.seed ?? 0);
  if (assign === 'discretisation') return firstAppearance(discretize(vectors).labels);
  return kMeans(normalizeRows(vectors), clusters, options).labels;
}

/** Labels renumbered 0, 1, ... in order of first appearance. */
function firstAppearance(labels: Int32Array): Int32Array {
  const map = new Map<number, number>();
  return labels.map((label) => {
    let code = map.get(label);
    if (code === undefined) map.set(label, (code = map.size));
    return code;
  });
}

/** Result of {@link discretize}. */
export interface Discretisation {
  /** Cluster of each row: the column of its largest rotated entry (first one on ties). */
  labels: Int32Array;
  /** The rotated eigenvectors U R (n x k; U with unit-length rows). */
  rotated: Matrix;
  /**
   * The k x k rotation R the labels come from. It starts as rows of U and is
   * orthogonal after the first update (`iterations` > 0); when the first Ncut
   * value is already 0 it is the start itself, as in SNFtool.
   */
  rotation: Matrix;
  /** Rotation updates run (at most 20). */
  iterations: number;
}

/**
 * Discretises spectral eigenvectors as Yu & Shi (2003, "Multiclass spectral
 * clustering") do, following SNFtool 2.3.1 `.discretisation`: rows of `u` (n x k) scaled to unit
 * length; R's first column is the row at position round(n / 2) (1-based,
 * R's rounding of halves to even); each further column the row least
 * aligned with the columns so far; then at most 20 times: X = the 0/1
 * matrix of each row's largest entry of U R, the SVD Xᵀ U = A Σ Bᵀ, stop
 * once the Ncut value 2 (n - trace Σ) no longer changes, else R = B Aᵀ.
 */
export function discretize(u: Matrix): Discretisation {
  checkMatrix('eigenvectors', u);
  const n = u.rows;
  const k = u.cols;
  if (n === 0 || k === 0) fail(`the eigenvectors must be a non-empty matrix, got ${n} x ${k}`, 'SHAPE_MISMATCH');
  const v = normalizeRows(u).data;
  const R = initialRotation(v, n, k);

  const used = new Float64Array(k * k);
  const rotated = new Float64Array(n * k);
  const labels = new Int32Array(n);
  let last = 0;
  let iterations = 0;
  for (let round = 0; round < 20; round++) {
    used.set(R);
    multiply(v, R, n, k, rotated);
    largestColumn(rotated, n, k, labels);

    // M = Xᵀ U: row a sums the rows of U assigned to cluster a
    const M = new Float64Array(k * k);
    for (let i = 0; i < n; i++) for (let b = 0; b < k; b++) M[labels[i] * k + b] += v[i * k + b];
    const { left, values, right } = smallSvd(M, k);
    const ncut = 2 * (n - values.reduce((sum, x) => sum + x, 0));
    if (Math.abs(ncut - last) < Number.EPSILON) break;
    last = ncut;

    // R = B Aᵀ
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        let sum = 0;
        for (let t = 0; t < k; t++) sum += right[a * k + t] * left[b * k + t];
        R[a * k + b] = sum;
      }
    }
    iterations++;
  }
  // the labels come from the last rotation used, which the final update (after 20 rounds) does not change
  multiply(v, used, n, k, rotated);
  return { labels, rotated: createMatrix(n, k, rotated), rotation: createMatrix(k, k, used), iterations };
}

/**
 * Builds the starting rotation of the discretisation: its first column is
 * row round(n / 2) (1-based) of `v`, each further column the row whose
 * summed |dot product| with the columns so far is smallest.
 */
function initialRotation(v: Float64Array, n: number, k: number): Float64Array {
  const R = new Float64Array(k * k);
  const start = Math.max(0, roundHalfEven(n / 2) - 1);
  for (let a = 0; a < k; a++) R[a * k] = v[start * k + a];
  const c = new Float64Array(n);
  for (let j = 1; j < k; j++) {
    let best = 0;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let a = 0; a < k; a++) dot += v[i * k + a] * R[a * k + j - 1];
      c[i] += Math.abs(dot);
      if (c[i] < c[best]) best = i;
    }
    for (let a = 0; a < k; a++) R[a * k + j] = v[best * k + a];
  }
  return R;
}

/** Writes into `labels` the column of each row's largest entry (the first on ties). */
function largestColumn(x: Float64Array, n: number, k: number, labels: Int32Array): void {
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let a = 1; a < k; a++) if (x[i * k + a] > x[i * k + best]) best = a;
    labels[i] = best;
  }
}

/** R's `round` for halves: to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** out = a b for a (n x k) and b (k x k), row-major. */
function multiply(a: Float64Array, b: Float64Array, n: number, k: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let col = 0; col < k; col++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a[i * k + t] * b[t * k + col];
      out[i * k + col] = sum;
    }
  }
}

/**
 * Computes the SVD of a small square matrix M (k x k, row-major) by
 * one-sided Jacobi rotations (Hestenes): M = A diag(values) Bᵀ with A and B
 * orthogonal. Columns of A for zero singular values are completed to an
 * orthonormal basis, and any completion is an SVD because they multiply
 * zeros.
 */
export function smallSvd(M: Float64Array, k: number): { left: Float64Array; values: Float64Array; right: Float64Array } {
  const W = M.slice();
  const B = new Float64Array(k * k);
  for (let a = 0; a < k; a++) B[a * k + a] = 1;
  orthogonalizeColumns(W, B, k);

  const values = new Float64Array(k);
  const left = new Float64Array(k * k);
  const norms = Array.from({ length: k }, (_, a) => Math.hypot(...columnOf(W, k, a)));
  const largest = Math.max(...norms);
  const zero: number[] = [];
  for (let a = 0; a < k; a++) {
    if (norms[a] === 0 || norms[a] <= 1e-13 * largest) {
      zero.push(a);
      continue;
    }
    values[a] = norms[a];
    for (let i = 0; i < k; i++) left[i * k + a] = W[i * k + a] / norms[a];
  }
  completeBasis(left, k, zero);
  return { left, values, right: B };
}

/**
 * Rotates pairs of columns of W (and the same pairs of B) until all columns
 * of W are orthogonal, at most 60 sweeps.
 */
function orthogonalizeColumns(W: Float64Array, B: Float64Array, k: number): void {
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < k; i++) {
          alpha += W[i * k + p] ** 2;
          beta += W[i * k + q] ** 2;
          gamma += W[i * k + p] * W[i * k + q];
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cos = 1 / Math.sqrt(1 + t * t);
        const sin = cos * t;
        for (const X of [W, B]) {
          for (let i = 0; i < k; i++) {
            const xp = X[i * k + p];
            const xq = X[i * k + q];
            X[i * k + p] = cos * xp - sin * xq;
            X[i * k + q] = sin * xp + cos * xq;
          }
        }
      }
    }
    if (!rotated) return;
  }
}

/** Fills the columns `zero` of A (k x k) by Gram-Schmidt on the standard basis vectors, so A is orthogonal. */
function completeBasis(A: Float64Array, k: number, zero: readonly number[]): void {
  for (const a of zero) {
    for (let e = 0; e < k; e++) {
      const candidate = new Float64Array(k);
      candidate[e] = 1;
      // columns not yet completed are zero and leave the candidate unchanged
      for (let b = 0; b < k; b++) {
        if (b === a) continue;
        let dot = 0;
        for (let i = 0; i < k; i++) dot += candidate[i] * A[i * k + b];
        for (let i = 0; i < k; i++) candidate[i] -= dot * A[i * k + b];
      }
      const norm = Math.hypot(...candidate);
      if (norm > 0.5) {
        for (let i = 0; i < k; i++) A[i * k + a] = candidate[i] / norm;
        break;
      }
    }
  }
}

function columnOf(X: Float64Array, k: number, a: number): number[] {
  return Array.from({ length: k }, (_, i) => X[i * k + a]);
}

/** Result of {@link estimateNumberOfClusters}. */
export interface ClusterCountEstimate {
  /** Best and second best number of clusters by the eigengap heuristic (SNFtool K1, K12). */
  eigengap: [number, number];
  /** Best and second best by the rotation cost heuristic (SNFtool K2, K22). */
  rotationCost: [number, number];
  /** Smallest eigenvalues of the normalised Laplacian, increasing (one more than the largest candidate). */
  eigenvalues: Float64Array;
  /** Eigengap score of each candidate (higher is better). */
  gaps: Record<number, number>;
  /** Rotation cost of each candidate (lower is better). */
  costs: Record<number, number>;
  /** Warnings (a candidate of 1 dropped). */
  warnings: BmlWarning[];
}

/** Options of {@link estimateNumberOfClusters}. */
export interface ClusterCountOptions {
  /** Numbers of clusters to compare. Default [2, 3, 4, 5]; 1 is dropped with a warning. */
  candidates?: readonly number[];
  /** Seed of the eigensolver's start vector. Default 0. */
  seed?: number;
  /**
   * Eigenvectors the rotation cost is measured on: `'rotated'` (default),
   * the eigenvectors times the rotation of the Yu & Shi discretisation, or
   * `'discrete'`, the 0/1 matrix that discretisation ends with, as SNFtool
   * 2.3.1 does (which makes the row sum exactly 1 per sample, so the cost is
   * N (1 - λ_{c+1}) / (1 - λ_c)).
   */
  costEigenvectors?: 'rotated' | 'discrete';
}

/**
 * SNFtool's `estimateNumberOfClustersGivenGraph`: with L the normalised
 * Laplacian of W (symmetrised, zero diagonal) and λ_1 <= λ_2 <= ... its
 * eigenvalues, the eigengap score of c is |λ_{c+1} - λ_c| (1 - λ_c) / (1 - λ_{c+1})
 * (higher is better). The rotation cost of c is (1 - λ_{c+1}) / (1 - λ_c)
 * times Σ_rows Σ_{t < max(2, c - 1)} v_t² / v_1², v a row of the first c
 * eigenvectors after the discretisation (see `costEigenvectors`), its
 * squares sorted in decreasing order (lower is better). When every row of
 * the rotated eigenvectors has one non-zero entry (c separate blocks), the
 * sum is N.
 */
export function estimateNumberOfClusters(
  similarity: Matrix,
  options: ClusterCountOptions = {},
): ClusterCountEstimate {
  checkMatrix('similarity', similarity);
  const n = similarity.rows;
  if (similarity.cols !== n)
    fail(`the similarity matrix must be square, got ${n} x ${similarity.cols}`, 'SHAPE_MISMATCH');
  const costEigenvectors = checkChoice('costEigenvectors', options.costEigenvectors ?? 'rotated', [
    'rotated',
    'discrete',
  ]);
  const warnings: BmlWarning[] = [];
  let candidates = [...(options.candidates ?? [2, 3, 4, 5])];
  if (candidates.includes(1)) {
    warnings.push({
      code: 'ONE_CLUSTER_DROPPED',
      message: `${PKG}: the cluster-count estimate assumes more than one cluster; candidate 1 dropped`,
    });
    candidates = candidates.filter((c) => c !== 1);
  }
  if (candidates.length < 2) fail('at least two candidate numbers of clusters above 1 are needed', 'INVALID_OPTION');
  for (const c of candidates) checkInteger('candidate', c, 2, n - 1);
  const top = Math.max(...candidates) + 1;
  const { values: mu, vectors } = normalizedEigenpairs(similarity, top, true, options.seed ?? 0);
  // mu = eigenvalues of D^-1/2 W D^-1/2, largest first, so 1 - λ_c = mu[c - 1]
  const eigenvalues = mu.map((v) => 1 - v);
  const gaps: Record<number, number> = {};
  const costs: Record<number, number> = {};
  for (const c of candidates) {
    gaps[c] = (Math.abs(mu[c - 1] - mu[c]) * mu[c - 1]) / mu[c];
    const leading = new Float64Array(n * c);
    for (let i = 0; i < n; i++) for (let t = 0; t < c; t++) leading[i * c + t] = vectors.data[i * top + t];
    const discretisation = discretize(createMatrix(n, c, leading));
    const width = Math.max(2, c - 1);
    const squares = new Float64Array(c);
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < c; t++) {
        squares[t] =
          costEigenvectors === 'discrete'
            ? Number(discretisation.labels[i] === t)
            : discretisation.rotated.data[i * c + t] ** 2;
      }
      squares.sort().reverse();
      for (let t = 0; t < Math.min(width, c); t++) total += squares[t] / (squares[0] + Number.EPSILON);
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
