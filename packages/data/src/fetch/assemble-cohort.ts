import { createMatrix } from '@bml/core';
import type { Cohort, OmicsData } from '../types.js';
import type { XenaMatrix } from './xena-matrix.js';

/** One downloaded omics matrix, named. */
export interface NamedMatrix {
  /** Omics name (`mrna`, `cnv`, `rppa`). */
  omics: string;
  /** Kept columns of the matrix. */
  matrix: XenaMatrix;
}

/** The samples chosen for the cohort. */
export interface SampleSelection {
  /** Labelled samples with data in every omics, sorted by UTF-16 code units. */
  sampleIds: string[];
  /** Per omics, the labelled samples with at least one value in it. */
  withData: Record<string, number>;
}

/**
 * Chooses the labelled samples that have every omics. A sample has an omics
 * when the matrix has its column and the column contains at least one value
 * (a column of missing cells only counts as absent, as `loadCohort` does).
 */
export function selectCompleteSamples(
  labels: ReadonlyMap<string, string>,
  matrices: readonly NamedMatrix[],
): SampleSelection {
  const counts = new Map<string, number>();
  const withData: Record<string, number> = {};
  for (const { omics, matrix } of matrices) {
    const present = samplesWithValues(matrix).filter((id) => labels.has(id));
    withData[omics] = present.length;
    for (const id of present) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const sampleIds = [...counts]
    .filter(([, count]) => count === matrices.length)
    .map(([id]) => id)
    .sort(compareCodeUnits);
  return { sampleIds, withData };
}

function samplesWithValues(matrix: XenaMatrix): string[] {
  const has = new Uint8Array(matrix.sampleIds.length);
  for (const row of matrix.rows) {
    for (let s = 0; s < row.length; s++) if (!Number.isNaN(row[s])) has[s] = 1;
  }
  return matrix.sampleIds.filter((_, s) => has[s] === 1);
}

/**
 * Builds the cohort that `writeCohort` writes: the chosen samples as rows of
 * every omics (sorted by omics name, as `loadCohort` returns them), and
 * their labels. To bound memory, each matrix's feature rows are released
 * (replaced by empty arrays) as they are copied, so `matrices` is emptied.
 */
export function buildCohort(
  name: string,
  sampleIds: readonly string[],
  labels: ReadonlyMap<string, string>,
  matrices: readonly NamedMatrix[],
): Cohort {
  const names = sampleIds.map((id) => labels.get(id)!);
  const classNames = [...new Set(names)].sort(compareCodeUnits);
  const codeOf = new Map(classNames.map((className, code) => [className, code]));
  const ordered = [...matrices].sort((a, b) => compareCodeUnits(a.omics, b.omics));
  return {
    name,
    sampleIds: [...sampleIds],
    classNames,
    labels: Int32Array.from(names, (className) => codeOf.get(className)!),
    omics: ordered.map(({ omics, matrix }) => toOmicsData(omics, matrix, sampleIds)),
    warnings: [],
  };
}

function toOmicsData(omics: string, matrix: XenaMatrix, sampleIds: readonly string[]): OmicsData {
  const columnOf = new Map(matrix.sampleIds.map((id, s) => [id, s]));
  const columns = sampleIds.map((id) => columnOf.get(id)!);
  const featureCount = matrix.featureNames.length;
  const values = createMatrix(sampleIds.length, featureCount);
  let missingCells = 0;
  for (let f = 0; f < featureCount; f++) {
    const row = matrix.rows[f];
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]];
      if (Number.isNaN(value)) missingCells++;
      values.data[i * featureCount + f] = value;
    }
    matrix.rows[f] = EMPTY_ROW;
  }
  return {
    name: omics,
    file: `${omics}.csv`,
    featureNames: matrix.featureNames,
    values,
    present: new Uint8Array(sampleIds.length).fill(1),
    orientation: 'rows',
    missingCells,
  };
}

const EMPTY_ROW = new Float64Array(0);

/** Compares strings by UTF-16 code units, the order of JavaScript's default sort. */
function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
