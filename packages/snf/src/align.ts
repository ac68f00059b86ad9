/**
 * Samples absent from an omics. The fusion functions take one row (or one
 * row and column) per sample in every omics, and a row of NaN marks a
 * sample that lacks the omics. These functions build that form from omics
 * that each list only the samples they have, matched by sample id.
 */

import { createMatrix, summarizeIds, type Matrix } from '@bml/core';
import { checkMatrix, fail } from './validate.js';

/** One omics: a matrix whose rows (features) or rows and columns (affinities) are the samples `ids`. */
export interface OmicsSamples {
  /** Sample id of each row, unique. */
  ids: readonly string[];
  /** Features (samples x features) or an affinity or distance matrix (samples x samples). */
  values: Matrix;
}

/** Options of {@link alignSamples} and {@link alignAffinities}. */
export interface AlignOptions {
  /**
   * Sample ids of the output rows, in order. Default: every id of any
   * omics, in order of first appearance (omics 0 first). A sample of an
   * omics that is not in this list is an error.
   */
  ids?: readonly string[];
}

/** Omics aligned to one list of samples. */
export interface AlignedSamples {
  /** Sample id of each output row. */
  ids: string[];
  /** One matrix per omics with a row (and, for affinities, a column) per id; NaN where the sample is absent. */
  matrices: Matrix[];
  /** For each omics, the ids it lacks. */
  absent: string[][];
}

/**
 * Aligns feature matrices by sample id: each omics gets one row per sample
 * of the output, with its own row where it has the sample and a row of NaN
 * where it does not, ready for {@link fuseFeatures} or {@link fitFusion}.
 */
export function alignSamples(omics: readonly OmicsSamples[], options: AlignOptions = {}): AlignedSamples {
  const { ids, positions, absent } = matchIds(omics, options, 'features');
  const matrices = omics.map(({ values }, v) => {
    const d = values.cols;
    const out = new Float64Array(ids.length * d).fill(Number.NaN);
    positions[v].forEach((row, r) => out.set(values.data.subarray(r * d, (r + 1) * d), row * d));
    return createMatrix(ids.length, d, out);
  });
  return { ids, matrices, absent };
}

/**
 * Aligns square affinity (or distance) matrices by sample id: each omics
 * gets an N x N matrix over the output samples, with NaN in the rows and
 * columns (diagonal included) of the samples it lacks, ready for
 * {@link snf} or {@link affinityFromDistances}.
 */
export function alignAffinities(omics: readonly OmicsSamples[], options: AlignOptions = {}): AlignedSamples {
  const { ids, positions, absent } = matchIds(omics, options, 'affinity');
  const n = ids.length;
  const matrices = omics.map(({ values }, v) => {
    const at = positions[v];
    const size = values.rows;
    const out = new Float64Array(n * n).fill(Number.NaN);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) out[at[r] * n + at[c]] = values.data[r * size + c];
    }
    return createMatrix(n, n, out);
  });
  return { ids, matrices, absent };
}

/** Output ids, the output row of each input row per omics, and the ids each omics lacks. */
function matchIds(
  omics: readonly OmicsSamples[],
  options: AlignOptions,
  kind: 'features' | 'affinity',
): { ids: string[]; positions: Int32Array[]; absent: string[][] } {
  if (!Array.isArray(omics as unknown) || omics.length === 0) fail('at least one omics is needed', 'NO_OMICS');
  omics.forEach(({ ids, values }, v) => {
    checkMatrix(`${kind} of omics ${v}`, values);
    if (ids.length !== values.rows)
      fail(`omics ${v} has ${ids.length} sample ids for ${values.rows} rows; give one id per row`, 'SHAPE_MISMATCH');
    if (kind === 'affinity' && values.cols !== values.rows)
      fail(`the affinity of omics ${v} is ${values.rows} x ${values.cols}; it must be square`, 'SHAPE_MISMATCH');
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) fail(`sample id ${id} occurs twice in omics ${v}; ids must be unique`, 'DUPLICATE_ID');
      seen.add(id);
    }
  });
  const ids: string[] = options.ids ? [...options.ids] : [...new Set(omics.flatMap((o): string[] => [...o.ids]))];
  const row = new Map<string, number>();
  ids.forEach((id, i) => {
    if (row.has(id)) fail(`sample id ${id} occurs twice in ids; ids must be unique`, 'DUPLICATE_ID');
    row.set(id, i);
  });
  const positions = omics.map(({ ids: own }, v) => {
    const unknown = own.filter((id) => !row.has(id));
    if (unknown.length > 0) {
      fail(
        `omics ${v} has ${unknown.length} sample(s) not in ids (${summarizeIds(unknown)}); add them to ids or remove them from the omics`,
        'UNKNOWN_SAMPLE',
        { omics: v, samples: unknown },
      );
    }
    return Int32Array.from(own, (id) => row.get(id)!);
  });
  const absent = omics.map(({ ids: own }) => {
    const has = new Set(own);
    return ids.filter((id) => !has.has(id));
  });
  return { ids, positions, absent };
}
