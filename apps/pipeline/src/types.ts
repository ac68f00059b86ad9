import type { PairInformation } from '@bml/mi';

/** Macro-F1 of one omics' head after one stage. */
export interface StageScores {
  /** Macro-F1 on the test part. */
  macroF1: number;
  /** Macro-F1 on the validation part (used for model selection and the learning state). */
  validationMacroF1: number;
}

/** Gate outcome of one low-information omics against the strong one. */
export interface GateDecisionRecord {
  /** Estimator that scored the gate (`nmi` also when a continuous one had too few validation samples). */
  estimator: 'nmi' | 'ksg' | 'infonce' | 'mine';
  /** Input of the estimator: Stage-A predicted classes or class probabilities of the validation samples. */
  input: 'predictedClasses' | 'classProbabilities';
  /** Score compared with `mi.gate`: the NMI, or the information coefficient of the estimate, in [0, 1]. */
  value: number;
  /** The NMI, or the KSG, InfoNCE or MINE estimate in nats. */
  estimate: number;
  /** Whether `value` exceeds `mi.gate`. */
  passed: boolean;
  /** Gate factor in [0, 1] that moves the loss weight from `gammaLow` toward the F1 rule. */
  factor: number;
}

/** One outer split's entry of `metrics.json`. */
export interface SplitMetrics {
  repeat: number;
  seed: number;
  /** Where the split came from: a split file, random repeats or k folds. */
  source: string;
  sizes: { train: number; validation: number; test: number };
  test: {
    accuracy: number;
    macroF1: number;
    /** Macro one-vs-rest AUC; null when no class has both positives and negatives. */
    auc: number | null;
    perClassF1: Record<string, number | null>;
    perClassRecall: Record<string, number | null>;
  };
  perOmics: Record<string, { stageA: StageScores; stageB?: StageScores; stageC: StageScores }>;
  categories: Record<string, 'strong' | 'weak' | 'lowInformation'>;
  /** The strong omics, or null when the best one is itself low-information. */
  strong: string | null;
  /** Skill (F1 - 1/C) / (1 - 1/C) per omics. */
  kappa: Record<string, number>;
  /** Normalised mutual information between the validation predictions of each pair of omics. */
  mi: Record<string, number>;
  /**
   * Per pair of omics (`"a|b"`), on the validation samples: NMI and plug-in MI (nats) of the Stage-A
   * predicted classes, and the KSG estimate (nats, k = 3) between the Stage-A class-probability vectors
   * with its information coefficient.
   */
  pairwiseMi: Record<string, PairInformation>;
  nmiWithStrong: Record<string, number>;
  /** Whether each low-information omics passed the gate. */
  gate: Record<string, boolean>;
  /** Score, estimator and factor of each low-information omics' gate. */
  gateDecisions: Record<string, GateDecisionRecord>;
  lossWeights: { epoch: number; weights: Record<string, number> }[];
  stoppedAtEpoch: Record<string, number>;
  fusedValidationMacroF1: number;
}

/** One row of `predictions.csv`. */
export interface PredictionRow {
  sample: string;
  repeat: number;
  set: 'train' | 'validation' | 'test';
  truth: string;
  predicted: string;
  /** Probability per class, in the cohort's class order. */
  prob: number[];
}

/** The content of `metrics.json`. */
/**
 * Mean and sample standard deviation (n - 1) of a value over the outer splits. The sd is null
 * with a single split, where it is undefined; both are null when no split has the value.
 */
export interface SplitSummary {
  mean: number | null;
  sd: number | null;
}

export interface RunMetrics {
  schemaVersion: 1;
  cohort: {
    name: string;
    samples: number;
    classes: string[];
    classSizes: Record<string, number>;
    /**
     * Per omics: the file it was read from, the orientation it was read in (samples as `rows` or
     * `columns`, also when chosen automatically), features in the file, features kept after
     * preprocessing in each split, and samples that have it.
     */
    omics: Record<
      string,
      { file: string; orientation: 'rows' | 'columns'; features: number; featuresKept: number[]; samples: number }
    >;
  };
  splits: SplitMetrics[];
  /** Mean and sd over splits. */
  summary: {
    accuracy: SplitSummary;
    macroF1: SplitSummary;
    auc: SplitSummary;
    perOmics: Record<string, { stageA: SplitSummary; stageC: SplitSummary }>;
    /** Mean and sd over splits of each pair's `pairwiseMi` values; KSG values are null when no split has one. */
    pairwiseMi: Record<string, Record<keyof PairInformation, SplitSummary>>;
  };
  baselines: {
    /** Always predicting the most frequent training class, on the same test parts. */
    majorityClass: { accuracy: SplitSummary; macroF1: SplitSummary };
  };
  warnings: { code: string; message: string; ids?: string[] }[];
  timings: { totalMs: number; stages: Record<string, number> };
}
