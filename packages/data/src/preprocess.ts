/**
 * Per-omics preprocessing fitted on the training part and applied to any
 * rows: feature filtering by missingness, median imputation, optional
 * log2(x + 1), variance filtering and z-scoring with training statistics.
 */
import { InvalidInputError, createMatrix, requireInput, summarizeIds } from '@bml/core';
import type { BmlWarning, Matrix } from '@bml/core';
import { midpoint } from './finite-math.js';

/** Options of {@link fitPreprocessor}. */
export interface PreprocessOptions {
  /** Features missing in more than this fraction of the fitting rows are dropped. Default 0.1. */
  maxMissingFraction?: number;
  /** At most this many features are selected: those with the highest fitting variance. Default 5000. */
  maxFeatures?: number;
  /** Applies log2(x + 1) before everything else; negative values are rejected. Default false. */
  log2?: boolean;
  /** Omics name used in warnings and errors. Default: none. */
  name?: string;
  /** Ids of the rows of `values`, used in warnings and errors. Default: row numbers. */
  sampleIds?: readonly string[];
}

/**
 * A fitted preprocessing: which input columns are selected and the fitting
 * statistics of each selected column (on the log2 scale when `log2` is set).
 * Plain arrays only, so it can be saved as JSON.
 */
export interface Preprocessor {
  /** Omics name, when one was given. */
  name?: string;
  /** Number of columns of the matrices it accepts. */
  inputFeatures: number;
  /** Whether log2(x + 1) is applied first. */
  log2: boolean;
  /** Kept input columns, ascending. */
  featureIndices: number[];
  /** Names of the selected columns. */
  featureNames: string[];
  /** Fitting median of each selected column; fills missing cells. */
  medians: number[];
  /** Fitting mean of each selected column (after imputation). */
  means: number[];
  /** Fitting standard deviation (n - 1 denominator) of each selected column; a zero becomes 1. */
  sds: number[];
  /** Number of fitting rows used (rows entirely missing are not used). */
  fitRowCount: number;
  /** Names of dropped features, by reason. */
  dropped: {
    /** No value in any fitting row. */
    allMissing: string[];
    /** Missing in more than `maxMissingFraction` of the fitting rows. */
    tooManyMissing: string[];
    /** Constant over the fitting rows. */
    zeroVariance: string[];
    /** Number of features beyond `maxFeatures` with the lowest variance. */
    lowVarianceCount: number;
  };
  /** Conditions handled while fitting. */
  warnings: BmlWarning[];
}

/**
 * Fits the preprocessing of one omics on the rows `fitRows` of `values`
 * (samples x features, NaN = missing). Rows that are entirely missing lack
 * the omics and are not used. Steps, all on fitting rows only:
 *
 * 1. log2(x + 1) when `log2` is set (negative values raise an `InvalidInputError`);
 * 2. drop features with no value (warning) or missing in more than `maxMissingFraction` (warning);
 * 3. fill the remaining missing cells with the feature's median;
 * 4. drop constant features (warning);
 * 5. keep the `maxFeatures` features with the highest variance (ties: lower column first);
 * 6. store mean and standard deviation (n - 1 denominator) for the z-score.
 */
export function fitPreprocessor(
  values: Matrix,
  fitRows: ArrayLike<number>,
  featureNames: string[],
  options: PreprocessOptions = {},
): Preprocessor {
  const { maxMissingFraction = 0.1, maxFeatures = 5000, log2 = false, name, sampleIds } = options;
  const prefix = name ? `${name}: ` : '';
  checkFitInput(values, fitRows, featureNames, maxMissingFraction, maxFeatures, prefix);
  const warnings: BmlWarning[] = [];
  const rows = usableRows(values, fitRows, prefix, sampleIds, warnings);
  const n = rows.length;
  const d = values.cols;
  const column = new Float64Array(n);
  const observed = new Float64Array(n);
  const allMissing: string[] = [];
  const tooManyMissing: string[] = [];
  const zeroVariance: string[] = [];
  const imputed: string[] = [];
  let imputedCount = 0;
  const candidates: { index: number; median: number; mean: number; variance: number; sd: number }[] = [];

  for (let j = 0; j < d; j++) {
    let count = 0;
    for (let r = 0; r < n; r++) {
      const i = rows[r];
      let x = values.data[i * d + j];
      if (!Number.isNaN(x)) {
        if (!Number.isFinite(x) || (log2 && x < 0)) {
          throw cellError(x, prefix, rowName(i, sampleIds), featureNames[j]);
        }
        if (log2) x = Math.log2(x + 1);
        observed[count++] = x;
      }
      column[r] = x;
    }
    const missing = n - count;
    if (count === 0) {
      allMissing.push(featureNames[j]);
      continue;
    }
    if (missing > maxMissingFraction * n) {
      tooManyMissing.push(featureNames[j]);
      continue;
    }
    const median = sortedMedian(observed.subarray(0, count));
    if (missing > 0) {
      for (let r = 0; r < n; r++) {
        if (Number.isNaN(column[r])) {
          column[r] = median;
          imputedCount++;
          if (imputed.length < 10) imputed.push(`${shortRowName(rows[r], sampleIds)}/${featureNames[j]}`);
        }
      }
    }
    const { mean, variance, sd, constant } = moments(column, prefix, featureNames[j]);
    if (constant) {
      zeroVariance.push(featureNames[j]);
      continue;
    }
    candidates.push({ index: j, median, mean, variance, sd });
  }

  const selected = keepHighestVariance(candidates, maxFeatures);
  reportDrops(prefix, n, maxMissingFraction, { allMissing, tooManyMissing, zeroVariance }, warnings);
  if (imputedCount > 0) {
    warnings.push({
      code: 'CELLS_IMPUTED',
      message:
        `${prefix}${imputedCount} missing cell${imputedCount === 1 ? ' was' : 's were'} filled with the ` +
        `feature's fitting median (${imputedCount > imputed.length ? 'first: ' : ''}${imputed.join(', ')})`,
      ids: imputed,
    });
  }
  if (selected.length === 0) {
    // Raising maxMissingFraction helps only when missing values removed features.
    const fix =
      tooManyMissing.length > 0
        ? 'check the file, or raise maxMissingFraction'
        : 'check the file: an omics needs a feature that varies across the fitting samples, or leave this omics out';
    throw new InvalidInputError(
      `@bml/data: ${prefix}no feature is left after preprocessing (${d} features: ` +
        `${allMissing.length} without values, ${tooManyMissing.length} missing in more than ` +
        `${maxMissingFraction * 100}% of the fitting samples, ${zeroVariance.length} constant); ${fix}`,
      'NO_FEATURES_LEFT',
      { omics: name },
    );
  }
  return {
    ...(name !== undefined ? { name } : {}),
    inputFeatures: d,
    log2,
    featureIndices: selected.map((c) => c.index),
    featureNames: selected.map((c) => featureNames[c.index]),
    medians: selected.map((c) => c.median),
    means: selected.map((c) => c.mean),
    sds: selected.map((c) => (c.sd > 0 ? c.sd : 1)),
    fitRowCount: n,
    dropped: { allMissing, tooManyMissing, zeroVariance, lowVarianceCount: candidates.length - selected.length },
    warnings,
  };
}

/**
 * Applies a fitted preprocessing to any rows (training, validation, test or
 * new samples): the same columns, log2 when fitted with it, missing cells
 * filled with the fitting median, and the fitting z-score. The result is
 * finite. Raises an `InvalidInputError` for a wrong column count, an
 * infinite value, a negative value under log2, or a value whose z-score
 * would exceed the double range.
 */
export function applyPreprocessor(p: Preprocessor, values: Matrix): Matrix {
  const prefix = p.name ? `${p.name}: ` : '';
  requireInput(
    values.cols === p.inputFeatures,
    `@bml/data: ${prefix}the matrix has ${values.cols} columns but the preprocessing was fitted on ` +
      `${p.inputFeatures}; pass the omics with the same features in the same order`,
    'SHAPE_MISMATCH',
  );
  const k = p.featureIndices.length;
  const d = values.cols;
  const out = new Float64Array(values.rows * k);
  for (let i = 0; i < values.rows; i++) {
    const base = i * d;
    for (let c = 0; c < k; c++) {
      let x = values.data[base + p.featureIndices[c]];
      if (Number.isNaN(x)) {
        x = p.medians[c];
      } else {
        if (!Number.isFinite(x) || (p.log2 && x < 0)) {
          throw cellError(x, prefix, `row ${i + 1}`, p.featureNames[c]);
        }
        if (p.log2) x = Math.log2(x + 1);
      }
      out[i * k + c] = zScore(x, p.means[c], p.sds[c], prefix, i, p.featureNames[c]);
    }
  }
  return createMatrix(values.rows, k, out);
}

/**
 * Returns (x - mean) / sd. When x - mean overflows (both near the double
 * limit, with opposite signs), halving both first keeps the difference
 * finite. A result beyond the double range raises an `InvalidInputError`.
 * That needs a value extremely far from the fitting values, so it never
 * happens for a fitting row.
 */
function zScore(x: number, mean: number, sd: number, prefix: string, row: number, feature: string): number {
  const z = (x - mean) / sd;
  if (Number.isFinite(z)) return z;
  const halved = (x / 2 - mean / 2) / (sd / 2);
  if (Number.isFinite(halved)) return halved;
  throw new InvalidInputError(
    `@bml/data: ${prefix}row ${row + 1}, feature ${feature}: ${x} is so far from the fitting values ` +
      `(mean ${mean}, sd ${sd}) that its z-score is not a finite number; fix the value or mark it missing`,
    'NOT_FINITE',
    { row: row + 1, feature, value: x },
  );
}

function checkFitInput(
  values: Matrix,
  fitRows: ArrayLike<number>,
  featureNames: string[],
  maxMissingFraction: number,
  maxFeatures: number,
  prefix: string,
): void {
  requireInput(
    featureNames.length === values.cols,
    `@bml/data: ${prefix}${featureNames.length} feature names for a matrix with ${values.cols} columns; ` +
      'pass one name per column',
    'SHAPE_MISMATCH',
  );
  requireInput(
    Number.isFinite(maxMissingFraction) && maxMissingFraction >= 0 && maxMissingFraction <= 1,
    `@bml/data: maxMissingFraction must be between 0 and 1, got ${maxMissingFraction}`,
    'BAD_OPTION',
  );
  requireInput(
    Number.isInteger(maxFeatures) && maxFeatures >= 1,
    `@bml/data: maxFeatures must be a positive integer, got ${maxFeatures}`,
    'BAD_OPTION',
  );
  for (let r = 0; r < fitRows.length; r++) {
    const i = fitRows[r];
    requireInput(
      Number.isInteger(i) && i >= 0 && i < values.rows,
      `@bml/data: ${prefix}fitting row ${i} is outside 0..${values.rows - 1}`,
      'BAD_INDEX',
    );
  }
}

/** Returns the fitting rows that have at least one value; rows entirely missing are reported. */
function usableRows(
  values: Matrix,
  fitRows: ArrayLike<number>,
  prefix: string,
  sampleIds: readonly string[] | undefined,
  warnings: BmlWarning[],
): number[] {
  const d = values.cols;
  const rows: number[] = [];
  const empty: string[] = [];
  for (let r = 0; r < fitRows.length; r++) {
    const i = fitRows[r];
    let any = false;
    for (let j = 0; j < d && !any; j++) any = !Number.isNaN(values.data[i * d + j]);
    if (any) rows.push(i);
    else empty.push(shortRowName(i, sampleIds));
  }
  if (empty.length > 0) {
    warnings.push({
      code: 'FITTING_ROWS_WITHOUT_DATA',
      message:
        `${prefix}${empty.length} fitting row${empty.length === 1 ? ' is' : 's are'} entirely missing ` +
        `(${summarizeIds(empty, 5)}): those samples lack the omics and were not used for fitting`,
      ids: empty,
    });
  }
  requireInput(
    rows.length >= 2,
    `@bml/data: ${prefix}preprocessing needs at least 2 fitting rows with data, got ${rows.length}; ` +
      'use a larger training part',
    'TOO_FEW_ROWS',
  );
  return rows;
}

function cellError(x: number, prefix: string, row: string, feature: string): InvalidInputError {
  if (!Number.isFinite(x)) {
    return new InvalidInputError(
      `@bml/data: ${prefix}${row}, feature ${feature}: ${x} is not a finite number; ` +
        'mark missing cells with NaN and replace infinite values',
      'NOT_FINITE',
      { row, feature, value: x },
    );
  }
  return new InvalidInputError(
    `@bml/data: ${prefix}${row}, feature ${feature}: ${x} is negative, but log2(x + 1) needs values of at ` +
      'least 0; turn log2 off for data already on a log scale (or centred), or fix the value',
    'NEGATIVE_FOR_LOG2',
    { row, feature, value: x },
  );
}

function sortedMedian(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : midpoint(sorted[mid - 1], sorted[mid]);
}

interface Moments {
  mean: number;
  /** Variance with the n - 1 denominator; Infinity when it exceeds the double range (the sd may not). */
  variance: number;
  sd: number;
  constant: boolean;
}

function moments(column: Float64Array, prefix: string, feature: string): Moments {
  const n = column.length;
  let sum = 0;
  let min = column[0];
  let max = column[0];
  for (let r = 0; r < n; r++) {
    const x = column[r];
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  let ss = 0;
  for (let r = 0; r < n; r++) ss += (column[r] - mean) ** 2;
  const variance = ss / (n - 1);
  const constant = min === max;
  if (Number.isFinite(mean) && Number.isFinite(variance)) return { mean, variance, sd: Math.sqrt(variance), constant };
  return scaledMoments(column, Math.max(Math.abs(min), Math.abs(max)), constant, prefix, feature);
}

/**
 * Moments of a column whose plain sum or squared deviations overflow
 * (deviations above about 1.3e154): the values are divided by their largest
 * magnitude first.
 */
function scaledMoments(column: Float64Array, scale: number, constant: boolean, prefix: string, feature: string): Moments {
  const n = column.length;
  let sum = 0;
  for (let r = 0; r < n; r++) sum += column[r] / scale;
  const meanScaled = sum / n;
  let ss = 0;
  for (let r = 0; r < n; r++) ss += (column[r] / scale - meanScaled) ** 2;
  const sd = Math.sqrt(ss / (n - 1)) * scale;
  if (!Number.isFinite(sd)) {
    throw new InvalidInputError(
      `@bml/data: ${prefix}feature ${feature} has values near both ends of the double range ` +
        `(largest magnitude ${scale}), so its standard deviation is not a finite number; rescale the omics ` +
        'or mark the extreme cells missing',
      'NOT_FINITE',
      { feature },
    );
  }
  return { mean: meanScaled * scale, variance: sd * sd, sd, constant };
}

function keepHighestVariance<T extends { index: number; variance: number }>(
  candidates: T[],
  maxFeatures: number,
): T[] {
  if (candidates.length <= maxFeatures) return candidates;
  const ranked = [...candidates].sort((a, b) => b.variance - a.variance || a.index - b.index);
  return ranked.slice(0, maxFeatures).sort((a, b) => a.index - b.index);
}

function reportDrops(
  prefix: string,
  n: number,
  maxMissingFraction: number,
  dropped: { allMissing: string[]; tooManyMissing: string[]; zeroVariance: string[] },
  warnings: BmlWarning[],
): void {
  const count = (names: string[]): string => `${names.length} feature${names.length === 1 ? '' : 's'}`;
  const verb = (names: string[]): string => (names.length === 1 ? 'was' : 'were');
  if (dropped.allMissing.length > 0) {
    warnings.push({
      code: 'ALL_MISSING_FEATURES',
      message:
        `${prefix}${count(dropped.allMissing)} without any value in the ${n} fitting samples ` +
        `(${summarizeIds(dropped.allMissing, 10)}) ${verb(dropped.allMissing)} dropped`,
      ids: dropped.allMissing,
    });
  }
  if (dropped.tooManyMissing.length > 0) {
    warnings.push({
      code: 'MISSING_FEATURES_DROPPED',
      message:
        `${prefix}${count(dropped.tooManyMissing)} missing in more than ${maxMissingFraction * 100}% ` +
        `of the ${n} fitting samples (${summarizeIds(dropped.tooManyMissing, 10)}) ` +
        `${verb(dropped.tooManyMissing)} dropped`,
      ids: dropped.tooManyMissing,
    });
  }
  if (dropped.zeroVariance.length > 0) {
    warnings.push({
      code: 'ZERO_VARIANCE_FEATURES',
      message:
        `${prefix}${count(dropped.zeroVariance)} constant over the ${n} fitting samples ` +
        `(${summarizeIds(dropped.zeroVariance, 10)}) ${verb(dropped.zeroVariance)} dropped`,
      ids: dropped.zeroVariance,
    });
  }
}

function rowName(i: number, sampleIds: readonly string[] | undefined): string {
  return sampleIds?.[i] !== undefined ? `sample ${sampleIds[i]}` : `row ${i + 1}`;
}

function shortRowName(i: number, sampleIds: readonly string[] | undefined): string {
  return sampleIds?.[i] ?? `row ${i + 1}`;
}
