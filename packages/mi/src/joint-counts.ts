/**
 * Joint counts of two labellings in sparse form: the marginal counts and the
 * non-empty cells of the contingency table, which is all that the plug-in
 * estimators need. Sparse cells keep memory linear in the number of samples
 * even when nearly every label is distinct.
 */
import { InvalidInputError, type Matrix } from '@bml/core';
import { encodeLabels, requireSameLength, type LabelVector } from './labels.js';

/** Marginal counts and non-empty cells of a contingency table. */
export interface JointCounts {
  /** Count of each label of a (row sums). */
  rowSums: Float64Array;
  /** Count of each label of b (column sums). */
  colSums: Float64Array;
  /** Row index of each non-empty cell. */
  cellRows: Int32Array;
  /** Column index of each non-empty cell. */
  cellCols: Int32Array;
  /** Count of each non-empty cell. */
  cellCounts: Float64Array;
  /** Total count (number of samples). */
  total: number;
}

/**
 * Counts two label vectors jointly.
 *
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function countLabelPairs(a: LabelVector, b: LabelVector): JointCounts {
  requireSameLength(a, b);
  const rows = encodeLabels(a, 'a');
  const cols = encodeLabels(b, 'b');
  const width = cols.labels.length;
  const rowSums = new Float64Array(rows.labels.length);
  const colSums = new Float64Array(width);
  const cells = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const r = rows.codes[i];
    const c = cols.codes[i];
    rowSums[r] += 1;
    colSums[c] += 1;
    const key = r * width + c;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const cellRows = new Int32Array(cells.size);
  const cellCols = new Int32Array(cells.size);
  const cellCounts = new Float64Array(cells.size);
  let index = 0;
  for (const [key, count] of cells) {
    cellRows[index] = Math.floor(key / width);
    cellCols[index] = key % width;
    cellCounts[index] = count;
    index++;
  }
  return { rowSums, colSums, cellRows, cellCols, cellCounts, total: a.length };
}

/**
 * Reads the joint counts of a dense contingency table.
 *
 * @throws InvalidInputError when an entry is negative or not finite.
 */
export function countTable(counts: Matrix): JointCounts {
  const rowSums = new Float64Array(counts.rows);
  const colSums = new Float64Array(counts.cols);
  const cellRows: number[] = [];
  const cellCols: number[] = [];
  const cellCounts: number[] = [];
  let total = 0;
  for (let i = 0; i < counts.rows; i++) {
    for (let j = 0; j < counts.cols; j++) {
      const c = counts.data[i * counts.cols + j];
      if (!(Number.isFinite(c) && c >= 0)) {
        throw new InvalidInputError(
          `@bml/mi: contingency count (${i}, ${j}) is ${c}. Pass finite non-negative counts.`,
        );
      }
      if (c === 0) continue;
      rowSums[i] += c;
      colSums[j] += c;
      total += c;
      cellRows.push(i);
      cellCols.push(j);
      cellCounts.push(c);
    }
  }
  return {
    rowSums,
    colSums,
    cellRows: Int32Array.from(cellRows),
    cellCols: Int32Array.from(cellCols),
    cellCounts: Float64Array.from(cellCounts),
    total,
  };
}
