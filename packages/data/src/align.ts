/**
 * Aligning an omics table to the labelled samples by id, never by position.
 */
import { basename } from 'node:path';
import { InvalidInputError, createMatrix, summarizeIds, type BmlWarning, type Matrix } from '@bml/core';
import { describeSampleType, idKey, type IdMatch } from './barcodes.js';
import { meanSkippingNaN } from './finite-math.js';
import { agree, plural } from './grammar.js';
import type { OmicsTable } from './omics-file.js';

/** Rules for matching file rows to labelled samples. */
export interface AlignRules {
  /** Id matching mode. */
  idMatch: IdMatch;
  /** With `idMatch: 'patient'`, the sample types that inherit the patient's label. */
  sampleTypes: readonly string[];
  /** Rows matching the same sample: raise, or average them. */
  duplicateSamples: 'error' | 'mean';
}

/** An omics table with one row per labelled sample. */
export interface AlignedOmics {
  /** Labelled samples x features; rows of samples without data are NaN. */
  values: Matrix;
  /** 1 when the sample's row exists and is not entirely missing. */
  present: Uint8Array;
  /** 1 when the sample's row exists in the file (possibly entirely missing). */
  inFile: Uint8Array;
  /** Conditions handled while aligning. */
  warnings: BmlWarning[];
}

/**
 * Places each row of `table` at the labelled sample whose key it matches.
 * Rows without a labelled sample are reported and left out. With
 * `idMatch: 'patient'`, so are rows whose TCGA sample type is not in
 * `sampleTypes`. Several rows for one sample raise an `InvalidInputError`,
 * or with `duplicateSamples: 'mean'` are averaged per feature over their
 * non-missing values.
 */
export function alignOmics(
  table: OmicsTable,
  sampleKeys: ReadonlyMap<string, number>,
  sampleIds: readonly string[],
  rules: AlignRules,
): AlignedOmics {
  const file = basename(table.file);
  const n = sampleIds.length;
  const rowsOf: number[][] = Array.from({ length: n }, () => []);
  const unlabelled: string[] = [];
  const wrongType: string[] = [];
  const wrongTypeIds: string[] = [];
  for (let r = 0; r < table.sampleIds.length; r++) {
    const id = table.sampleIds[r];
    const { key, sampleType } = idKey(id, rules.idMatch);
    const index = sampleKeys.get(key);
    const excludedType =
      rules.idMatch === 'patient' && sampleType !== undefined && !rules.sampleTypes.includes(sampleType);
    if (index === undefined) {
      unlabelled.push(id);
    } else if (excludedType) {
      wrongType.push(`${id} (${describeSampleType(sampleType!)})`);
      wrongTypeIds.push(id);
    } else {
      rowsOf[index].push(r);
    }
  }

  const warnings: BmlWarning[] = [];
  const duplicates = rowsOf.map((rows, i) => ({ rows, i })).filter(({ rows }) => rows.length > 1);
  if (duplicates.length > 0) {
    const described = duplicates.map(({ rows, i }) => describeDuplicate(table, rows, sampleIds[i]));
    if (rules.duplicateSamples === 'error') {
      throw new InvalidInputError(
        `@bml/data: ${file} has several rows for the same sample: ${summarizeIds(described, 3)}` +
          (rules.idMatch === 'exact' ? '' : ` (ids matched with idMatch '${rules.idMatch}')`) +
          "; remove the extra rows, or set duplicateSamples: 'mean' to average them (bml run: input.duplicateSamples in config.json)",
        'DUPLICATE_SAMPLES',
        { file, samples: duplicates.map(({ i }) => sampleIds[i]) },
      );
    }
    warnings.push({
      code: 'DUPLICATE_SAMPLES_MERGED',
      message:
        `${table.name}: ${file} has several rows for ${plural(duplicates.length, 'sample')} ` +
        `(${summarizeIds(described, 5)}); each was replaced by the per-feature mean of its rows' ` +
        'non-missing values',
      ids: duplicates.map(({ i }) => sampleIds[i]),
    });
  }

  if (wrongType.length > 0) {
    warnings.push({
      code: 'SAMPLE_TYPE_EXCLUDED',
      message:
        `${table.name}: ${plural(wrongType.length, 'sample')} of labelled patients in ${file} ` +
        `${agree(wrongType.length, 'has', 'have')} a sample type other than ${rules.sampleTypes.join(', ')} ` +
        `(${summarizeIds(wrongType, 5)}); they do not inherit the patient's label and were left out ` +
        '(set the sampleTypes option, input.sampleTypes in a bml config file, to include them)',
      ids: wrongTypeIds,
    });
  }
  if (unlabelled.length > 0) {
    warnings.push({
      code: 'OMICS_SAMPLES_UNLABELLED',
      message:
        `${table.name}: ${plural(unlabelled.length, 'sample')} in ${file} ` +
        `${agree(unlabelled.length, 'has', 'have')} no label (${summarizeIds(unlabelled, 5)}) and ` +
        `${agree(unlabelled.length, 'was', 'were')} left out`,
      ids: unlabelled,
    });
  }

  return { ...fillRows(table, rowsOf), warnings };
}

function describeDuplicate(table: OmicsTable, rows: number[], sampleId: string): string {
  const locations = rows.map((r) => table.sampleLocations[r]);
  const kind = locations[0].split(' ')[0];
  const where = locations.every((l) => l.startsWith(`${kind} `))
    ? `${kind}s ${joinAnd(locations.map((l) => l.slice(kind.length + 1)))}`
    : joinAnd(locations);
  const ids = [...new Set(rows.map((r) => table.sampleIds[r]))];
  return ids.length === 1 && ids[0] === sampleId
    ? `${sampleId} on ${where}`
    : `${sampleId} as ${ids.join(' and ')} on ${where}`;
}

function fillRows(table: OmicsTable, rowsOf: number[][]): Omit<AlignedOmics, 'warnings'> {
  const n = rowsOf.length;
  const d = table.values.cols;
  const src = table.values.data;
  const out = new Float64Array(n * d).fill(Number.NaN);
  const present = new Uint8Array(n);
  const inFile = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const rows = rowsOf[i];
    if (rows.length === 0) continue;
    inFile[i] = 1;
    const base = i * d;
    if (rows.length === 1) {
      out.set(src.subarray(rows[0] * d, rows[0] * d + d), base);
    } else {
      const cells = rows.map((r) => r * d);
      for (let j = 0; j < d; j++) {
        out[base + j] = meanSkippingNaN(src, cells);
        for (let k = 0; k < cells.length; k++) cells[k]++;
      }
    }
    for (let j = 0; j < d; j++) {
      if (!Number.isNaN(out[base + j])) {
        present[i] = 1;
        break;
      }
    }
  }
  return { values: createMatrix(n, d, out), present, inFile };
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
