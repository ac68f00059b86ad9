/**
 * Every option of the method with its default. Sources: Wang et al. 2014 and
 * SNFtool for SNF, MOGONET for the graph convolution, Xie & Sanguinetti 2025
 * for the balanced training; values that no source fixes are bml's choices
 * and are documented in the README of the package that uses them.
 */

/** Options of one run, grouped by stage. */
export interface BmlConfig {
  /** Seed of every random choice. Default 0. */
  seed: number;
  /**
   * Worker threads that run outer splits at the same time, capped at the number of splits. 0 uses
   * one per core (one in all on the native backend), and 1 runs the splits one after another on
   * the main thread. Results do not depend on it. Default 0.
   */
  workers: number;
  /** `full` uses the defaults below; `quick` caps epochs and repeats for a short demonstration. Default `full`. */
  preset: 'full' | 'quick';
  /** How the cohort's files are read (passed to `loadCohort` of @bml/data). */
  input: {
    /**
     * How omics sample ids are matched to label ids: `exact`, or TCGA barcodes cut to the `sample`
     * (first 15 characters, TCGA-XX-XXXX-01) or the `patient` (first 12). Default `exact`.
     */
    idMatch: 'exact' | 'sample' | 'patient';
    /** Samples as `rows` or `columns` of every omics file, or `auto` to detect it from the label ids. Default `auto`. */
    orientation: 'auto' | 'rows' | 'columns';
    /** With `idMatch` `patient`, the TCGA sample-type codes that take the patient's label. Default `["01"]` (primary tumour). */
    sampleTypes: string[];
    /** Rows of one file that match the same sample: `error`, or `mean` to average them. Default `error`. */
    duplicateSamples: 'error' | 'mean';
  };
  split: {
    /** Repeated stratified train/test splits. Default 5. */
    repeats: number;
    /** Stratified k-fold cross-validation instead of repeats when set. Default null. */
    folds: number | null;
    /** Fraction of samples in each test part. Default 0.3. */
    testFraction: number;
    /** Fraction of each training part held out for model selection. Default 0.2. */
    validationFraction: number;
    /** `id,split` files giving the outer splits explicitly. Default none. */
    files: string[];
  };
  preprocess: {
    /** Features missing in more than this fraction of training samples are dropped. Default 0.1. */
    maxMissingFraction: number;
    /** Highest-variance features kept per omics. Default 5000. */
    maxFeatures: number;
    /** Imputation of remaining missing cells. Default `median`. */
    impute: 'median';
    /** Apply log2(x + 1) before anything else. Default false. */
    log2: boolean;
  };
  autoencoder: {
    /** Code size; omics with at most this many features skip the autoencoder. Default 100. */
    codeSize: number;
    /** Encoder hidden sizes; null picks them from the input size. Default null. */
    hidden: number[] | null;
    /** Maximum epochs. Default 300. */
    epochs: number;
    /** Mini-batch size. Default 64. */
    batchSize: number;
    /** Adam learning rate. Default 1e-3. */
    learningRate: number;
    /** Epochs without a lower validation reconstruction loss before stopping. Default 20. */
    patience: number;
  };
  snf: {
    /** Affinity kernel convention. Default `paper`. */
    kernel: 'paper' | 'snftool' | 'snfpy';
    /** Distance between samples. Default `euclidean`. */
    metric: 'euclidean' | 'sqeuclidean' | 'cosine';
    /** Neighbours in the local scale and local kernel. Default 20. */
    K: number;
    /** Kernel width. Default 0.5. */
    mu: number;
    /** Diffusion iterations. Default 20. */
    t: number;
    /** Per-iteration normalisation convention. Default `snftool`. */
    normalization: 'snftool' | 'snfpy';
  };
  graph: {
    /** `inductive` attaches test samples to a training-only graph; `transductive` fuses all samples. Default `inductive`. */
    mode: 'inductive' | 'transductive';
    /** Edges per node taken from the fused network. Default 10. */
    k: number;
    /** Adjacency normalisation. Default `symmetric`. */
    normalization: 'symmetric' | 'row';
  };
  encoder: {
    /** Graph convolution layer sizes. Default [256, 128]. */
    hidden: number[];
    /** Dropout rate between layers. Default 0.5. */
    dropout: number;
    /** LeakyReLU negative slope. Default 0.25. */
    leakySlope: number;
  };
  stageA: StageOptions;
  distill: StageOptions & {
    /** Weight of the cross-entropy term. Default 1. */
    alpha: number;
    /** Weight of the softened KL term. Default 1. */
    beta: number;
    /** Weight of the feature-matching term. Default 0.5. */
    gamma: number;
    /** Softmax temperature. Default 2. */
    temperature: number;
  };
  balance: StageOptions & {
    /** Learning rate of the heads (the encoders use `learningRate`). Default 1e-3. */
    headLearningRate: number;
    /** Base loss weight. Default 1. */
    lambda: number;
    /** Sensitivity of the weight to the macro-F1 ratio. Default 2. */
    eta: number;
    /** Weight of a low-information omics that did not pass the gate. Default 0.1. */
    gammaLow: number;
    /** Epochs with all weights 1 before the weighting starts. Default 0. */
    warmup: number;
    /** Smoothing of the validation macro-F1. Default 0.9. */
    ema: number;
    /** `f1` recomputes the weights from macro-F1; `uniform` keeps them at 1. Default `f1`. */
    weighting: 'f1' | 'uniform';
  };
  state: {
    /** Skill below which an omics is low-information. Default 0.25. */
    kappaLow: number;
  };
  mi: {
    /**
     * Estimator of the gate: `nmi` on the Stage-A predicted classes of the validation samples, or
     * `ksg`, `infonce` or `mine` on their Stage-A class probabilities, scored by the information
     * coefficient sqrt(1 - exp(-2 I)) of the estimate I in nats. Default `nmi`.
     */
    estimator: 'nmi' | 'ksg' | 'infonce' | 'mine';
    /** Score (NMI or information coefficient) a low-information omics needs with the strong one. Default 0.2. */
    gate: number;
    /**
     * Loss weight of a low-information omics, w = gammaLow + (min(lambda, F1-rule weight) − gammaLow) · g.
     * `hard`: g is 1 when the score passes the gate, else 0. `soft`: g = σ((score − gate) / softWidth).
     * Either way the omics is distilled in Stage B only when its score passes the gate. Default `hard`.
     */
    mode: 'hard' | 'soft';
    /** Width of the soft gate's sigmoid, on the scale of the score. Default 0.05. */
    softWidth: number;
  };
  fusion: {
    /** Fused classifier. Default `concat`. */
    head: 'concat' | 'vcdn';
  };
  memory: {
    /**
     * Memory a run may use, in MiB. A run whose estimated peak exceeds it stops before any work with
     * the estimate and the fix. Null uses the memory available when the run starts. Default null.
     */
    limitMB: number | null;
  };
  /** Per-omics overrides of `preprocess` and `snf`, keyed by omics name. Default none. */
  omics: Record<string, { preprocess?: Partial<BmlConfig['preprocess']>; snf?: Partial<BmlConfig['snf']> }>;
}

/** Options shared by the three training stages. */
export interface StageOptions {
  /** Maximum epochs (full-batch steps). */
  epochs: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Validation macro-F1 is computed every this many epochs. Default 10. */
  evalEvery: number;
  /** Epochs without a better validation macro-F1 before stopping. Default 100. */
  patience: number;
}

/** Returns a fresh copy of the full-method defaults. */
export function defaultConfig(): BmlConfig {
  return {
    seed: 0,
    workers: 0,
    input: { idMatch: 'exact', orientation: 'auto', sampleTypes: ['01'], duplicateSamples: 'error' },
    preset: 'full',
    split: { repeats: 5, folds: null, testFraction: 0.3, validationFraction: 0.2, files: [] },
    preprocess: { maxMissingFraction: 0.1, maxFeatures: 5000, impute: 'median', log2: false },
    autoencoder: { codeSize: 100, hidden: null, epochs: 300, batchSize: 64, learningRate: 1e-3, patience: 20 },
    snf: { kernel: 'paper', metric: 'euclidean', K: 20, mu: 0.5, t: 20, normalization: 'snftool' },
    graph: { mode: 'inductive', k: 10, normalization: 'symmetric' },
    encoder: { hidden: [256, 128], dropout: 0.5, leakySlope: 0.25 },
    stageA: { epochs: 500, learningRate: 1e-3, evalEvery: 10, patience: 100 },
    distill: {
      epochs: 300,
      learningRate: 5e-4,
      evalEvery: 10,
      patience: 100,
      alpha: 1,
      beta: 1,
      gamma: 0.5,
      temperature: 2,
    },
    balance: {
      epochs: 1000,
      learningRate: 5e-4,
      headLearningRate: 1e-3,
      evalEvery: 10,
      patience: 100,
      lambda: 1,
      eta: 2,
      gammaLow: 0.1,
      warmup: 0,
      ema: 0.9,
      weighting: 'f1',
    },
    state: { kappaLow: 0.25 },
    mi: { estimator: 'nmi', gate: 0.2, mode: 'hard', softWidth: 0.05 },
    fusion: { head: 'concat' },
    memory: { limitMB: null },
    omics: {},
  };
}

/**
 * Values the `quick` preset changes: one outer split and epoch caps small
 * enough for the simulated cohort to finish in a few minutes on 2 cores.
 */
export const quickPreset = {
  split: { repeats: 1 },
  preprocess: { maxFeatures: 2000 },
  autoencoder: { epochs: 30 },
  stageA: { epochs: 150, patience: 50 },
  distill: { epochs: 100, patience: 50 },
  balance: { epochs: 300, patience: 50 },
} as const;
