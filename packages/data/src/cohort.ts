/**
 * Loading a cohort folder: labels, one matrix per omics aligned by sample id,
 * and the optional outer split.
 */
import { basename, resolve } from 'node:path';
import { InvalidInputError, requireInput, selectRows, summarizeIds, type BmlWarning } from '@bml/core';
import { alignOmics, type AlignedOmics, type AlignRules } from './align.js';
import { idKey, looksLikeTcgaBarcode, type IdMatch } from './barcodes.js';
import { chooseLabelFiles, chooseSplitFile, compareStrings, listCohortFiles } from './folder.js';
import type { LabelSource } from './folder.js';
import { agree, plural } from './grammar.js';
import { readLabelFile } from './labels.js';
import { omicsTableFromRaw, type OmicsTable } from './omics-file.js';
import { parseRawTable } from './raw-table.js';
import { checkRows } from './row-checks.js';
import { assignSplitParts } from './split-file.js';
import { chooseDelimiter, readTextFile, tableBaseName } from './text.js';
import type { Cohort, LoadOptions, OmicsData, Orientation } from './types.js';

/** Labelled samples read from the label files. */
interface LabelledSamples {
  /** First header cell of each label file, to catch a file without a header row. */
  headerIds: { file: string; id: string; row: string }[];
  ids: string[];
  labels: string[];
  /** Outer-split part per sample, for the train/test label-file form. */
  parts?: ('train' | 'test')[];
  /** Matching key to sample index. */
  keys: Map<string, number>;
}

/**
 * Loads the cohort in folder `dir`. Every `.csv`, `.tsv`, `.csv.gz` and
 * `.tsv.gz` file is an omics except `labels*`, `split*` and `README*`. The
 * labels decide which samples exist, and every omics is aligned to them by
 * id. The package README lists every rule applied to bad input.
 */
export async function loadCohort(dir: string, options: LoadOptions = {}): Promise<Cohort> {
  checkLoadOptions(options);
  const rules: AlignRules = {
    idMatch: options.idMatch ?? 'exact',
    sampleTypes: options.sampleTypes ?? ['01'],
    duplicateSamples: options.duplicateSamples ?? 'error',
  };
  const files = await listCohortFiles(dir);
  const warnings: BmlWarning[] = [];
  const labelSource = chooseLabelFiles(dir, files.labels, options, warnings);
  const splitFile = chooseSplitFile(dir, files.splits, warnings);
  const samples = await readLabelledSamples(labelSource, options.labelColumn, rules.idMatch, warnings);

  const omicsPaths = selectOmicsFiles(dir, files.omics, options.omics);
  const tables = await Promise.all(
    omicsPaths.map(async (path) => {
      const text = await readTextFile(path);
      const raw = parseRawTable(text, chooseDelimiter(path, text), basename(path));
      return omicsTableFromRaw(raw, path, {
        orientation: orientationFor(options.orientation, tableBaseName(path)),
        sampleIds: samples.ids,
        idMatch: rules.idMatch,
      });
    }),
  );
  checkLabelHeaders(samples, tables, rules.idMatch);
  const aligned = tables.map((table) => {
    warnings.push(...table.warnings);
    const result = alignOmics(table, samples.keys, samples.ids, rules);
    warnings.push(...result.warnings);
    return result;
  });

  const keep = selectSamples(samples, tables, aligned, options.missingOmics ?? 'drop', warnings);
  const cohort = buildCohort(dir, samples, tables, aligned, keep, warnings);
  cohort.labelFiles = [labelSource.train, ...(labelSource.test ? [labelSource.test] : [])];
  if (samples.parts) {
    cohort.split = keep.map((i) => samples.parts![i]);
    if (splitFile) {
      warnings.push({
        code: 'SPLIT_FILE_NOT_USED',
        message:
          `the outer split comes from ${basename(labelSource.train)} and ${basename(labelSource.test!)}; ` +
          `${basename(splitFile)} was not read`,
        ids: [basename(splitFile)],
      });
    }
  } else if (splitFile) {
    cohort.split = assignSplitParts(splitFile, cohort.sampleIds, rules.idMatch, warnings);
    cohort.splitFile = splitFile;
  }
  if (cohort.split) reportEmptySplitPart(cohort.split, warnings);
  return cohort;
}

function checkLoadOptions(options: LoadOptions): void {
  const oneOf = (name: string, value: unknown, allowed: readonly string[]): void => {
    requireInput(
      value === undefined || allowed.includes(value as string),
      `@bml/data: ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
      'BAD_OPTION',
    );
  };
  oneOf('idMatch', options.idMatch, ['exact', 'sample', 'patient']);
  oneOf('missingOmics', options.missingOmics, ['drop', 'keep']);
  oneOf('duplicateSamples', options.duplicateSamples, ['error', 'mean']);
  if (typeof options.orientation === 'object' && options.orientation !== null) {
    for (const [name, value] of Object.entries(options.orientation)) {
      oneOf(`orientation.${name}`, value, ['auto', 'rows', 'columns']);
    }
  } else {
    oneOf('orientation', options.orientation, ['auto', 'rows', 'columns']);
  }
  if (options.sampleTypes !== undefined) {
    const bad = options.sampleTypes.filter((code) => !/^\d\d$/.test(code));
    requireInput(
      bad.length === 0,
      '@bml/data: sampleTypes must be two-digit TCGA sample-type codes such as "01" or "06", ' +
        `got ${bad.join(', ')}`,
      'BAD_OPTION',
    );
  }
}

function orientationFor(option: LoadOptions['orientation'], name: string): Orientation | 'auto' {
  if (option === undefined) return 'auto';
  if (typeof option === 'string') return option;
  return option[name] ?? 'auto';
}

async function readLabelledSamples(
  source: LabelSource,
  labelColumn: string | undefined,
  idMatch: IdMatch,
  warnings: BmlWarning[],
): Promise<LabelledSamples> {
  const parts: { path: string; part: 'train' | 'test' }[] = [{ path: source.train, part: 'train' }];
  if (source.test) parts.push({ path: source.test, part: 'test' });
  const ids: string[] = [];
  const labels: string[] = [];
  const splitParts: ('train' | 'test')[] = [];
  const keys = new Map<string, number>();
  const where: string[] = [];
  const unlabelled: string[] = [];
  const headerIds: LabelledSamples['headerIds'] = [];
  for (const { path, part } of parts) {
    const { header, entries } = await readLabelFile(path, labelColumn);
    headerIds.push({ file: basename(path), id: header[0], row: header.join(',') });
    for (const entry of entries) {
      if (entry.label === undefined) {
        unlabelled.push(entry.id);
        continue;
      }

      const { key } = idKey(entry.id, idMatch);
      const previous = keys.get(key);
      const location = `${entry.file} line ${entry.line}`;
      if (previous !== undefined) {
        const duplicate =
          ids[previous] === entry.id
            ? `sample ${entry.id} is labelled twice`
            : `samples ${ids[previous]} and ${entry.id} match the same id with idMatch '${idMatch}' ` +
              'and are both labelled';
        throw new InvalidInputError(
          `@bml/data: ${duplicate}, on ${where[previous]} and ${location}; keep one label per sample`,
          'DUPLICATE_LABEL',
          { id: entry.id },
        );
      }
      keys.set(key, ids.length);
      ids.push(entry.id);
      labels.push(entry.label);
      splitParts.push(part);
      where.push(location);
    }
  }

  if (unlabelled.length > 0) {
    warnings.push({
      code: 'UNLABELLED_SAMPLES',
      message:
        `${unlabelled.length} sample${unlabelled.length === 1 ? ' has' : 's have'} an empty label ` +
        `(${summarizeIds(unlabelled, 5)}) and ${unlabelled.length === 1 ? 'was' : 'were'} left out`,
      ids: unlabelled,
    });
  }
  if (ids.length === 0) {
    throw new InvalidInputError(
      `@bml/data: ${parts.map((p) => basename(p.path)).join(' and ')} ${agree(parts.length, 'has', 'have')} ` +
        'no labelled sample; write one "id,label" row per sample under the header row',
      'NO_LABELLED_SAMPLES',
    );
  }
  return { headerIds, ids, labels, keys, ...(source.test ? { parts: splitParts } : {}) };
}

/** Rejects a labels file whose header row looks like a sample: its first cell is an omics sample id. */
function checkLabelHeaders(samples: LabelledSamples, tables: OmicsTable[], idMatch: IdMatch): void {
  for (const { file, id, row } of samples.headerIds) {
    const key = idKey(id, idMatch).key;
    const table = tables.find((t) => t.sampleIds.some((sampleId) => idKey(sampleId, idMatch).key === key));
    if (table) {
      throw new InvalidInputError(
        `@bml/data: ${file} seems to have no header row: its first row (${row}) names sample ${id}, ` +
          `which is in ${basename(table.file)}; add a header row such as "sample,label"`,
        'LABELS_WITHOUT_HEADER',
        { file, id },
      );
    }
  }
}

function selectOmicsFiles(dir: string, paths: string[], requested: string[] | undefined): string[] {
  const names = paths.map((path) => tableBaseName(path));
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) {
    const clash = paths
      .filter((path) => repeated.includes(tableBaseName(path)))
      .map((path) => basename(path));
    throw new InvalidInputError(
      `@bml/data: cohort folder ${dir} has several files for omics ${[...new Set(repeated)].join(', ')} ` +
        `(${clash.join(', ')}); keep one file per omics`,
      'DUPLICATE_OMICS',
      { dir, files: clash },
    );
  }
  if (paths.length === 0) {
    throw new InvalidInputError(
      `@bml/data: cohort folder ${dir} has no omics file; add one .csv, .tsv, .csv.gz or .tsv.gz file ` +
        'per omics (names starting with labels, split or README are not omics)',
      'NO_OMICS',
      { dir },
    );
  }
  if (requested === undefined) return paths;
  const unknown = requested.filter((name) => !names.includes(name));
  requireInput(
    unknown.length === 0 && requested.length > 0,
    `@bml/data: omics ${unknown.join(', ') || '(empty list)'} ${agree(unknown.length, 'is', 'are')} ` +
      `not in ${dir}; choose among ${names.join(', ')}`,
    'UNKNOWN_OMICS',
  );
  return paths.filter((path) => requested.includes(tableBaseName(path)));
}

function selectSamples(
  samples: LabelledSamples,
  tables: OmicsTable[],
  aligned: AlignedOmics[],
  missingOmics: 'drop' | 'keep',
  warnings: BmlWarning[],
): number[] {
  const n = samples.ids.length;
  tables.forEach((table, m) => {
    const { present, inFile } = aligned[m];
    const absent: string[] = [];
    const empty: string[] = [];
    for (let i = 0; i < n; i++) {
      if (!inFile[i]) absent.push(samples.ids[i]);
      else if (!present[i]) empty.push(samples.ids[i]);
    }
    if (absent.length + empty.length === 0) return;
    if (absent.length + empty.length === n) {
      throw new InvalidInputError(
        `@bml/data: ${basename(table.file)} has data for none of the ${n} labelled samples` +
          `${hintForIds(table.sampleIds, samples.ids)}`,
        'NO_MATCHING_IDS',
        { file: table.file },
      );
    }
    const parts: string[] = [];
    if (absent.length > 0) {
      parts.push(
        `${plural(absent.length, 'labelled sample')} ${agree(absent.length, 'is', 'are')} not in ` +
          `${basename(table.file)} (${summarizeIds(absent, 8)})`,
      );
    }
    if (empty.length > 0) {
      parts.push(
        `${plural(empty.length, 'labelled sample')} ${agree(empty.length, 'has', 'have')} an entirely ` +
          `missing row (${summarizeIds(empty, 8)})`,
      );
    }
    const lacking = absent.length + empty.length;
    const action =
      missingOmics === 'drop'
        ? `missingOmics is 'drop', so ${agree(lacking, 'it was', 'they were')} left out of the cohort`
        : `${agree(lacking, 'it stays', 'they stay')} in the cohort with ${table.name} marked absent`;
    warnings.push({
      code: 'OMICS_MISSING_SAMPLES',
      message: `${table.name}: ${parts.join(' and ')}; ${action}`,
      ids: [...absent, ...empty],
    });
  });
  const keep: number[] = [];
  const left: string[] = [];
  for (let i = 0; i < n; i++) {
    const count = aligned.reduce((sum, a) => sum + a.present[i], 0);
    const included = missingOmics === 'drop' ? count === aligned.length : count > 0;
    if (included) keep.push(i);
    else left.push(samples.ids[i]);
  }
  if (keep.length === 0) {
    const counts = tables
      .map((t, m) => `${t.name} ${aligned[m].present.reduce((s, x) => s + x, 0)}`)
      .join(', ');
    throw new InvalidInputError(
      `@bml/data: no labelled sample has every omics (labelled samples with data: ${counts}); ` +
        "set missingOmics: 'keep', or load fewer omics with the omics option",
      'NO_COMPLETE_SAMPLES',
    );
  }
  if (left.length > 0) {
    warnings.push({
      code: 'SAMPLES_LEFT_OUT',
      message:
        `${keep.length} of ${n} labelled samples were kept; ${left.length} ` +
        (missingOmics === 'drop' ? 'lacking at least one omics' : 'without any omics') +
        ` ${agree(left.length, 'was', 'were')} left out (${summarizeIds(left, 8)})`,
      ids: left,
    });
  }
  return keep;
}

function hintForIds(fileIds: string[], labelIds: string[]): string {
  const example =
    `(file ids such as ${summarizeIds(fileIds, 2)}; label ids such as ${summarizeIds(labelIds, 2)})`;
  if (fileIds.some(looksLikeTcgaBarcode) || labelIds.some(looksLikeTcgaBarcode)) {
    return ` ${example}; for TCGA barcodes of different lengths set idMatch to 'sample' or 'patient' (bml run: --id-match)`;
  }
  return ` ${example}; check that the file belongs to this cohort`;
}

function buildCohort(
  dir: string,
  samples: LabelledSamples,
  tables: OmicsTable[],
  aligned: AlignedOmics[],
  keep: number[],
  warnings: BmlWarning[],
): Cohort {
  const sampleIds = keep.map((i) => samples.ids[i]);
  const labelNames = keep.map((i) => samples.labels[i]);
  const classNames = [...new Set(labelNames)].sort(compareStrings);
  const lostClasses = [...new Set(samples.labels)]
    .filter((name) => !classNames.includes(name))
    .sort(compareStrings);
  if (lostClasses.length > 0) {
    const count = lostClasses.length;
    warnings.push({
      code: 'CLASS_WITHOUT_SAMPLES',
      message:
        `${agree(count, 'class', 'classes')} ${lostClasses.join(', ')} lost all ` +
        `${agree(count, 'its', 'their')} samples to missing omics and ${agree(count, 'is', 'are')} not part ` +
        'of the cohort',
      ids: lostClasses,
    });
  }
  const codeOf = new Map(classNames.map((name, c) => [name, c]));
  const labels = Int32Array.from(labelNames, (name) => codeOf.get(name)!);
  const omics: OmicsData[] = tables.map((table, m) => {
    const values = selectRows(aligned[m].values, keep);
    const present = Uint8Array.from(keep, (i) => aligned[m].present[i]);
    const missingCells = countMissingCells(table, values, present, sampleIds, warnings);
    warnings.push(...checkRows(table.name, values, present, sampleIds));
    return {
      name: table.name,
      file: table.file,
      featureNames: table.featureNames,
      values,
      present,
      orientation: table.orientation,
      missingCells,
    };
  });
  return { name: basename(resolve(dir)), sampleIds, classNames, labels, omics, warnings };
}

function countMissingCells(
  table: OmicsTable,
  values: OmicsData['values'],
  present: Uint8Array,
  sampleIds: string[],
  warnings: BmlWarning[],
): number {
  const { rows, cols, data } = values;
  let count = 0;
  const where: string[] = [];
  for (let i = 0; i < rows; i++) {
    if (!present[i]) continue;
    for (let j = 0; j < cols; j++) {
      if (Number.isNaN(data[i * cols + j])) {
        count++;
        if (where.length < 10) where.push(`${sampleIds[i]}/${table.featureNames[j]}`);
      }
    }
  }
  if (count > 0) {
    warnings.push({
      code: 'MISSING_CELLS',
      message:
        `${table.name}: ${plural(count, 'missing cell')} in samples that have this omics ` +
        `(${count > where.length ? 'first: ' : ''}${where.join(', ')}); preprocessing drops features ` +
        'with too many missing training values and fills the rest with the training median',
      ids: where,
    });
  }
  return count;
}

function reportEmptySplitPart(split: ('train' | 'test')[], warnings: BmlWarning[]): void {
  for (const part of ['train', 'test'] as const) {
    if (split.includes(part)) continue;
    warnings.push({
      code: 'SPLIT_PART_EMPTY',
      message:
        `no sample of the cohort is in the ${part} part of the outer split (samples may have been left ` +
        "out for missing omics); draw splits at random instead, or set missingOmics: 'keep'",
    });
  }
}
