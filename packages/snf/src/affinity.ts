/**
 * Affinity (similarity) networks from features: distances, the local scale
 * of each sample, and one of three kernels.
 *
 * Local scale: m_i = mean distance from sample i to its K nearest other
 * samples (self excluded) [SNF14]; ε_ij = (m_i + m_j + ρ_ij) / 3.
 *
 * Kernels (`kernel` option):
 * - `paper` (default): W_ij = exp(-ρ_ij² / (μ ε_ij)), the scaled exponential
 *   kernel of Wang et al. 2014, Nature Methods 11:333 (and [BML25] Eq. 1),
 *   on Euclidean distances by default. Zero-scale rule: ε_ij >= ρ_ij / 3, so
 *   ε_ij = 0 only when ρ_ij = 0, and then W_ij = 1 (no 0/0).
 * - `snftool`: SNFtool 2.3.1 `affinityMatrix`: the normal density of ρ_ij with
 *   standard deviation μ Σ_ij, Σ_ij = (m_i + m_j) / 3 + ρ_ij / 3 + eps
 *   (m_i + eps in place of m_i; Σ floored at eps), then (W + Wᵀ) / 2. Its
 *   examples pass squared Euclidean distances (`dist2`), the default metric here.
 * - `snfpy`: snfpy `affinity_matrix` (rmarkello/snfpy@fd65e38): the normal
 *   density with standard deviation μ σ_ij, σ_ij = (m_i + eps + m_j + eps +
 *   ρ_ij) / 3, replaced by 0 when not above eps, plus eps; symmetrised.
 *   Default metric squared Euclidean.
 *
 * eps is machine epsilon (2^-52). Every kernel is computed as a logarithm
 * first (log W), so far pairs underflow to exactly 0 while near pairs keep
 * full precision; fusion normalises rows from these logarithms when a
 * whole row would otherwise underflow.
 *
 * The paper kernel is not scale invariant (ρ²/ε has the units of a
 * distance): multiplying the features by c raises W to the power c. Features
 * are therefore z-scored first by default (`standardize: true`); the density
 * kernels are scale invariant up to a constant factor per row.
 */

import { createMatrix, type BmlWarning, type Matrix } from '@bml/core';
import {
  applyStandardization,
  featureBytes,
  fitStandardization,
  loadFeatures,
  METRICS,
  reportZeroRows,
  tiledDistances,
  type DistanceMetric,
  type Standardization,
} from './distance.js';
import type { Arena } from './engine/arena.js';
import type { Kernels } from './engine/kernels.js';
import type { Team } from './engine/parallel.js';
import { openArena, type EngineChoice } from './engine/select.js';
import {
  mirrorDiagonalTiles,
  readTiledBlock,
  tiledIndex,
  tiledLength,
  tileRows,
  tileStart,
  untileInto,
} from './symmetric.js';
import { kthSmallest, meanOfSmallest } from './select.js';
import {
  checkChoice,
  checkMatrix,
  checkPositive,
  countPresent,
  PKG,
  presentRows,
  resolveNeighbours,
  sampleName,
  type LargeKPolicy,
  type WarningSink,
} from './validate.js';

/** Kernel turning distances into affinities. */
export type KernelName = 'paper' | 'snftool' | 'snfpy';

export const KERNELS: readonly KernelName[] = ['paper', 'snftool', 'snfpy'];

/** Default metric of each kernel: the paper's Euclidean distance, the reference codes' squared one. */
export const DEFAULT_METRIC: Readonly<Record<KernelName, DistanceMetric>> = {
  paper: 'euclidean',
  snftool: 'sqeuclidean',
  snfpy: 'sqeuclidean',
};

/** Machine epsilon, as added by SNFtool (`.Machine$double.eps`) and snfpy (`np.spacing(1)`). */
export const EPS = 2.220446049250313e-16;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Options of the affinity functions. */
export interface AffinityOptions {
  /** Kernel. Default `'paper'`. */
  kernel?: KernelName;
  /** Distance between samples. Default: `'euclidean'` for `paper`, `'sqeuclidean'` for `snftool` and `snfpy`. */
  metric?: DistanceMetric;
  /** Number of neighbours in the local scale. Default 20. */
  K?: number;
  /** Kernel width μ (SNFtool's `sigma`, snfpy's `mu`). Default 0.5. */
  mu?: number;
  /** Z-score each feature (n - 1, sd 0 -> 1) before the distances. Default true. */
  standardize?: boolean;
  /** K not smaller than the number of samples: throw `K_TOO_LARGE` (`'error'`, default) or use samples - 1 with a `K_CLAMPED` warning (`'clamp'`). */
  onLargeK?: LargeKPolicy;
  /** Return W (`'affinity'`, default) or log W (`'log'`). */
  output?: 'affinity' | 'log';
  /** Sample ids, used to name samples in warnings. */
  ids?: readonly string[];
  /** Receives warnings (K clamped, duplicate samples, zero rows under cosine). */
  onWarning?: WarningSink;
  /** Implementation of the inner loops. Default `'auto'`. */
  engine?: EngineChoice;
}

/** Resolved per-view kernel settings. */
export interface KernelSettings {
  kernel: KernelName;
  metric: DistanceMetric;
  K: number;
  mu: number;
  standardize: boolean;
}

/** Fills defaults and checks the kernel options (K is checked later against the sample count). */
export function resolveKernelSettings(options: AffinityOptions): KernelSettings {
  const kernel = checkChoice('kernel', options.kernel ?? 'paper', KERNELS);
  const metric = checkChoice('metric', options.metric ?? DEFAULT_METRIC[kernel], METRICS);
  const mu = checkPositive('mu', options.mu ?? 0.5);
  const K = options.K ?? 20;
  return { kernel, metric, K, mu, standardize: options.standardize ?? true };
}

/**
 * log W for one pair: distance `rho` between samples whose local scales
 * (mean distance to their K nearest neighbours) are `mi` and `mj`.
 */
export function logKernel(kernel: KernelName, rho: number, mi: number, mj: number, mu: number): number {
  if (kernel === 'paper') {
    if (rho === 0) return 0;
    return -(rho * rho) / ((mu * (mi + mj + rho)) / 3);
  }
  const sd = mu * densityScale(kernel, rho, mi, mj);
  const z = rho / sd;
  return -0.5 * z * z - Math.log(sd) - LOG_SQRT_2PI;
}

/** The scale of the density kernels before μ: snfpy's σ_ij or SNFtool's Σ_ij. */
function densityScale(kernel: KernelName, rho: number, mi: number, mj: number): number {
  if (kernel === 'snfpy') {
    const sigma = (mi + EPS + (mj + EPS) + rho) / 3;
    return (sigma > EPS ? sigma : 0) + EPS;
  }
  const sig = ((mi + EPS + (mj + EPS)) / 2 / 3) * 2 + rho / 3 + EPS;
  return sig <= EPS ? EPS : sig;
}

/**
 * Mean of the K smallest off-diagonal entries of each present row of the
 * tiled matrix at element offset `base` (entries between present samples
 * only), summed in increasing order.
 */
export function localScales(
  f: Float64Array,
  base: number,
  n: number,
  present: Uint8Array | null,
  K: number,
  duplicates?: [number, number][],
): Float64Array {
  const out = new Float64Array(n);
  const block = new Float64Array(8 * n);
  const sample = new Float64Array(n);
  const candidates = new Float64Array(n);
  const sampleSize = Math.max(4 * K, 256);
  for (let I = 0; I < tileRows(n); I++) {
    readTiledBlock(f, base, n, I, block);
    for (let b = 0; b < 8 && 8 * I + b < n; b++) {
      const i = 8 * I + b;
      if (present !== null && present[i] === 0) continue;
      const row = block.subarray(b * n, b * n + n);
      // an upper bound of the K-th smallest from the first values, then only the values below it
      let taken = 0;
      let bound = Infinity;
      let count = 0;
      for (let j = 0; j < n; j++) {
        if (j === i || (present !== null && present[j] === 0)) continue;
        const v = row[j];
        if (v === 0 && j < i) duplicates?.push([j, i]);
        if (taken < sampleSize) {
          sample[taken++] = v;
          if (taken === sampleSize) {
            bound = kthSmallest(sample, K - 1, taken);
            for (let q = 0; q < taken; q++) if (sample[q] <= bound) candidates[count++] = sample[q];
          }
        } else if (v <= bound) {
          candidates[count++] = v;
        }
      }
      if (taken < sampleSize) {
        candidates.set(sample.subarray(0, taken));
        count = taken;
      }
      out[i] = count > 0 ? meanOfSmallest(candidates, K, count) : 0;
    }
  }
  return out;
}

/**
 * Whether W itself (rather than log W) can be stored without losing a
 * row to underflow: every sample's nearest neighbour must keep log W >= -300.
 * For the paper kernel that neighbour has ρ <= m_i and ε >= ρ / 3, so
 * log W >= -3 m_i / μ; for the density kernels z = ρ / sd < 3 / μ and
 * sd <= μ (max m + 3 eps).
 */
export function linearIsSafe(
  kernel: KernelName,
  scales: Float64Array,
  present: Uint8Array | null,
  mu: number,
): boolean {
  let largest = 0;
  for (let i = 0; i < scales.length; i++)
    if (present === null || present[i] === 1) largest = Math.max(largest, scales[i]);
  if (kernel === 'paper') return (3 * largest) / mu <= 300;
  const sd = mu * (largest + 3 * EPS);
  return 4.5 / (mu * mu) + Math.log(sd) + LOG_SQRT_2PI <= 300;
}

/**
 * Replaces the tiled distances at element offset `base` by W (`linear`) or
 * log W; pairs with a missing sample and the padding become 0 or -Infinity.
 */
export function applyKernel(
  f: Float64Array,
  base: number,
  n: number,
  present: Uint8Array | null,
  scales: Float64Array,
  kernel: KernelName,
  mu: number,
  linear = false,
): void {
  const nb = tileRows(n);
  const absent = linear ? 0 : Number.NEGATIVE_INFINITY;
  const paper = kernel === 'paper';
  for (let I = 0; I < nb; I++) {
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      for (let c = 0; c < 8; c++) {
        const j = 8 * J + c;
        const pj = j < n && (present === null || present[j] === 1);
        const mj = scales[j];
        for (let b = 0; b < 8; b++) {
          const i = 8 * I + b;
          const e = t + 8 * c + b;
          if (!pj || i >= n || (present !== null && present[i] === 0)) {
            f[e] = absent;
          } else if (paper) {
            const rho = f[e];
            const log = rho === 0 ? 0 : -(rho * rho) / ((mu * (scales[i] + mj + rho)) / 3);
            f[e] = linear ? Math.exp(log) : log;
          } else if (linear) {
            f[e] = densityKernel(kernel, f[e], scales[i], mj, mu);
          } else {
            f[e] = logKernel(kernel, f[e], scales[i], mj, mu);
          }
        }
      }
    }
  }
}

/** W for the density kernels (see {@link logKernel}), without logarithms. */
function densityKernel(kernel: KernelName, rho: number, mi: number, mj: number, mu: number): number {
  const sd = mu * densityScale(kernel, rho, mi, mj);
  const z = rho / sd;
  return Math.exp(-0.5 * z * z) / (sd * SQRT_2PI);
}

/** What {@link computeViewAffinity} learnt about one omics. */
export interface ViewAffinity {
  settings: KernelSettings;
  /** Whether the tiled matrix holds W (true) or log W (false). */
  linear: boolean;
  /** Local scale m_i of each sample (0 for missing samples). */
  localScale: Float64Array;
  /** Which samples have this omics, or null when all do. */
  present: Uint8Array | null;
  /** Number of samples having this omics. */
  nPresent: number;
  /** The z-score applied to the features, or null. */
  standardization: Standardization | null;
  /** The (standardised) features of the samples, as used for the distances. */
  features: Matrix;
}

/**
 * Writes log W of one omics as a tiled matrix at byte offset `dst` of the
 * arena. `scratch`, when given, is where the features are copied (it must
 * hold `featureBytes(rows, cols)` bytes).
 */
export function computeViewAffinity(
  arena: Arena,
  kernels: Kernels,
  x: Matrix,
  settings: KernelSettings,
  onLargeK: LargeKPolicy,
  dst: number,
  scratch: number | undefined,
  warn: WarningSink,
  ids?: readonly string[],
  what = '',
  team: Team | null = null,
  preferLinear = true,
): ViewAffinity {
  checkMatrix(`features${what}`, x);
  const present = presentRows(`features${what}`, x);
  const n = x.rows;
  const nPresent = countPresent(present, n);
  const K = resolveNeighbours('K', settings.K, nPresent, onLargeK, warn, what);
  const standardization = settings.standardize ? fitStandardization(x) : null;
  const z = standardization ? applyStandardization(x, standardization) : x;
  const block = loadFeatures(arena, z, present, scratch);
  const zero = tiledDistances(arena, kernels, block, present, settings.metric, dst, team);
  reportZeroRows(zero, ids, warn, what);
  const duplicates: [number, number][] = [];
  const localScale = localScales(arena.f64, dst / 8, n, present, K, duplicates);
  reportDuplicates(duplicates, ids, warn, what);
  const linear = preferLinear && linearIsSafe(settings.kernel, localScale, present, settings.mu);
  applyKernel(arena.f64, dst / 8, n, present, localScale, settings.kernel, settings.mu, linear);
  return { settings: { ...settings, K }, linear, localScale, present, nPresent, standardization, features: z };
}

function reportDuplicates(
  pairs: [number, number][],
  ids: readonly string[] | undefined,
  warn: WarningSink,
  what: string,
): void {
  if (pairs.length === 0) return;
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const involved = [...new Set(pairs.flat())].sort((a, b) => a - b);
  const names = involved.map((i) => sampleName(ids, i));
  const shown = pairs
    .slice(0, 5)
    .map(([a, b]) => `${sampleName(ids, a)}=${sampleName(ids, b)}`)
    .join(', ');
  const more = pairs.length > 5 ? ` and ${pairs.length - 5} more` : '';
  warn({
    code: 'DUPLICATE_SAMPLES',
    message: `${PKG}: ${pairs.length} pair(s) of samples${what} are at distance 0 (${shown}${more}); they get the largest affinity and neighbour ties are broken by lower index`,
    ids: names,
  });
}

/**
 * The affinity matrix W (N x N) of one omics (rows of `x` are samples).
 * Rows entirely NaN mark samples lacking the omics: their rows and columns
 * are NaN.
 */
export function affinityMatrix(x: Matrix, options: AffinityOptions = {}): Matrix {
  const settings = resolveKernelSettings(options);
  checkMatrix('features', x);
  const n = x.rows;
  const { arena, kernels } = openArena(8 * tiledLength(n) + featureBytes(n, x.cols) + 4096, options.engine);
  const dst = arena.alloc(8 * tiledLength(n));
  const output = checkChoice('output', options.output ?? 'affinity', ['affinity', 'log']);
  const view = computeViewAffinity(
    arena,
    kernels,
    x,
    settings,
    options.onLargeK ?? 'error',
    dst,
    undefined,
    warnTo(options),
    options.ids,
    '',
    null,
    output === 'affinity',
  );
  return expandPacked(arena.f64, dst / 8, n, view.present, output, view.linear);
}

/** One affinity matrix per omics, with the same options (see {@link affinityMatrix}). */
export function affinityMatrices(xs: readonly Matrix[], options: AffinityOptions = {}): Matrix[] {
  return xs.map((x) => affinityMatrix(x, options));
}

/**
 * The affinity matrix from a precomputed `N x N` distance matrix (SNFtool
 * `affinityMatrix(Diff)`, snfpy `affinity_matrix(dist)`): the distances are
 * symmetrised, (D + Dᵀ) / 2, and the diagonal set to 0 first. A sample whose
 * row is entirely NaN is missing. `metric` and `standardize` do not apply.
 */
export function affinityFromDistances(distances: Matrix, options: AffinityOptions = {}): Matrix {
  checkMatrix('distances', distances);
  const n = distances.rows;
  if (distances.cols !== n)
    throw new RangeError(`${PKG}: a distance matrix must be square, got ${n} x ${distances.cols}`);
  const settings = resolveKernelSettings(options);
  const present = presentRows('distances', distances);
  const K = resolveNeighbours('K', settings.K, countPresent(present, n), options.onLargeK ?? 'error', warnTo(options));
  const f = new Float64Array(tiledLength(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const pair = present === null || (present[i] === 1 && present[j] === 1);
      const v = i === j || !pair ? 0 : (distances.data[i * n + j] + distances.data[j * n + i]) / 2;
      if (!(v >= 0)) throw new RangeError(`${PKG}: distance (${i}, ${j}) is ${v}; distances must be finite and >= 0`);
      f[tiledIndex(i, j)] = v;
    }
  }
  mirrorDiagonalTiles(f, 0, n);
  const scales = localScales(f, 0, n, present, K);
  applyKernel(f, 0, n, present, scales, settings.kernel, settings.mu);
  return expandPacked(f, 0, n, present, options.output ?? 'affinity', false);
}

function expandPacked(
  f: Float64Array,
  base: number,
  n: number,
  present: Uint8Array | null,
  output: 'affinity' | 'log',
  linear: boolean,
): Matrix {
  checkChoice('output', output, ['affinity', 'log']);
  const out = new Float64Array(n * n);
  untileInto(f, base, n, out);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const e = i * n + j;
      if (present !== null && (present[i] === 0 || present[j] === 0)) out[e] = Number.NaN;
      else if (output === 'affinity' && !linear) out[e] = Math.exp(out[e]);
    }
  }
  return createMatrix(n, n, out);
}

function warnTo(options: { onWarning?: WarningSink }): WarningSink {
  return options.onWarning ?? ((_: BmlWarning) => undefined);
}
