/**
 * Similarity network fusion (@bml/snf): affinities and fusion on the
 * digits-mfeat set with snfpy's conventions (squared Euclidean distances,
 * K 20, mu 0.5, t 20), comparable with snfpy's own timing on 2 cores
 * (0.18 s affinity + 2.1 s fusion, as recorded beside snfpy's reference
 * outputs), and on simulated cohorts of 3 omics with bml's defaults (paper
 * kernel, SNFtool normalisation). Digits cases report the largest relative
 * deviation from snfpy's outputs. Every case also reports the CPU time of
 * its last run (all threads) and the 1-minute load average, which show
 * when other work on the machine inflated a wall time.
 */

import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createMatrix, Rng, type Matrix } from '@bml/core';
import { loadCohort } from '@bml/data';
import { affinityMatrices, fuseFeatures, type SnfResult } from '@bml/snf';
import { sharedCohort } from '../shared-data.js';
import type { BenchCase, Suite } from '../types.js';

const SNFPY = { kernel: 'snfpy', normalization: 'snfpy', K: 20, mu: 0.5, t: 20 } as const;

/** Reads a header-less numeric CSV (the reference files). */
function readMatrix(path: string): Matrix {
  const rows = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0)
    .map((line) => line.split(',').map(Number));
  const data = new Float64Array(rows.length * rows[0].length);
  rows.forEach((r, i) => data.set(r, i * r.length));
  return createMatrix(rows.length, rows[0].length, data);
}

/** Largest |a - r| / |r| over entries with |r| > 1e-12 (smaller ones compared absolutely). */
function maxRelativeDeviation(actual: Float64Array, reference: Float64Array): number {
  let worst = 0;
  for (let e = 0; e < reference.length; e++) {
    const r = Math.abs(reference[e]);
    const d = Math.abs(actual[e] - reference[e]);
    worst = Math.max(worst, r > 1e-12 ? d / r : d);
  }
  return worst;
}

/** 3 omics of 100 features, 4 Gaussian clusters of different separation, seeded. */
export function simulatedOmics(n: number): Matrix[] {
  const rng = new Rng(2025).fork(`snf/sim/${n}`);
  const classes = 4;
  return [0.4, 0.6, 0.8].map((spread) => {
    const dim = 100;
    const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal() * spread));
    const x = createMatrix(n, dim);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < dim; k++) x.data[i * dim + k] = centres[i % classes][k] + rng.normal();
    return x;
  });
}

/**
 * Runs `work` and adds its CPU time in milliseconds (user + system, every
 * thread of the process) and the 1-minute load average to its metrics.
 */
function withCpuTime(work: () => Record<string, number> | void): Record<string, number> {
  const start = process.cpuUsage();
  const metrics = work() ?? {};
  const cpu = process.cpuUsage(start);
  return { ...metrics, cpuMs: (cpu.user + cpu.system) / 1000, loadAverage: loadavg()[0] };
}

/** Collects the phase timings of a fusion (milliseconds), its threads and iterations. */
function phaseTimings(result: SnfResult): Record<string, number> {
  const { affinityMs, setupMs, diffusionMs, outputMs } = result.timings;
  return { affinityMs, setupMs, diffusionMs, outputMs, threads: result.threads, iterations: result.iterations };
}

async function digitsCases(): Promise<BenchCase[]> {
  const dir = sharedCohort('digits-mfeat');
  if (dir === undefined) return [];
  const reference = resolve(dir, '../../reference/snf');
  const cohort = await loadCohort(dir);
  const views = cohort.omics.map((o) => o.values);
  const sizes = { samples: views[0].rows, views: views.length, K: 20, t: 20 };
  const load = (file: string): Matrix | undefined =>
    existsSync(join(reference, file)) ? readMatrix(join(reference, file)) : undefined;
  const affinityRef = load('digits_affinity_fourier_sqeuclidean_K20_mu0.5.csv');
  const fusedRef = load('digits_fused_sqeuclidean_K20_mu0.5_t20.csv');
  const fourier = cohort.omics.findIndex((o) => o.name === 'fourier');
  return [
    {
      name: 'affinity/digits',
      sizes,
      repeats: 7,
      run: () =>
        withCpuTime(() => {
          const affinities = affinityMatrices(views, SNFPY);
          if (affinityRef === undefined || fourier < 0) return;
          return { maxRelDeviation: maxRelativeDeviation(affinities[fourier].data, affinityRef.data) };
        }),
    },
    {
      name: 'fusion/digits',
      sizes,
      repeats: 7,
      run: () =>
        withCpuTime(() => {
          const result = fuseFeatures(views, SNFPY);
          const metrics = phaseTimings(result);
          if (fusedRef !== undefined) metrics.maxRelDeviation = maxRelativeDeviation(result.fused.data, fusedRef.data);
          return metrics;
        }),
    },
  ];
}

function simulatedCase(n: number): BenchCase {
  const omics = simulatedOmics(n);
  return {
    name: `fusion/sim-${n}`,
    sizes: { samples: n, omics: 3, features: 100, K: 20, t: 20 },
    repeats: n >= 5000 ? 1 : n >= 2000 ? 3 : 5,
    warmup: n < 2000,
    run: () =>
      withCpuTime(() => {
        const result = fuseFeatures(omics, { K: 20, t: 20 });
        return { ...phaseTimings(result), arenaMb: result.memoryBytes / 1e6 };
      }),
  };
}

export const snfSuite: Suite = {
  name: 'snf',
  description:
    'Affinities and similarity network fusion: digits-mfeat with snfpy conventions, simulated cohorts of 500 to 5000 samples in 3 omics.',
  cases: async ({ quick }) => [
    ...(await digitsCases()),
    ...(quick ? [500] : [500, 1000, 2000, 5000]).map(simulatedCase),
  ],
};
