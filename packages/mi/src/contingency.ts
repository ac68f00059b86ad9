/**
 * Contingency table of two label vectors: counts of samples per pair of labels.
 */
import { createMatrix, type Matrix } from '@bml/core';
import { encodeLabels, requireSameLength, type Label, type LabelVector } from './labels.js';

/** Counts of samples for each pair (label of a, label of b). */
export interface ContingencyTable {
  /**
   * `rowLabels.length x colLabels.length` counts: entry (i, j) counts samples labelled `rowLabels[i]`
   * in a and `colLabels[j]` in b.
   */
  counts: Matrix;
  /** Distinct labels of a, sorted (numbers ascending, then strings). */
  rowLabels: Label[];
  /** Distinct labels of b, sorted (numbers ascending, then strings). */
  colLabels: Label[];
  /** Number of samples. */
  n: number;
}

/**
 * Builds the contingency table of two label vectors.
 *
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function contingencyTable(a: LabelVector, b: LabelVector): ContingencyTable {
  requireSameLength(a, b);
  const rows = encodeLabels(a, 'a');
  const cols = encodeLabels(b, 'b');
  const width = cols.labels.length;
  const counts = createMatrix(rows.labels.length, width);
  for (let i = 0; i < a.length; i++) counts.data[rows.codes[i] * width + cols.codes[i]] += 1;
  return { counts, rowLabels: rows.labels, colLabels: cols.labels, n: a.length };
}
