/**
 * The data types every bml package exchanges: a cohort of labelled samples
 * with one matrix per omics, and the outer train/test splits over it.
 */
import type { BmlWarning, Matrix } from '@bml/core';
import type { IdMatch } from './barcodes.js';

/** Whether a file stores samples as rows (first column the ids) or as columns (header the ids). */
export type Orientation = 'rows' | 'columns';

/** One omics of a cohort, aligned to the cohort's samples. */
export interface OmicsData {
  /** Omics name from the file name: `mrna.csv` -> `mrna`, `cnv.tsv.gz` -> `cnv`. */
  name: string;
  /** Path the omics was read from (`simulated` for the simulated cohort). */
  file: string;
  /** Feature names, unique (duplicated names were merged by their mean). */
  featureNames: string[];
  /** Samples x features, rows in cohort order (`Cohort.sampleIds`); NaN marks a missing cell. */
  values: Matrix;
  /** 1 when the sample has this omics: its row is in the file and not entirely missing. */
  present: Uint8Array;
  /** Orientation the file was read in. */
  orientation: Orientation;
  /** Number of missing cells in the rows of samples that have this omics. */
  missingCells: number;
}

/** Labelled samples with their omics. */
export interface Cohort {
  /** Cohort name: the folder name (`simulated` for the simulated cohort). */
  name: string;
  /** Sample ids as written in the labels file, in labels-file order. */
  sampleIds: string[];
  /** Class names sorted by UTF-16 code units (JavaScript's default sort); labels stay strings. */
  classNames: string[];
  /** Class code of every sample: an index into `classNames`. */
  labels: Int32Array;
  /** Omics sorted by name. */
  omics: OmicsData[];
  /** Outer split from `split.csv` or from `labels_train` plus `labels_test`, one entry per sample. */
  split?: ('train' | 'test')[];
  /** Conditions handled while loading, in the order they were met. */
  warnings: BmlWarning[];
  /** Label files that were read. */
  labelFiles?: string[];
  /** Split file that was read, when there was one. */
  splitFile?: string;
}

/** Options of `loadCohort`. Relative file paths resolve against the cohort folder. */
export interface LoadOptions {
  /** Labels file (`id,label`). Default: the one found in the folder (see the package README). */
  labels?: string;
  /** Test labels file. With it, `labels` contains the training labels and the two define the outer split. */
  testLabels?: string;
  /** Header name of the label column in the labels file. Default: the second column. */
  labelColumn?: string;
  /**
   * Samples as rows or as columns, for every omics or per omics name. Default `auto`: the side (first
   * column or header) whose ids match more label ids.
   */
  orientation?: Orientation | 'auto' | Record<string, Orientation | 'auto'>;
  /** Id matching mode between omics and labels (TCGA barcodes cut to sample or patient). Default `exact`. */
  idMatch?: IdMatch;
  /** With `idMatch: 'patient'`, the TCGA sample types that inherit the patient's label. Default `['01']`. */
  sampleTypes?: string[];
  /** Names of the omics to load. Default: every omics file in the folder. */
  omics?: string[];
  /** `drop` keeps only samples that have every omics; `keep` keeps all and marks absences. Default `drop`. */
  missingOmics?: 'drop' | 'keep';
  /** Rows of one file that match the same sample: `error`, or `mean` to average them. Default `error`. */
  duplicateSamples?: 'error' | 'mean';
}

/** One outer train/test split, as indices into the cohort's samples (ascending). */
export interface OuterSplit {
  /** Repeat (or fold) number, from 0. */
  repeat: number;
  /** Seed the split was drawn with (0 for a split read from a file). */
  seed: number;
  /** Indices of training samples (training plus validation). */
  train: number[];
  /** Indices of test samples. */
  test: number[];
  /** Origin of the split: a file, random stratified draws or stratified folds. */
  source: 'file' | 'random' | 'kfold';
  /** Conditions handled while making the split (small classes, ids not in the cohort). */
  warnings?: BmlWarning[];
  /** File the split was read from, for `source: 'file'`. */
  file?: string;
}
