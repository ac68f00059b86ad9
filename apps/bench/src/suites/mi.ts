import { createMatrix, Rng, type Matrix } from '@bml/core';
import { ksgMutualInfo, mutualInformation, normalizedMutualInfo } from '@bml/mi';
import { infoNceBound, mineBound } from '@bml/mi/neural';
import type { BenchCase, Suite } from '../types.js';

/** Correlations of each (x_c, y_c) pair. */
const correlations = [0, 0.5, 0.9];

/** Equal-frequency bins per variable for the plug-in reference. */
const PLUG_IN_BINS = 8;

/**
 * Training epochs of the neural bounds by sample count, about 300 to 600
 * Adam steps of 128 pairs each: enough to see the estimators' behaviour,
 * far from a converged critic.
 */
const neuralEpochs: Record<number, number> = { 500: 100, 1000: 50, 5000: 20 };

interface GaussianPairs {
  x: Matrix;
  y: Matrix;
  /** Closed form -d/2 log(1 - rho^2) in nats. */
  closedForm: number;
}

/** N samples of d independent pairs (x_c, y_c), each standard bivariate Gaussian with correlation rho. */
function gaussianPairs(n: number, d: number, rho: number): GaussianPairs {
  const rng = new Rng(2025).fork(`mi/n${n}/d${d}/rho${rho}`);
  const x = createMatrix(n, d);
  const y = createMatrix(n, d);
  for (let i = 0; i < n * d; i++) {
    const u = rng.normal();
    x.data[i] = u;
    y.data[i] = rho * u + Math.sqrt(1 - rho * rho) * rng.normal();
  }
  return { x, y, closedForm: (-d / 2) * Math.log(1 - rho * rho) };
}

/** Equal-frequency bin (0..bins-1) of each value of column `c`. */
function quantileBins(m: Matrix, c: number, bins: number): Int32Array {
  const order = Array.from({ length: m.rows }, (_, i) => i);
  order.sort((a, b) => m.data[a * m.cols + c] - m.data[b * m.cols + c]);
  const labels = new Int32Array(m.rows);
  order.forEach((i, rank) => {
    labels[i] = Math.floor((rank * bins) / m.rows);
  });
  return labels;
}

/**
 * Plug-in reference on discretised values. The pairs are independent by
 * construction, so the mutual information of the d-dimensional vectors is
 * the sum of the per-pair values. NMI is reported for the first pair.
 */
function plugInReference(data: GaussianPairs): Record<string, number> {
  let estimate = 0;
  let nmi = 0;
  for (let c = 0; c < data.x.cols; c++) {
    const a = quantileBins(data.x, c, PLUG_IN_BINS);
    const b = quantileBins(data.y, c, PLUG_IN_BINS);
    estimate += mutualInformation(a, b);
    if (c === 0) nmi = normalizedMutualInfo(a, b);
  }
  return { estimate, nmi, closedForm: data.closedForm, error: estimate - data.closedForm };
}

function withError(estimate: number, closedForm: number): Record<string, number> {
  return { estimate, closedForm, error: estimate - closedForm };
}

function settingCases(n: number, d: number, rho: number, quick: boolean): BenchCase[] {
  const data = gaussianPairs(n, d, rho);
  const sizes = { samples: n, dims: d, rho };
  const suffix = `n${n}/d${d}/rho${rho}`;
  const epochs = quick ? 20 : neuralEpochs[n];
  return [
    { name: `ksg/${suffix}`, sizes, run: () => withError(ksgMutualInfo(data.x, data.y), data.closedForm) },
    { name: `plugin/${suffix}`, sizes, run: () => plugInReference(data) },
    {
      name: `infonce/${suffix}`,
      sizes: { ...sizes, epochs },
      repeats: 1,
      warmup: false,
      run: async () => {
        const result = await infoNceBound(data.x, data.y, { epochs, seed: 1 });
        return { ...withError(result.estimate, data.closedForm), upperLimit: result.upperLimit };
      },
    },
    {
      name: `mine/${suffix}`,
      sizes: { ...sizes, epochs },
      repeats: 1,
      warmup: false,
      run: async () =>
        withError((await mineBound(data.x, data.y, { epochs, seed: 1 })).estimate, data.closedForm),
    },
  ];
}

/** Mutual information estimators on correlated Gaussian pairs against the closed form. */
export const miSuite: Suite = {
  name: 'mi',
  description:
    'KSG, InfoNCE, MINE and a binned plug-in estimate of the mutual information of correlated Gaussian pairs, ' +
    'against the closed form -d/2 log(1 - rho^2)',
  cases: async ({ quick }) => {
    const cases: BenchCase[] = [];
    const sampleCounts = quick ? [500] : [500, 1000, 5000];
    const dims = quick ? [1] : [1, 5];
    for (const n of sampleCounts) {
      for (const d of dims) {
        for (const rho of correlations) cases.push(...settingCases(n, d, rho, quick));
      }
    }
    return cases;
  },
};
