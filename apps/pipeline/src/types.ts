import type { Summary } from '@bml/core';

/** Macro-F1 of one omics' head after one stage. */
export interface StageScores {
  /** Macro-F1 on the test part. */
  macroF1: number;
  /** Macro-F1 on the validation part (used for model selection and the learning state). */
  validationMacroF1: number;
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
  nmiWithStrong: Record<string, number>;
  /** Whether each low-information omics passed the gate. */
  gate: Record<string, boolean>;
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
export interface RunMetrics {
  schemaVersion: 1;
  cohort: {
    name: string;
    samples: number;
    classes: string[];
    classSizes: Record<string, number>;
    omics: Record<string, { features: number; featuresKept: number[]; samples: number }>;
  };
  splits: SplitMetrics[];
  summary: {
    accuracy: Summary;
    macroF1: Summary;
    auc: Summary;
    perOmics: Record<string, { stageA: Summary; stageC: Summary }>;
  };
  baselines: {
    /** Always predicting the most frequent training class, on the same test parts. */
    majorityClass: { accuracy: Summary; macroF1: Summary };
  };
  warnings: { code: string; message: string; ids?: string[] }[];
  timings: { totalMs: number; stages: Record<string, number> };
}
