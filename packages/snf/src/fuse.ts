/**
 * Similarity network fusion [SNF14]: normalise each omics' affinity matrix,
 * build its local kernel, cross-diffuse t times, average.
 *
 * `normalization: 'snftool'` (default) follows SNFtool 2.3.1 `SNF`:
 * P_v = normalise(W_v) (P_ij = W_ij / (2 Σ_{k≠i} W_ik), P_ii = 1/2), then
 * (P + Pᵀ) / 2; S_v = the K largest entries of each row of P_v (self
 * included), row-normalised; each iteration, for all views at once (Jacobi),
 * P_v <- normalise(S_v (mean of the other views' P) S_vᵀ), symmetrised; the
 * output is the views' mean, normalised and symmetrised.
 *
 * `normalization: 'snfpy'` follows snfpy `snf`: P_v = W_v / row sums
 * (diagonal included), symmetrised; S_v by the percentile rule; each
 * iteration P_v <- S_v (mean of the others) S_vᵀ + α I (no row
 * normalisation); the output is the mean, row-normalised, then
 * (W + Wᵀ + I) / 2.
 *
 * Samples missing from an omics (a NaN row, or a NaN diagonal entry of an
 * affinity matrix) take no part in that omics: each pair of samples averages
 * over the omics that have both (and, inside the diffusion, over the other
 * omics that have both, falling back to the view itself where none has).
 */

import { createMatrix, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { computeViewAffinity, resolveKernelSettings, type AffinityOptions, type ViewAffinity } from './affinity.js';
import { featureBytes } from './distance.js';
import type { Arena } from './engine/arena.js';
import { checkFusionMemory } from './memory.js';
import {
  allocDiffusionBuffers,
  diffuseView,
  diffusionBufferBytes,
  sumViews,
  tBlockBytes,
  updateSum,
  type DiffusionBuffers,
  type DiffusionView,
} from './engine/diffusion.js';
import type { Kernels } from './engine/kernels.js';
import { buildLocalKernel } from './engine/local-kernel.js';
import { normalizeFromLog, normalizeLinear, paddedPresence, rowSums, scaleTiles, type NormalizationRule } from './engine/normalize.js';
import { openArena, type EngineChoice } from './engine/select.js';
import { defaultThreads, Team } from './engine/parallel.js';
import {
  mirrorDiagonalTiles,
  TiledSymmetricMatrix,
  tiledIndex,
  tiledLength,
  tileRows,
  tileStart,
  untileInto,
  type SymmetricMatrix,
} from './symmetric.js';
import {
  checkChoice,
  checkInteger,
  checkMatrix,
  checkPositive,
  fail,
  resolveNeighbours,
  type LargeKPolicy,
  type WarningSink,
} from './validate.js';

export type { NormalizationRule } from './engine/normalize.js';

/** Progress of a fusion, reported after each iteration. */
export interface SnfProgress {
  /** Iterations done. */
  iteration: number;
  /** Iterations planned (t). */
  iterations: number;
  /** Relative change of the summed matrices in this iteration. */
  change: number;
}

/** Options of {@link snf}. */
export interface SnfOptions {
  /** Omics names, in input order, used in warnings and errors. Default: the omics index (`omics 0`). */
  names?: readonly string[];
  /** Neighbours kept in each local kernel. Default 20. */
  K?: number;
  /** Diffusion iterations. Default 20. */
  t?: number;
  /** Normalisation rules: `'snftool'` (default) or `'snfpy'`. */
  normalization?: NormalizationRule;
  /** Self-similarity added each iteration under `'snfpy'` (snfpy's `alpha`). Default 1. */
  alpha?: number;
  /**
   * Stop early once the relative change of the summed matrices,
   * ||ΣP_t - ΣP_{t-1}||_F / ||ΣP_{t-1}||_F, falls below this. Default: none (run t iterations).
   */
  tolerance?: number;
  /** Input matrices hold W (`'affinity'`, default) or log W (`'log'`, normalised by log-sum-exp). */
  input?: 'affinity' | 'log';
  /**
   * Reject (with a {@link MemoryLimitError}, code `MEMORY_LIMIT`) a fusion
   * needing more bytes than this, before allocating anything. Default: the
   * memory available to the process when the call starts. One fusion never
   * uses more than 4 GiB, the most one WebAssembly memory can address.
   */
  maxMemoryBytes?: number;
  /** K not smaller than the samples of an omics: `'error'` (default) or `'clamp'` with a warning. */
  onLargeK?: LargeKPolicy;
  /** Receives warnings as they happen (they are also returned by the detailed form). */
  onWarning?: WarningSink;
  /** Called after each iteration. */
  onProgress?: (progress: SnfProgress) => void;
  /** Implementation of the inner loops. Default `'auto'` (WebAssembly SIMD when available). */
  engine?: EngineChoice;
  /**
   * Threads for the distances and the diffusion (the caller plus worker
   * threads sharing the memory); results do not depend on it. Default: the
   * available cores from 256 samples up, else 1. At most 6 run, because the
   * worker pool has room for 5. Fusions with missing samples diffuse on 1.
   */
  threads?: number;
}

/** The state of one omics after fusion. */
export interface SnfView {
  /** The final diffused matrix P_v (packed symmetric). */
  P: SymmetricMatrix;
  /** The local kernel S_v (row-normalised, K entries per row; empty rows for missing samples). */
  S: CsrMatrix;
  /** Which samples have this omics, or null when all do. */
  present: Uint8Array | null;
  /** K used for this omics (after clamping). */
  K: number;
}

/** Detailed result of a fusion. */
export interface SnfResult {
  /** The fused similarity matrix (N x N, symmetric). */
  fused: Matrix;
  /** Per-omics state: final P_v and local kernel S_v. */
  views: SnfView[];
  /** Iterations run. */
  iterations: number;
  /** Relative change after each iteration. */
  changes: number[];
  /** Whether `tolerance` stopped the diffusion early. */
  converged: boolean;
  /** Normalisation rules used. */
  normalization: NormalizationRule;
  /** Milliseconds spent: affinities (fuseFeatures only), setup (normalisation, local kernels), diffusion, output. */
  timings: { affinityMs: number; setupMs: number; diffusionMs: number; outputMs: number; totalMs: number };
  /** Implementation that ran the inner loops. */
  engine: 'wasm' | 'js';
  /** Threads that ran the diffusion. */
  threads: number;
  /** Bytes of the arena holding the matrices. */
  memoryBytes: number;
  /** Warnings (K clamped, duplicates, ...). */
  warnings: BmlWarning[];
}

/** Options of {@link fuseFeatures}: the affinity options plus the fusion options. */
export interface FuseFeaturesOptions
  extends Omit<AffinityOptions, 'output' | 'onWarning' | 'engine' | 'onLargeK'>,
    Omit<SnfOptions, 'input'> {
  /** Per-omics overrides of the affinity options (for example a metric per omics). */
  views?: ReadonlyArray<Partial<Pick<AffinityOptions, 'kernel' | 'metric' | 'K' | 'mu' | 'standardize'>> | undefined>;
}

/** {@link snf}'s detailed result for features, with what the affinities learnt. */
export interface FuseFeaturesResult extends SnfResult {
  /** Per-omics affinity state: local scales, standardisation, features used. */
  affinities: ViewAffinity[];
}

interface ResolvedSnf {
  threads: number;
  K: number;
  t: number;
  normalization: NormalizationRule;
  alpha: number;
  tolerance: number;
  maxMemoryBytes: number | undefined;
  onLargeK: LargeKPolicy;
  /** Returns how messages name omics `v`. */
  omicsName: (v: number) => string;
}

function resolveSnfOptions(options: SnfOptions, n: number): ResolvedSnf {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) fail(`tolerance must be a number >= 0, got ${tolerance}`, 'INVALID_OPTION');
  return {
    threads:
      options.threads === undefined
        ? n >= 256
          ? defaultThreads()
          : 1
        : checkInteger('threads', options.threads, 1, 64),
    K: checkInteger('K', options.K ?? 20, 1),
    t: checkInteger('t', options.t ?? 20, 0),
    normalization: checkChoice('normalization', options.normalization ?? 'snftool', ['snftool', 'snfpy']),
    alpha: options.alpha === undefined ? 1 : checkPositive('alpha', options.alpha),
    tolerance,
    maxMemoryBytes:
      options.maxMemoryBytes === undefined ? undefined : checkPositive('maxMemoryBytes', options.maxMemoryBytes),
    onLargeK: checkChoice('onLargeK', options.onLargeK ?? 'error', ['error', 'clamp']),
    omicsName: (v) => (options.names?.[v] !== undefined ? `"${options.names[v]}"` : String(v)),
  };
}

/** Bytes one fusion of n samples in m omics needs (within a few percent). */
export function fusionMemoryBytes(n: number, m: number, K = 20, scratchBytes = 0, threads = 1): number {
  const local = m * (4 * (n + 1) + 12 * n * K);
  const scratch = Math.max(0, scratchBytes - tBlockBytes(n));
  return m * 8 * tiledLength(n) + diffusionBufferBytes(n, threads) + local + scratch + 4096;
}

/**
 * Fuses `affinities` (one N x N matrix per omics, as from
 * {@link affinityMatrix}) and returns the fused N x N similarity matrix, or
 * with `detailed: true` the {@link SnfResult}. With one omics, returns its
 * normalised network (no diffusion).
 */
export function snf(affinities: readonly Matrix[], options: SnfOptions & { detailed: true }): SnfResult;
export function snf(affinities: readonly Matrix[], options?: SnfOptions & { detailed?: false }): Matrix;
export function snf(
  affinities: readonly Matrix[],
  options: SnfOptions & { detailed?: boolean } = {},
): Matrix | SnfResult {
  const start = performance.now();
  const input = checkChoice('input', options.input ?? 'affinity', ['affinity', 'log']);
  if (!Array.isArray(affinities) || affinities.length === 0) fail('at least one affinity matrix is needed', 'NO_OMICS');
  const n = affinities[0].rows;
  const settings = resolveSnfOptions(options, n);
  affinities.forEach((w, v) => {
    checkMatrix(`affinity ${v}`, w);
    if (w.rows !== n || w.cols !== n)
      fail(`affinity ${v} is ${w.rows} x ${w.cols}, expected ${n} x ${n}`, 'SHAPE_MISMATCH');
  });
  const m = affinities.length;
  const bytes = fusionMemoryBytes(n, m, settings.K, 0, settings.threads);
  // the plain form copies the fused matrix out of the arena
  const copy = options.detailed ? 0 : 1;
  checkFusionMemory(
    n,
    m,
    (s) => {
      const arena = fusionMemoryBytes(s, m, settings.K, 0, settings.threads);
      return { arena, total: arena + copy * 8 * s * s };
    },
    settings.maxMemoryBytes,
  );
  const warnings: BmlWarning[] = [];
  const warn = collect(warnings, options.onWarning);
  const { arena, kernels } = openArena(bytes, options.engine, settings.threads > 1);
  const views = affinities.map((w, v) => {
    const P = arena.alloc(8 * tiledLength(n));
    const present = affinityPresence(w, v);
    packDense(arena.f64, P / 8, w, present, input, settings.normalization);
    return { P, present };
  });
  const result = runFusion(arena, kernels, n, views, settings, warn, options.onProgress, start, 0);
  if (options.detailed) return { ...result, warnings };
  return createMatrix(n, n, result.fused.data.slice());
}

/**
 * Affinities and fusion in one memory-lean pass: each omics' log-affinities
 * are written straight into the packed buffers the diffusion then works on.
 * `features[v]` has one row per sample (a NaN row: the sample lacks omics v).
 */
export function fuseFeatures(features: readonly Matrix[], options: FuseFeaturesOptions = {}): FuseFeaturesResult {
  const start = performance.now();
  if (!Array.isArray(features) || features.length === 0) fail('at least one feature matrix is needed', 'NO_OMICS');
  const n = features[0].rows;
  const settings = resolveSnfOptions(options, n);
  features.forEach((x, v) => {
    checkMatrix(`features of omics ${settings.omicsName(v)}`, x);
    if (x.rows !== n)
      fail(
        `omics ${settings.omicsName(v)} has ${x.rows} samples, omics ${settings.omicsName(0)} has ${n}; ` +
          'give every omics one row per sample (NaN rows for missing samples)',
        'SHAPE_MISMATCH',
      );
  });
  const m = features.length;
  const scratchFor = (s: number): number => Math.max(...features.map((x) => featureBytes(s, x.cols)));
  const scratchBytes = scratchFor(n);
  const bytes = fusionMemoryBytes(n, m, settings.K, scratchBytes, settings.threads);
  checkFusionMemory(
    n,
    m,
    (s) => {
      const arena = fusionMemoryBytes(s, m, settings.K, scratchFor(s), settings.threads);
      return { arena, total: arena };
    },
    settings.maxMemoryBytes,
  );
  const warnings: BmlWarning[] = [];
  const warn = collect(warnings, options.onWarning);
  const { arena, kernels } = openArena(bytes, options.engine, settings.threads > 1);
  const packed = features.map(() => arena.alloc(8 * tiledLength(n)));
  const buffers = allocDiffusionBuffers(arena, n, settings.threads);
  const scratch = scratchBytes <= tBlockBytes(n) ? buffers.T : arena.alloc(scratchBytes);
  const team = Team.create(arena, settings.threads);
  let affinities: ViewAffinity[];
  try {
    affinities = features.map((x, v) => {
      const kernelSettings = resolveKernelSettings({ ...options, ...options.views?.[v] });
      const what = m > 1 ? ` in omics ${settings.omicsName(v)}` : '';
      return computeViewAffinity(
        arena,
        kernels,
        x,
        kernelSettings,
        settings.onLargeK,
        packed[v],
        scratch,
        warn,
        options.ids,
        what,
        team,
      );
    });
  } finally {
    team?.release();
  }
  const affinityMs = performance.now() - start;
  const views = affinities.map((a, v) => {
    if (a.linear) normalizeLinear(arena, kernels, packed[v], n, a.present, settings.normalization, buffers.X);
    else normalizeFromLog(arena, kernels, packed[v], n, a.present, settings.normalization, buffers.X);
    return { P: packed[v], present: a.present };
  });
  const result = runFusion(arena, kernels, n, views, settings, warn, options.onProgress, start, affinityMs, buffers);
  return { ...result, warnings, affinities };
}

// ---------------------------------------------------------------------------

function collect(warnings: BmlWarning[], sink: WarningSink | undefined): WarningSink {
  return (w) => {
    warnings.push(w);
    sink?.(w);
  };
}

/** A sample lacks an omics when its diagonal affinity is NaN; every other entry between present samples must be finite. */
function affinityPresence(w: Matrix, v: number): Uint8Array | null {
  const n = w.rows;
  let present: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(w.data[i * n + i])) {
      present ??= new Uint8Array(n).fill(1);
      present[i] = 0;
    }
  }
  for (let i = 0; i < n; i++) {
    if (present !== null && present[i] === 0) continue;
    for (let j = 0; j < n; j++) {
      if (present !== null && present[j] === 0) continue;
      const x = w.data[i * n + j];
      if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) {
        fail(
          `affinity ${v} entry (${i}, ${j}) is ${x}; entries between samples having the omics must be finite`,
          'NON_FINITE',
          { row: i, col: j },
        );
      }
    }
  }
  return present;
}

/**
 * Writes the initial normalised, symmetrised P of a dense affinity (or log
 * affinity) into packed storage. Row sums come from the dense rows, so an
 * asymmetric input is normalised as SNFtool and snfpy do (rows first, then
 * (P + Pᵀ) / 2).
 */
function packDense(
  f: Float64Array,
  base: number,
  w: Matrix,
  present: Uint8Array | null,
  input: 'affinity' | 'log',
  rule: NormalizationRule,
): void {
  const n = w.rows;
  const d = w.data;
  const has = (i: number): boolean => present === null || present[i] === 1;
  const diagonal = rule === 'snfpy';
  const shift = new Float64Array(n);
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!has(i)) continue;
    let max = Number.NEGATIVE_INFINITY;
    if (input === 'log') {
      for (let j = 0; j < n; j++) if (has(j) && (j !== i || diagonal) && d[i * n + j] > max) max = d[i * n + j];
      if (max === Number.NEGATIVE_INFINITY) max = 0;
    }
    shift[i] = max;
    let s = 0;
    for (let j = 0; j < n; j++) {
      if (!has(j) || (j === i && !diagonal)) continue;
      const x = d[i * n + j];
      if (input === 'affinity' && x < 0)
        fail(`affinity entry (${i}, ${j}) is ${x}; affinities must be >= 0`, 'NEGATIVE_AFFINITY');
      s += input === 'log' ? Math.exp(x - max) : x;
    }
    sums[i] = rule === 'snftool' ? 2 * (s > 0 ? s : 1) : s > 0 ? s : 1;
  }
  const value = (i: number, j: number): number => {
    const x = d[i * n + j];
    return (input === 'log' ? Math.exp(x - shift[i]) : x) / sums[i];
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) f[base + tiledIndex(i, j)] = has(i) && has(j) ? (value(i, j) + value(j, i)) / 2 : 0;
    f[base + tiledIndex(i, i)] = !has(i) ? 0 : rule === 'snftool' ? 0.5 : value(i, i);
  }
  mirrorDiagonalTiles(f, base, n);
}

interface FusionView {
  P: number;
  present: Uint8Array | null;
}

function runFusion(
  arena: Arena,
  kernels: Kernels,
  n: number,
  inputs: readonly FusionView[],
  settings: ResolvedSnf,
  warn: WarningSink,
  onProgress: ((p: SnfProgress) => void) | undefined,
  start: number,
  affinityMs: number,
  givenBuffers?: ReturnType<typeof allocDiffusionBuffers>,
): SnfResult {
  const setupStart = performance.now();
  const m = inputs.length;
  const covered = new Uint8Array(n);
  for (const v of inputs) for (let i = 0; i < n; i++) if (v.present === null || v.present[i] === 1) covered[i] = 1;
  const orphan = covered.indexOf(0);
  if (orphan >= 0)
    fail(`sample ${orphan} has none of the ${m} omics; remove it or give it at least one`, 'SAMPLE_WITHOUT_OMICS', {
      sample: orphan,
    });
  const Ks = inputs.map((v, index) => {
    const count = v.present === null ? n : v.present.reduce((a, b) => a + b, 0);
    return {
      K: resolveNeighbours('K', settings.K, count, settings.onLargeK, warn, m > 1 ? ` in omics ${settings.omicsName(index)}` : ''),
      count,
    };
  });
  const views: DiffusionView[] = inputs.map((v, index) => ({
    P: v.P,
    present: v.present,
    S: buildLocalKernel(arena, v.P, n, v.present, Ks[index].count, Ks[index].K, settings.normalization),
  }));
  const buf = givenBuffers ?? allocDiffusionBuffers(arena, n, settings.threads);
  sumViews(arena, kernels, n, views, buf.sum);
  const complete = views.every((v) => v.present === null);
  const team = complete && m > 1 && settings.t > 0 ? Team.create(arena, settings.threads) : null;
  const setupMs = performance.now() - setupStart;

  const diffusionStart = performance.now();
  const changes: number[] = [];
  let converged = false;
  const t = m > 1 ? settings.t : 0;
  try {
    for (let iteration = 0; iteration < t; iteration++) {
      for (let v = 0; v < m; v++) {
        diffuseView(arena, kernels, n, views, v, buf, team);
        if (settings.normalization === 'snftool')
          normalizeLinear(arena, kernels, views[v].P, n, views[v].present, 'snftool', buf.X, team);
        else addToDiagonal(arena.f64, views[v].P / 8, n, views[v].present, settings.alpha);
      }
      const change = updateSum(arena, kernels, n, views, buf);
      changes.push(change);
      onProgress?.({ iteration: iteration + 1, iterations: t, change });
      if (settings.tolerance > 0 && change < settings.tolerance) {
        converged = true;
        break;
      }
    }
  } finally {
    team?.release();
  }
  const diffusionMs = performance.now() - diffusionStart;

  const outputStart = performance.now();
  const fused = finalFused(arena, kernels, n, views, buf, settings.normalization);
  const outputMs = performance.now() - outputStart;
  return {
    fused,
    views: views.map((v, index) => ({
      P: new TiledSymmetricMatrix(n, arena.f64At(v.P, tiledLength(n))),
      S: {
        rows: n,
        cols: n,
        rowPtr: arena.i32At(v.S.rowPtr, n + 1),
        colIdx: arena.i32At(v.S.col, v.S.nnz),
        values: arena.f64At(v.S.val, v.S.nnz),
      },
      present: v.present,
      K: Ks[index].K,
    })),
    iterations: changes.length,
    changes,
    converged,
    normalization: settings.normalization,
    timings: { affinityMs, setupMs, diffusionMs, outputMs, totalMs: performance.now() - start },
    engine: kernels.kind,
    threads: team?.size ?? 1,
    memoryBytes: arena.used,
    warnings: [],
  };
}

function addToDiagonal(f: Float64Array, base: number, n: number, present: Uint8Array | null, alpha: number): void {
  for (let i = 0; i < n; i++) if (present === null || present[i] === 1) f[base + tiledIndex(i, i)] += alpha;
}

/** The fused matrix: mean over the omics having each pair, final normalisation, dense N x N in the T blocks. */
function finalFused(
  arena: Arena,
  kernels: Kernels,
  n: number,
  views: readonly DiffusionView[],
  buf: DiffusionBuffers,
  rule: NormalizationRule,
): Matrix {
  const f = arena.f64;
  const s = buf.sum / 8;
  const m = views.length;
  const nb = tileRows(n);
  if (views.every((v) => v.present === null)) {
    for (let e = s, end = s + tiledLength(n); e < end; e++) f[e] /= m;
  } else {
    for (let I = 0; I < nb; I++) {
      for (let J = 0; J <= I; J++) {
        const t = s + tileStart(I, J);
        for (let c = 0; c < 8; c++) {
          const j = 8 * J + c;
          for (let b = 0; b < 8; b++) {
            const i = 8 * I + b;
            let count = 0;
            if (i < n && j < n)
              for (const v of views) if (v.present === null || (v.present[i] === 1 && v.present[j] === 1)) count++;
            f[t + 8 * c + b] = count > 0 ? f[t + 8 * c + b] / count : 0;
          }
        }
      }
    }
  }
  if (rule === 'snftool') {
    normalizeLinear(arena, kernels, buf.sum, n, null, 'snftool', buf.X);
  } else {
    // W / row sums, then (W + Wᵀ + I) / 2
    rowSums(kernels, buf.sum, nb, buf.X, null);
    const x = buf.X / 8;
    const here = paddedPresence(n, null);
    for (let i = 0; i < 8 * nb; i++) f[x + 8 * nb + i] = here[i] && f[x + i] > 0 ? 1 / f[x + i] : 0;
    scaleTiles(kernels, buf.sum, nb, buf.X + 64 * nb, null);
    for (let i = 0; i < n; i++) f[s + tiledIndex(i, i)] += 0.5;
  }
  const dense = arena.f64At(buf.T, n * n);
  untileInto(f, s, n, dense);
  return createMatrix(n, n, dense);
}
