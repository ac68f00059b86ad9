/**
 * The built-in simulated cohort: 511 samples in the four PAM50 classes of
 * TCGA BRCA and three omics (rppa strong, mrna weak, cnv near noise) that
 * share a latent class signal.
 */
import { Rng, createMatrix, requireInput } from '@bml/core';
import type { Cohort, OmicsData } from './types.js';

/** Generator settings of one simulated omics. */
export interface SimulatedOmicsSettings {
  /** Omics name. */
  name: string;
  /** Number of features. */
  features: number;
  /** The first `informative` features load on the latent signal. */
  informative: number;
  /** Standard deviation of the loadings of informative features. */
  loadingScale: number;
  /** Standard deviation of the omics-specific noise added to the latent signal before loading. */
  latentNoise: number;
  /** Mean of the per-feature offsets. */
  offsetMean: number;
  /** Standard deviation of the per-feature offsets. */
  offsetScale: number;
}

/** Settings of the simulated cohort; the README explains how they were calibrated. */
export const SIMULATION_SETTINGS = {
  /** Class names and sizes (PAM50 counts of the 511 TCGA BRCA patients with mRNA, CNV and RPPA). */
  classes: [
    ['Basal-like', 112],
    ['HER2-enriched', 53],
    ['Luminal A', 248],
    ['Luminal B', 98],
  ] as const,
  /** Dimension of the latent signal z. */
  latentDim: 8,
  /** Standard deviation of z around its class mean (class means: orthogonal, of length sqrt(latentDim)). */
  latentSd: 0.6,
  /** Consecutive features share one noise factor per block of this size. */
  blockSize: 20,
  /** Weight of the block factor in each feature's noise (the independent part has sd 1). */
  blockWeight: 0.5,
  /** Values are rounded to this many decimals, as files usually store them. */
  decimals: 3,
  omics: [
    {
      name: 'cnv',
      features: 2000,
      informative: 100,
      loadingScale: 0.3,
      latentNoise: 3.5,
      offsetMean: 0,
      offsetScale: 0.2,
    },
    {
      name: 'mrna',
      features: 20000,
      informative: 300,
      loadingScale: 0.5,
      latentNoise: 1.35,
      offsetMean: 6,
      offsetScale: 2,
    },
    {
      name: 'rppa',
      features: 223,
      informative: 60,
      loadingScale: 1,
      latentNoise: 1,
      offsetMean: 0,
      offsetScale: 1,
    },
  ] as readonly SimulatedOmicsSettings[],
};

/** Options of {@link simulateCohort}. */
export interface SimulateOptions {
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /**
   * Number of features per omics, to make a smaller cohort for quick runs; the informative features
   * stay the first min(informative, features). Default: cnv 2,000, mrna 20,000, rppa 223.
   */
  features?: Partial<Record<'cnv' | 'mrna' | 'rppa', number>>;
}

/**
 * Generates the simulated cohort. Each sample i of class y gets a latent
 * z_i = mu_y + latentSd * eps_i in R^8 (class means mu_c orthogonal, of
 * length sqrt(8)); omics m
 * observes it with its own noise, v_i = z_i + latentNoise_m * w_i, and
 * x_ij = offset_j + a_j . v_i + blockWeight * f_i,block(j) + e_ij, where the
 * loadings a_j ~ N(0, loadingScale_m^2 I) are non-zero only for the first
 * `informative` features and f, e ~ N(0, 1). Sample ids are sim0001 to
 * sim0511, classes in shuffled order; there are no missing values and no split.
 */
export function simulateCohort(options: SimulateOptions = {}): Cohort {
  const seed = options.seed ?? 0;
  requireInput(Number.isFinite(seed), `@bml/data: seed must be a finite number, got ${seed}`, 'BAD_OPTION');
  const root = new Rng(seed);
  const settings = SIMULATION_SETTINGS;
  const classNames = settings.classes.map(([name]) => name);
  const codes: number[] = [];
  settings.classes.forEach(([, size], c) => {
    for (let k = 0; k < size; k++) codes.push(c);
  });
  root.fork('labels').shuffle(codes);
  const n = codes.length;
  const labels = Int32Array.from(codes);
  const sampleIds = Array.from({ length: n }, (_, i) => `sim${String(i + 1).padStart(4, '0')}`);
  const latent = drawLatent(root, labels, classNames.length);
  const omics: OmicsData[] = settings.omics.map((omicsSettings) => {
    const name = omicsSettings.name as keyof NonNullable<SimulateOptions['features']>;
    const features = options.features?.[name] ?? omicsSettings.features;
    requireInput(
      Number.isInteger(features) && features >= 1,
      `@bml/data: features.${omicsSettings.name} must be a positive integer, got ${features}`,
      'BAD_OPTION',
    );
    return simulateOmics(root, latent, { ...omicsSettings, features });
  });
  return { name: 'simulated', sampleIds, classNames, labels, omics, warnings: [] };
}

function drawLatent(root: Rng, labels: Int32Array, classes: number): Float64Array {
  const q = SIMULATION_SETTINGS.latentDim;
  const means = classMeans(root.fork('class-means'), classes, q);
  const rng = root.fork('latent');
  const z = new Float64Array(labels.length * q);
  for (let i = 0; i < labels.length; i++) {
    for (let k = 0; k < q; k++) {
      z[i * q + k] = means[labels[i] * q + k] + SIMULATION_SETTINGS.latentSd * rng.normal();
    }
  }
  return z;
}

/**
 * Draws class means as N(0, I) vectors made orthogonal (Gram-Schmidt) and
 * scaled to length sqrt(q), the typical length of an N(0, I_q) draw. Every
 * pair of classes is then equally far apart, so the difficulty of the cohort
 * does not depend on the seed.
 */
function classMeans(rng: Rng, classes: number, q: number): Float64Array {
  const means = new Float64Array(classes * q);
  for (let c = 0; c < classes; c++) {
    const v = means.subarray(c * q, (c + 1) * q);
    for (let k = 0; k < q; k++) v[k] = rng.normal();
    for (let p = 0; p < c; p++) {
      const u = means.subarray(p * q, (p + 1) * q);
      let dot = 0;
      for (let k = 0; k < q; k++) dot += v[k] * u[k];
      for (let k = 0; k < q; k++) v[k] -= (dot / q) * u[k];
    }
    let norm = 0;
    for (let k = 0; k < q; k++) norm += v[k] * v[k];
    const scale = Math.sqrt(q) / Math.sqrt(norm);
    for (let k = 0; k < q; k++) v[k] *= scale;
  }
  return means;
}

function simulateOmics(root: Rng, latent: Float64Array, s: SimulatedOmicsSettings): OmicsData {
  const { latentDim: q, blockSize, blockWeight, decimals } = SIMULATION_SETTINGS;
  const n = latent.length / q;
  const d = s.features;
  const informative = Math.min(s.informative, d);
  const loadingRng = root.fork(`loadings:${s.name}`);
  const loadings = new Float64Array(informative * q);
  for (let k = 0; k < loadings.length; k++) loadings[k] = s.loadingScale * loadingRng.normal();
  const offsets = new Float64Array(d);
  for (let j = 0; j < d; j++) offsets[j] = s.offsetMean + s.offsetScale * loadingRng.normal();

  const viewRng = root.fork(`view:${s.name}`);
  const noiseRng = root.fork(`noise:${s.name}`);
  const blocks = Math.ceil(d / blockSize);
  const view = new Float64Array(q);
  const blockFactors = new Float64Array(blocks);
  const scale = 10 ** decimals;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < q; k++) view[k] = latent[i * q + k] + s.latentNoise * viewRng.normal();
    for (let b = 0; b < blocks; b++) blockFactors[b] = blockWeight * noiseRng.normal();
    const base = i * d;
    for (let j = 0; j < d; j++) {
      let x = offsets[j] + blockFactors[(j / blockSize) | 0] + noiseRng.normal();
      if (j < informative) {
        const a = j * q;
        for (let k = 0; k < q; k++) x += loadings[a + k] * view[k];
      }
      // Adding 0 turns the -0 that rounding can give into 0.
      data[base + j] = Math.round(x * scale) / scale + 0;
    }
  }
  const width = String(d).length;
  return {
    name: s.name,
    file: 'simulated',
    featureNames: Array.from({ length: d }, (_, j) => `${s.name}_${String(j + 1).padStart(width, '0')}`),
    values: createMatrix(n, d, data),
    present: new Uint8Array(n).fill(1),
    orientation: 'rows',
    missingCells: 0,
  };
}
