/**
 * Outer splits written as `id,split` files (`split.csv`, `splits/seed0.csv`).
 */
import { basename } from 'node:path';
import { InvalidInputError, summarizeIds, type BmlWarning } from '@bml/core';
import { idKey, type IdMatch } from './barcodes.js';
import { agree, plural } from './grammar.js';
import { readSplitEntries } from './labels.js';
import type { Cohort, OuterSplit } from './types.js';

/** Options of {@link readSplitFile}. */
export interface ReadSplitOptions {
  /** Repeat number stored in the result. Default 0. */
  repeat?: number;
  /** Id matching mode between the file's ids and the cohort's sample ids. Default `exact`. */
  idMatch?: IdMatch;
}

/**
 * Reads an `id,split` file (values `train` or `test`) as an outer split of
 * `cohort`. Every cohort sample needs a row. Ids that are not in the cohort,
 * such as samples left out for a missing omics, are ignored with a warning.
 * Raises an `InvalidInputError` when a part would be empty.
 */
export function readSplitFile(path: string, cohort: Cohort, options: ReadSplitOptions = {}): OuterSplit {
  const warnings: BmlWarning[] = [];
  const parts = assignSplitParts(path, cohort.sampleIds, options.idMatch ?? 'exact', warnings);
  const train: number[] = [];
  const test: number[] = [];
  parts.forEach((part, i) => (part === 'train' ? train : test).push(i));
  for (const [name, indices] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (indices.length === 0) {
      throw new InvalidInputError(
        `@bml/data: ${basename(path)} puts no sample of the cohort in the ${name} part; ` +
          'an outer split needs training and test samples',
        'EMPTY_SPLIT_PART',
        { file: path },
      );
    }
  }
  const untrained = cohort.classNames.filter((_, c) => !train.some((i) => cohort.labels[i] === c));
  if (untrained.length > 0) {
    warnings.push({
      code: 'CLASS_NOT_IN_TRAINING',
      message:
        `${basename(path)} puts no sample of class ${untrained.join(', ')} in the training part, ` +
        'so a model cannot learn it from this split',
      ids: untrained,
    });
  }
  return { repeat: options.repeat ?? 0, seed: 0, train, test, source: 'file', file: path, warnings };
}

/**
 * Reads an `id,split` file and returns the part of every id in `sampleIds`.
 * Raises an `InvalidInputError` when a sample has no row; rows for other ids
 * are reported in `warnings`.
 */
export function assignSplitParts(
  path: string,
  sampleIds: readonly string[],
  idMatch: IdMatch,
  warnings: BmlWarning[],
): ('train' | 'test')[] {
  const entries = readSplitEntries(path);
  const byKey = new Map(entries.map((entry) => [idKey(entry.id, idMatch).key, entry]));
  const used = new Set<string>();
  const missing: string[] = [];
  const parts = sampleIds.map((id): 'train' | 'test' => {
    const key = idKey(id, idMatch).key;
    const entry = byKey.get(key);
    if (!entry) {
      missing.push(id);
      return 'train';
    }
    used.add(key);
    return entry.part;
  });
  if (missing.length > 0) {
    throw new InvalidInputError(
      `@bml/data: ${basename(path)} has no row for ${plural(missing.length, 'sample')} of the cohort ` +
        `(${summarizeIds(missing, 5)}); add a train or test row for each, or leave the split out to draw ` +
        'splits at random',
      'SPLIT_MISSING_SAMPLES',
      { file: path, ids: missing },
    );
  }
  const extra = entries.filter((entry) => !used.has(idKey(entry.id, idMatch).key)).map((entry) => entry.id);
  if (extra.length > 0) {
    warnings.push({
      code: 'SPLIT_IDS_NOT_IN_COHORT',
      message:
        `${basename(path)} lists ${plural(extra.length, 'id')} that ${agree(extra.length, 'is', 'are')} ` +
        `not in the cohort (${summarizeIds(extra, 5)}); ${agree(extra.length, 'it was', 'they were')} ignored`,
      ids: extra,
    });
  }
  return parts;
}
