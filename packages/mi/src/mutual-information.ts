/**
 * Plug-in mutual information of two label vectors, from their contingency
 * table, with the optional Miller-Madow bias correction (Miller 1955).
 */
import type { Matrix } from '@bml/core';
import { countLabelPairs, countTable, type JointCounts } from './joint-counts.js';
import type { LabelVector } from './labels.js';
import { fromNats, readPlugInOptions, type BiasCorrection, type PlugInOptions } from './units.js';

function countOccupied(sums: Float64Array): number {
  let occupied = 0;
  for (const s of sums) if (s > 0) occupied++;
  return occupied;
}

/**
 * Computes the mutual information in nats from joint counts. The plug-in
 * value is clipped at 0 against rounding. The Miller-Madow value adds
 * (m_a + m_b - m_ab - 1) / (2N), with m the numbers of non-empty labels and
 * cells. It is negative for most independent inputs and is returned as is.
 */
export function mutualInformationNats(joint: JointCounts, correction: BiasCorrection): number {
  const { rowSums, colSums, cellRows, cellCols, cellCounts, total } = joint;
  if (!(total > 0)) return 0;
  const logTotal = Math.log(total);
  let sum = 0;
  for (let e = 0; e < cellCounts.length; e++) {
    const c = cellCounts[e];
    sum += c * (Math.log(c) + logTotal - Math.log(rowSums[cellRows[e]]) - Math.log(colSums[cellCols[e]]));
  }
  const plugIn = Math.max(0, sum / total);
  if (correction === 'none') return plugIn;
  return plugIn + (countOccupied(rowSums) + countOccupied(colSums) - cellCounts.length - 1) / (2 * total);
}

/**
 * Computes the plug-in mutual information of a table of counts,
 * I = sum_ij p_ij log(p_ij / (p_i. p_.j)). An empty table gives 0.
 *
 * @example
 * mutualInformationFromTable(fromRows([[5, 0], [0, 5]]), { base: 2 }); // 1 bit
 * @throws InvalidInputError when an entry is negative or not finite.
 */
export function mutualInformationFromTable(counts: Matrix, options: PlugInOptions = {}): number {
  const { base, correction } = readPlugInOptions(options);
  return fromNats(mutualInformationNats(countTable(counts), correction), base);
}

/**
 * Computes the plug-in mutual information of two label vectors (one label per
 * sample, numbers or strings). Empty vectors give 0.
 *
 * @example
 * mutualInformation([0, 0, 1, 1], ['x', 'x', 'y', 'y']); // log 2 = 0.693 nats
 * @throws InvalidInputError when the vectors differ in length or hold something other than numbers or
 *   strings.
 */
export function mutualInformation(a: LabelVector, b: LabelVector, options: PlugInOptions = {}): number {
  const { base, correction } = readPlugInOptions(options);
  return fromNats(mutualInformationNats(countLabelPairs(a, b), correction), base);
}
