/**
 * The inductive workflow: fit SNF and the GCN graph on the training part
 * ({@link fitFusion}), then attach test or new samples to that graph without
 * changing it ({@link attachSamples}).
 *
 * For a new sample x and each omics v it has (features standardised with
 * the training statistics):
 * 1. ρ_xj to every training sample j having omics v; m_x = mean of its K
 *    smallest; W_v(x, j) = the model's kernel with ε = (m_x + m_j + ρ_xj)/3,
 *    normalised over j to sum 1 (from logarithms).
 * 2. s_v(x): the K largest entries of that row (ties: lower index), renormalised.
 * 3. p_v(x) = s_v(x) P̄_{-v} S_vᵀ, where P̄_{-v} is the mean of the other
 *    omics' final diffused matrices (pairs averaged over the omics having
 *    both, as in the fusion) and S_v the training local kernel of omics v.
 *    With a single omics, p_v(x) is the normalised kernel row itself.
 * 4. p(x, j) = mean of p_v(x, j) over the omics both x and j have, scaled so
 *    the row sums to 1/2, like an off-diagonal row of the fused matrix.
 *
 * Graph: x gets edges to its k most similar training samples by p(x, j)
 * (ties: lower index) with weights min(1, p(x, j) / scale), scale being the
 * training graph's. Edges point one way: x's row references training nodes,
 * no training row references x, so a GCN pass gives training nodes exactly
 * their training-graph representations. x's row is normalised with its own
 * degree d_x = 1 + Σ weights and the training degrees d_j: w / sqrt(d_x d_j)
 * and 1 / d_x on the diagonal (`symmetric`), or w / d_x and 1 / d_x (`row`).
 */

import { createMatrix, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { logKernel, type KernelSettings } from './affinity.js';
import { applyStandardization, featureBytes, loadFeatures, rowDistances, type Standardization } from './distance.js';
import { openArena, type EngineChoice } from './engine/select.js';
import { fuseFeatures, type FuseFeaturesOptions, type SnfResult } from './fuse.js';
import { attachToGraph, similarityGraph, type Graph, type GraphOptions } from './graph.js';
import { topK } from './select.js';
import type { SymmetricMatrix } from './symmetric.js';
import { checkInteger, checkMatrix, fail, presentRows, type WarningSink } from './validate.js';

/** Options of {@link fitFusion}: affinity and fusion options, plus the graph's. */
export interface FitFusionOptions extends FuseFeaturesOptions {
  /** Options of the GCN graph built from the fused matrix (`input` is always `'similarity'`). */
  graph?: Omit<GraphOptions, 'onWarning' | 'input'>;
}

/** What the model keeps of one omics. */
export interface FittedOmics {
  /** Kernel settings (K after clamping). */
  settings: KernelSettings;
  /** The training features as used for distances (standardised when `standardize`). */
  features: Matrix;
  /** The z-score fitted on the training samples, or null. */
  standardization: Standardization | null;
  /** m_j, the local scale of each training sample. */
  localScale: Float64Array;
  /** Which training samples have this omics, or null when all do. */
  present: Uint8Array | null;
  /** Final diffused matrix P_v. */
  P: SymmetricMatrix;
  /** Local kernel S_v. */
  S: CsrMatrix;
}

/** A fitted fusion: everything {@link attachSamples} needs. */
export interface FusionModel {
  /** Number of training samples. */
  samples: number;
  /** Per-omics state. */
  omics: FittedOmics[];
  /** The fused similarity matrix over the training samples. */
  fused: Matrix;
  /** The GCN graph over the training samples. */
  graph: Graph;
  /** Fusion diagnostics: iterations, changes, timings, engine. */
  fusion: Omit<SnfResult, 'fused' | 'views' | 'warnings'>;
  /** Every warning of the fit. */
  warnings: BmlWarning[];
}

/**
 * Fits affinities, SNF and the graph on training samples (one matrix per
 * omics, same rows; an all-NaN row marks a sample lacking that omics).
 */
export function fitFusion(features: readonly Matrix[], options: FitFusionOptions = {}): FusionModel {
  const result = fuseFeatures(features, options);
  const warnings = [...result.warnings];
  const graph = similarityGraph(result.fused, {
    ...options.graph,
    onWarning: (w) => {
      warnings.push(w);
      options.onWarning?.(w);
    },
  });
  const omics = result.affinities.map(
    (a, v): FittedOmics => ({
      settings: a.settings,
      features: a.features,
      standardization: a.standardization,
      localScale: a.localScale,
      present: a.present,
      P: result.views[v].P,
      S: result.views[v].S,
    }),
  );
  const { fused, views: _views, warnings: _w, affinities: _a, ...fusion } = result;
  return { samples: fused.rows, omics, fused, graph, fusion, warnings };
}

/** Options of {@link attachSamples}. */
export interface AttachOptions {
  /** Edges per new sample. Default: the training graph's k. */
  k?: number;
  /** Receives warnings. */
  onWarning?: WarningSink;
  /** Implementation of the distance loops. Default `'auto'`. */
  engine?: EngineChoice;
}

/** Training graph extended by new samples. */
export interface Attachment {
  /** Â over N_train + N_new nodes, training nodes first (their rows are the training graph's). */
  adjacency: CsrMatrix;
  /** p(x, j): each new sample's similarity to each training sample (N_new x N_train, rows sum to 1/2). */
  similarities: Matrix;
  /** For each new sample, the training samples it is joined to (ascending). */
  neighbors: Int32Array[];
  /** For each new sample, its edge weights before normalisation (same order as `neighbors`). */
  weights: Float64Array[];
  /** Warnings. */
  warnings: BmlWarning[];
}

/**
 * Attaches new samples to a fitted model's graph. `newFeatures[v]` holds the
 * new samples' raw features for omics v (same columns as in training), or
 * null when none of them has it; an all-NaN row marks one sample lacking it.
 */
export function attachSamples(
  model: FusionModel,
  newFeatures: readonly (Matrix | null)[],
  options: AttachOptions = {},
): Attachment {
  const m = model.omics.length;
  if (newFeatures.length !== m)
    fail(`the model has ${m} omics, got features for ${newFeatures.length}`, 'SHAPE_MISMATCH');
  const given = newFeatures.filter((x): x is Matrix => x !== null);
  if (given.length === 0) fail('the new samples have none of the omics', 'SAMPLE_WITHOUT_OMICS');
  const q = given[0].rows;
  const N = model.samples;
  if (options.k !== undefined) checkInteger('k', options.k, 1);
  // p_v(x) for each omics, then the average
  const sum = new Float64Array(q * N);
  const count = new Float64Array(q * N);
  const has = new Uint8Array(q);
  newFeatures.forEach((x, v) => {
    if (x === null) return;
    checkMatrix(`new features of omics ${v}`, x);
    const omics = model.omics[v];
    if (x.rows !== q) fail(`new features of omics ${v} have ${x.rows} rows, others ${q}`, 'SHAPE_MISMATCH');
    if (x.cols !== omics.features.cols) {
      fail(
        `new features of omics ${v} have ${x.cols} columns, the model was fitted on ${omics.features.cols}`,
        'SHAPE_MISMATCH',
      );
    }
    const present = presentRows(`new features of omics ${v}`, x);
    const z = omics.standardization ? applyStandardization(x, omics.standardization) : x;
    diffusedRows(model, v, z, present, options.engine, (row, p) => {
      has[row] = 1;
      for (let j = 0; j < N; j++) {
        if (omics.present !== null && omics.present[j] === 0) continue;
        sum[row * N + j] += p[j];
        count[row * N + j] += 1;
      }
    });
  });
  const missing = has.indexOf(0);
  if (missing >= 0) fail(`new sample ${missing} has none of the omics`, 'SAMPLE_WITHOUT_OMICS', { sample: missing });
  const similarities = new Float64Array(q * N);
  for (let r = 0; r < q; r++) {
    let total = 0;
    for (let j = 0; j < N; j++) {
      const c = count[r * N + j];
      const v = c > 0 ? sum[r * N + j] / c : 0;
      similarities[r * N + j] = v;
      total += v;
    }
    if (total > 0) for (let j = 0; j < N; j++) similarities[r * N + j] *= 0.5 / total;
  }
  const similarityMatrix = createMatrix(q, N, similarities);
  const extension = attachToGraph(model.graph, similarityMatrix, { k: options.k, onWarning: options.onWarning });
  return { ...extension, similarities: similarityMatrix };
}

/** Calls `use(row, p_v(x))` for every new sample having omics v. */
function diffusedRows(
  model: FusionModel,
  v: number,
  z: Matrix,
  present: Uint8Array | null,
  engine: EngineChoice | undefined,
  use: (row: number, p: Float64Array) => void,
): void {
  const omics = model.omics[v];
  const N = model.samples;
  const m = model.omics.length;
  const { kernel, K, mu, metric } = omics.settings;
  const train = omics.features;
  const { arena, kernels } = openArena(
    featureBytes(N, train.cols) + featureBytes(z.rows, z.cols) + 8 * N + 4096,
    engine,
  );
  const trainBlock = loadFeatures(arena, train, omics.present);
  const newBlock = loadFeatures(arena, z, present);
  const out = arena.alloc(8 * N);
  const has = (j: number): boolean => omics.present === null || omics.present[j] === 1;
  const rho = new Float64Array(N);
  const logw = new Float64Array(N);
  const idx = new Int32Array(Math.max(K, 1));
  const scratch = new Int32Array(N);
  const rowBuf = new Float64Array(N);
  const mean = new Float64Array(N);
  const p = new Float64Array(N);
  for (let r = 0; r < z.rows; r++) {
    if (present !== null && present[r] === 0) continue;
    rowDistances(arena, kernels, newBlock, r, trainBlock, N, metric, out);
    rho.set(arena.f64.subarray(out / 8, out / 8 + N));
    // m_x: mean of the K smallest distances to training samples having the omics
    for (let j = 0; j < N; j++) rowBuf[j] = has(j) ? -rho[j] : Number.NEGATIVE_INFINITY;
    const got = topK(rowBuf, N, K, omics.present, -1, scratch);
    const nearest = Array.from(scratch.subarray(0, got), (j) => rho[j]).sort((a, b) => a - b);
    const mx = nearest.reduce((a, b) => a + b, 0) / nearest.length;
    // normalised kernel row, from logarithms
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < N; j++) {
      logw[j] = has(j) ? logKernel(kernel, rho[j], mx, omics.localScale[j], mu) : Number.NEGATIVE_INFINITY;
      if (logw[j] > max) max = logw[j];
    }
    let total = 0;
    for (let j = 0; j < N; j++) total += Math.exp(logw[j] - max);
    for (let j = 0; j < N; j++) p[j] = Math.exp(logw[j] - max) / total;
    if (m === 1) {
      use(r, p);
      continue;
    }
    // s_v(x): the K largest, renormalised
    const count = topK(p, N, K, omics.present, -1, idx);
    let s = 0;
    for (let t = 0; t < count; t++) s += p[idx[t]];
    // row r of s P̄_{-v}: mean[l'] = Σ_l s_l P̄(l, l')
    mean.fill(0);
    for (let t = 0; t < count; t++) {
      const l = idx[t];
      const weight = p[l] / s;
      otherViewsRow(model, v, l, rowBuf);
      for (let c = 0; c < N; c++) mean[c] += weight * rowBuf[c];
    }
    // p_v(x)[j] = Σ_{l'} S_v(j, l') mean[l']
    const S = omics.S;
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let e = S.rowPtr[j]; e < S.rowPtr[j + 1]; e++) acc += S.values[e] * mean[S.colIdx[e]];
      p[j] = acc;
    }
    use(r, p);
  }
}

/** Row l of P̄_{-v}: per pair, the mean of the other omics having both samples, else P_v. */
function otherViewsRow(model: FusionModel, v: number, l: number, out: Float64Array): void {
  const N = model.samples;
  const others = model.omics.filter((_, u) => u !== v);
  if (others.every((o) => o.present === null)) {
    out.fill(0);
    const row = new Float64Array(N);
    for (const o of others) {
      o.P.row(l, row);
      for (let c = 0; c < N; c++) out[c] += row[c];
    }
    for (let c = 0; c < N; c++) out[c] /= others.length;
    return;
  }
  const count = new Float64Array(N);
  const row = new Float64Array(N);
  out.fill(0);
  for (const o of others) {
    if (o.present !== null && o.present[l] === 0) continue;
    o.P.row(l, row);
    for (let c = 0; c < N; c++) {
      if (o.present !== null && o.present[c] === 0) continue;
      out[c] += row[c];
      count[c] += 1;
    }
  }
  model.omics[v].P.row(l, row);
  for (let c = 0; c < N; c++) out[c] = count[c] > 0 ? out[c] / count[c] : row[c];
}
