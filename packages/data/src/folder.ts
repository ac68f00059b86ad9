/**
 * Sorting the files of a cohort folder into omics, label and split files.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { InvalidInputError, type BmlWarning } from '@bml/core';
import { agree } from './grammar.js';
import { isTableFile, tableBaseName } from './text.js';

/** The table files of a cohort folder, by role. */
export interface FolderFiles {
  /** Omics files, sorted by omics name. */
  omics: string[];
  /** Files whose name starts with `labels`. */
  labels: string[];
  /** Files whose name starts with `split`. */
  splits: string[];
}

/**
 * Lists the table files (`.csv`, `.tsv`, `.csv.gz`, `.tsv.gz`) directly in
 * `dir`. Names starting with `labels` are label files, names starting with
 * `split` split files, names starting with `README` are ignored, and every
 * other table file is an omics. Sub-folders are not read.
 */
export async function listCohortFiles(dir: string): Promise<FolderFiles> {
  let names: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a folder');
    names = await readdir(dir);
  } catch {
    throw new InvalidInputError(
      `@bml/data: cohort folder ${dir} does not exist or is not a folder; pass the folder that contains ` +
        'the omics files and labels.csv',
      'COHORT_NOT_FOUND',
      { dir },
    );
  }
  const files: FolderFiles = { omics: [], labels: [], splits: [] };
  for (const name of names.sort()) {
    if (!isTableFile(name)) continue;
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('labels')) files.labels.push(path);
    else if (lower.startsWith('split')) files.splits.push(path);
    else if (!lower.startsWith('readme')) files.omics.push(path);
  }
  files.omics.sort((a, b) => compareStrings(tableBaseName(a), tableBaseName(b)));
  return files;
}

/** Label files chosen for a cohort. */
export interface LabelSource {
  /** Labels of every sample, or of the training samples when `test` is set. */
  train: string;
  /** Labels of the test samples (the train/test form). */
  test?: string;
}

/**
 * Chooses the label files: the `labels`/`testLabels` options when given;
 * otherwise `labels.<ext>`; otherwise `labels_train` plus `labels_test`;
 * otherwise the single `labels*` file. Anything else raises an
 * `InvalidInputError` listing the candidates. Candidates that were passed
 * over are reported in `warnings`.
 */
export function chooseLabelFiles(
  dir: string,
  candidates: readonly string[],
  options: { labels?: string; testLabels?: string },
  warnings: BmlWarning[],
): LabelSource {
  if (options.labels !== undefined) {
    const train = resolveIn(dir, options.labels);
    return options.testLabels !== undefined ? { train, test: resolveIn(dir, options.testLabels) } : { train };
  }
  if (options.testLabels !== undefined) {
    throw new InvalidInputError(
      '@bml/data: testLabels (bml run: --test-labels) was given without labels; pass the training labels file as labels (--labels) too',
      'TEST_LABELS_ALONE',
    );
  }
  const named = (base: string): string[] =>
    candidates.filter((path) => tableBaseName(path).toLowerCase() === base);
  const plain = named('labels');
  const trainFiles = named('labels_train');
  const testFiles = named('labels_test');

  let source: LabelSource | undefined;
  if (plain.length > 1) throw ambiguous(dir, plain);
  if (plain.length === 1) source = { train: plain[0] };
  else if (trainFiles.length > 1) throw ambiguous(dir, trainFiles);
  else if (testFiles.length > 1) throw ambiguous(dir, testFiles);
  else if (trainFiles.length === 1 && testFiles.length === 1) {
    source = { train: trainFiles[0], test: testFiles[0] };
  }
  else if (candidates.length === 1) source = { train: candidates[0] };
  else if (candidates.length === 0) {
    throw new InvalidInputError(
      `@bml/data: cohort folder ${dir} has no labels file; add labels.csv with a header row and one ` +
        '"id,label" row per sample, or pass the labels option (bml run: --labels FILE)',
      'NO_LABELS',
      { dir },
    );
  } else throw ambiguous(dir, candidates);

  const used = source.test ? [source.train, source.test] : [source.train];
  const unused = candidates.filter((path) => !used.includes(path)).map((path) => basename(path));
  if (unused.length > 0) {
    warnings.push({
      code: 'LABEL_FILES_NOT_USED',
      message:
        `labels were read from ${used.map((path) => basename(path)).join(' and ')}; ${unused.join(', ')} ` +
        `${agree(unused.length, 'was', 'were')} not used (pass the labels option, in bml run --labels FILE, to choose another file)`,
      ids: unused,
    });
  }
  return source;
}

function ambiguous(dir: string, candidates: readonly string[]): InvalidInputError {
  const names = candidates.map((path) => basename(path));
  return new InvalidInputError(
    `@bml/data: cohort folder ${dir} has several possible labels files (${names.join(', ')}) and no ` +
      'labels.csv; pass the labels option (and testLabels for a train/test pair; bml run: --labels and --test-labels) to choose, or rename one ' +
      'to labels.csv',
    'AMBIGUOUS_LABELS',
    { dir, candidates: names },
  );
}

/**
 * Chooses the split file: the one named `split.<ext>`, if any. Other `split*`
 * files are reported in `warnings`.
 */
export function chooseSplitFile(
  dir: string,
  candidates: readonly string[],
  warnings: BmlWarning[],
): string | undefined {
  const plain = candidates.filter((path) => tableBaseName(path).toLowerCase() === 'split');
  if (plain.length > 1) {
    throw new InvalidInputError(
      `@bml/data: cohort folder ${dir} has several split files ` +
        `(${plain.map((path) => basename(path)).join(', ')}); keep one`,
      'AMBIGUOUS_SPLIT',
      { dir },
    );
  }
  const unused = candidates.filter((path) => !plain.includes(path)).map((path) => basename(path));
  if (unused.length > 0) {
    warnings.push({
      code: 'SPLIT_FILES_NOT_USED',
      message:
        `only split.csv (or .tsv) defines the outer split; ${unused.join(', ')} ` +
        `${agree(unused.length, 'was', 'were')} not read`,
      ids: unused,
    });
  }
  return plain[0];
}

/** Resolves `path` against `dir` unless it is absolute. */
export function resolveIn(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

/** Compares strings by UTF-16 code units, the order of JavaScript's default sort. */
export function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
