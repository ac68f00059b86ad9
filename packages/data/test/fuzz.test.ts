/**
 * Property test of the cohort readers on malformed cohort folders: loading
 * either succeeds with a consistent cohort whose values are finite (NaN only
 * for missing cells and absent omics), or raises an InvalidInputError. Any
 * other exception, or an infinite value reaching the cohort or the
 * preprocessing output, fails the test. Loaded cohorts also go through
 * preprocessing and the split functions, which must succeed or raise
 * InvalidInputError in the same way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvalidInputError, firstNonFinite } from '@bml/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyPreprocessor,
  fitPreprocessor,
  loadCohort,
  stratifiedKFold,
  stratifiedSplits,
  validationSplit,
  type Cohort,
  type LoadOptions,
  type OuterSplit,
} from '../src/index.js';

/** Number of generated cohort folders. */
const RUNS = 400;
/** Fixed seed, so that a failure reproduces. fast-check prints the shrunk counterexample. */
const SEED = 20_240_611;

const root = mkdtempSync(join(tmpdir(), 'bml-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SAMPLE_IDS = [
  's01',
  's02',
  's03',
  's04',
  's05',
  's06',
  ' s07 ',
  'TCGA-Z1-A001-01A',
  'TCGA-Z1-A001-11A',
  'TCGA-Z1-A001-01A-11R-A00Z-07',
  'TCGA.Z1.A002.01',
  'TCGA-Z1-A002',
  'TCGA-Z1-A003-06A',
  '"s08"',
  'NA',
  'é9',
];
const FEATURES = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'TP53', 'RCAN1', ' g7 ', '"g,8"'];
const NUMBER_CELLS = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => String(x)) },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 3 }).map((x) => ` ${x}.0 `) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('1e308', '-1e308', '1.7976931348623157e308', '-1.7976931348623157e308', '5e-324', '-0'),
  },
  { weight: 2, arbitrary: fc.constantFrom('', 'NA', 'NaN', 'null', '#N/A', ' NA ', '"NA"', '""') },
);
const BAD_CELLS = fc.oneof(
  fc.constantFrom('inf', '-inf', 'Infinity', '1e309', '-1e309', '1,5', '"1,5"', 'abc', '0x10', '1e', '--1', 'nan', '"'),
  fc.string({ maxLength: 4 }),
);

/** A fault written into one omics file (most files get none). */
type OmicsFault =
  | 'none'
  | 'headerOnly'
  | 'empty'
  | 'raggedShort'
  | 'raggedLong'
  | 'truncated'
  | 'gzipPlain'
  | 'gzipTruncated'
  | 'duplicateFeature'
  | 'emptyFeatureName'
  | 'duplicateSample'
  | 'unlabelledSample'
  | 'badCells';

const OMICS_FAULTS: OmicsFault[] = [
  'headerOnly',
  'empty',
  'raggedShort',
  'raggedLong',
  'truncated',
  'gzipPlain',
  'gzipTruncated',
  'duplicateFeature',
  'emptyFeatureName',
  'duplicateSample',
  'unlabelledSample',
  'badCells',
];

/** How one omics file is written. */
interface OmicsSpec {
  name: string;
  extension: '.csv' | '.tsv' | '.csv.gz' | '.tsv.gz';
  /** Writes the delimiter of the other extension, which the reader must detect from the first line. */
  wrongDelimiter: boolean;
  orientation: 'rows' | 'columns';
  features: string[];
  /** Per labelled sample: whether the file has it. */
  keepSample: boolean[];
  /** Cell texts, indexed [sample % 10][feature % 6]. */
  cells: string[][];
  /** Index of a feature made constant (5), or -1. */
  constantFeature: number;
  fault: OmicsFault;
  /** Where the fault strikes: a row, a cut point or a cell, depending on the fault. */
  faultAt: number;
  badCell: string;
}

const omicsArbitrary: fc.Arbitrary<OmicsSpec> = fc.record({
  name: fc.constantFrom('mrna', 'cnv', 'rppa', 'mirna'),
  extension: fc.constantFrom('.csv' as const, '.tsv' as const, '.csv.gz' as const, '.tsv.gz' as const),
  wrongDelimiter: fc.constantFrom(false, false, false, true),
  orientation: fc.constantFrom('rows' as const, 'columns' as const),
  features: fc.uniqueArray(fc.constantFrom(...FEATURES), { minLength: 1, maxLength: 6 }),
  keepSample: fc.array(fc.constantFrom(true, true, true, true, false), { minLength: 10, maxLength: 10 }),
  cells: fc.array(fc.array(NUMBER_CELLS, { minLength: 6, maxLength: 6 }), { minLength: 10, maxLength: 10 }),
  constantFeature: fc.integer({ min: -1, max: 5 }),
  fault: fc.oneof(
    { weight: 24, arbitrary: fc.constant('none' as const) },
    { weight: 12, arbitrary: fc.constantFrom(...OMICS_FAULTS) },
  ),
  faultAt: fc.nat({ max: 1000 }),
  badCell: BAD_CELLS,
});

/** A fault written into the labels file. */
type LabelFault = 'none' | 'noHeader' | 'duplicateLabel' | 'singleColumn' | 'allUnlabelled' | 'empty' | 'oneClass';

/** A whole cohort folder. */
interface CohortSpec {
  labelSamples: string[];
  labels: string[];
  labelFault: LabelFault;
  omics: OmicsSpec[];
  split: { parts: string[]; dropOne: boolean } | null;
  crlf: boolean;
  bom: boolean;
  blankLines: boolean;
  options: LoadOptions;
}

const cohortArbitrary: fc.Arbitrary<CohortSpec> = fc.record({
  labelSamples: fc.uniqueArray(fc.constantFrom(...SAMPLE_IDS), { minLength: 1, maxLength: 10 }),
  labels: fc.array(fc.constantFrom('A', 'B', 'A', 'B', 'A', 'B', 'C', '7', ' A ', '', 'NA'), { minLength: 10, maxLength: 10 }),
  labelFault: fc.oneof(
    { weight: 12, arbitrary: fc.constant('none' as const) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'noHeader' as const,
        'duplicateLabel' as const,
        'singleColumn' as const,
        'allUnlabelled' as const,
        'empty' as const,
        'oneClass' as const,
      ),
    },
  ),
  omics: fc.oneof(
    { weight: 12, arbitrary: fc.uniqueArray(omicsArbitrary, { minLength: 1, maxLength: 3, selector: (o) => o.name }) },
    { weight: 1, arbitrary: fc.constant<OmicsSpec[]>([]) },
  ),
  split: fc.option(
    fc.record({
      parts: fc.array(fc.oneof({ weight: 30, arbitrary: fc.constantFrom('train', 'test', 'TEST') }, { weight: 1, arbitrary: fc.constant('valid') }), { minLength: 10, maxLength: 10 }),
      dropOne: fc.constantFrom(false, false, false, true),
    }),
    { freq: 3 },
  ),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blankLines: fc.boolean(),
  options: fc.record(
    {
      idMatch: fc.constantFrom('exact' as const, 'exact' as const, 'exact' as const, 'sample' as const, 'patient' as const),
      missingOmics: fc.constantFrom('drop' as const, 'keep' as const),
      duplicateSamples: fc.constantFrom('error' as const, 'mean' as const),
      orientation: fc.constantFrom('auto' as const, 'auto' as const, 'auto' as const, 'rows' as const, 'columns' as const),
    },
    { requiredKeys: [] },
  ),
});

function omicsText(spec: OmicsSpec, labelSamples: string[]): string {
  if (spec.fault === 'empty') return '';
  const delimiter = spec.extension.startsWith('.tsv') !== spec.wrongDelimiter ? '\t' : ',';
  const samples = labelSamples.filter((_, i) => spec.keepSample[i]);
  if (spec.fault === 'duplicateSample' && samples.length > 0) samples.push(samples[spec.faultAt % samples.length]);
  if (spec.fault === 'unlabelledSample') samples.splice(spec.faultAt % (samples.length + 1), 0, 'zz-unlabelled');
  const features = [...spec.features];
  if (spec.fault === 'duplicateFeature') features.push(features[spec.faultAt % features.length]);
  if (spec.fault === 'emptyFeatureName') features[spec.faultAt % features.length] = '';

  const badAt = spec.faultAt % Math.max(1, samples.length * features.length);
  const cell = (s: number, f: number): string => {
    if (spec.fault === 'badCells' && s * features.length + f === badAt) return spec.badCell;
    if (f === spec.constantFeature) return '5';
    return spec.cells[s % 10][f % 6];
  };
  const lines: string[] = [];
  if (spec.orientation === 'rows') {
    lines.push(['sample_id', ...features].join(delimiter));
    samples.forEach((id, s) => lines.push([id, ...features.map((_, f) => cell(s, f))].join(delimiter)));
  } else {
    lines.push(['sample', ...samples].join(delimiter));
    features.forEach((name, f) => lines.push([name, ...samples.map((_, s) => cell(s, f))].join(delimiter)));
  }
  if (spec.fault === 'headerOnly') lines.length = 1;
  if ((spec.fault === 'raggedShort' || spec.fault === 'raggedLong') && lines.length > 1) {
    const r = 1 + (spec.faultAt % (lines.length - 1));
    lines[r] =
      spec.fault === 'raggedLong' ? `${lines[r]}${delimiter}1` : lines[r].slice(0, lines[r].lastIndexOf(delimiter));
  }
  const text = lines.join('\n');
  return spec.fault === 'truncated' ? text.slice(0, spec.faultAt % (text.length + 1)) : text;
}

function labelsText(spec: CohortSpec): string {
  if (spec.labelFault === 'empty') return '';
  const rows = spec.labelSamples.map((id, i) => {
    if (spec.labelFault === 'allUnlabelled') return `${id},`;
    if (spec.labelFault === 'oneClass') return `${id},A`;
    if (spec.labelFault === 'singleColumn') return id;
    return `${id},${spec.labels[i]}`;
  });
  if (spec.labelFault === 'duplicateLabel') rows.push(`${spec.labelSamples[0]},B`);
  const header = spec.labelFault === 'singleColumn' ? 'sample_id' : 'sample_id,label';
  return [...(spec.labelFault === 'noHeader' ? [] : [header]), ...rows].join('\n');
}

function finishText(text: string, spec: CohortSpec): string {
  let out = spec.blankLines ? text.replace(/\n/, '\n\n') : text;
  if (spec.crlf) out = out.replace(/\n/g, '\r\n');
  return spec.bom ? `\uFEFF${out}` : out;
}

function writeCohortFolder(dir: string, spec: CohortSpec): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'labels.csv'), finishText(labelsText(spec), spec));
  if (spec.split) {
    const ids = spec.split.dropOne ? spec.labelSamples.slice(1) : spec.labelSamples;
    const lines = ['id,split', ...ids.map((id, i) => `${id},${spec.split!.parts[i]}`)];
    writeFileSync(join(dir, 'split.csv'), finishText(lines.join('\n'), spec));
  }
  for (const omics of spec.omics) {
    const text = finishText(omicsText(omics, spec.labelSamples), spec);
    const path = join(dir, `${omics.name}${omics.extension}`);
    if (!omics.extension.endsWith('.gz') || omics.fault === 'gzipPlain') {
      writeFileSync(path, text);
    } else {
      const zipped = gzipSync(text);
      const cut = Math.max(2, zipped.length >> 1);
      writeFileSync(path, omics.fault === 'gzipTruncated' ? zipped.subarray(0, cut) : zipped);
    }
  }
}

/** Asserts the cohort invariants: shapes, unique ids and names, finite values, NaN only where missing. */
function checkCohort(cohort: Cohort, options: LoadOptions): void {
  const n = cohort.sampleIds.length;
  expect(n).toBeGreaterThan(0);
  expect(new Set(cohort.sampleIds).size).toBe(n);
  expect(cohort.labels).toHaveLength(n);
  for (const code of cohort.labels) {
    expect(code).toBeGreaterThanOrEqual(0);
    expect(code).toBeLessThan(cohort.classNames.length);
  }
  if (cohort.split) expect(cohort.split).toHaveLength(n);
  for (const omics of cohort.omics) {
    const { rows, cols, data } = omics.values;
    expect(rows).toBe(n);
    expect(cols).toBe(omics.featureNames.length);
    expect(new Set(omics.featureNames).size).toBe(cols);
    let missingInPresentRows = 0;
    for (let i = 0; i < rows; i++) {
      let rowHasValue = false;
      for (let j = 0; j < cols; j++) {
        const x = data[i * cols + j];
        if (Number.isNaN(x)) {
          if (omics.present[i]) missingInPresentRows++;
        } else {
          expect(Number.isFinite(x)).toBe(true);
          rowHasValue = true;
        }
      }
      expect(omics.present[i]).toBe(rowHasValue ? 1 : 0);
      if ((options.missingOmics ?? 'drop') === 'drop') expect(omics.present[i]).toBe(1);
    }
    expect(omics.missingCells).toBe(missingInPresentRows);
  }
}

/** Fits and applies the preprocessing on every sample that has the omics; the output must be finite. */
function checkPreprocessing(cohort: Cohort): void {
  for (const omics of cohort.omics) {
    const rows = cohort.sampleIds.map((_, i) => i).filter((i) => omics.present[i]);
    try {
      const p = fitPreprocessor(omics.values, rows, omics.featureNames, { name: omics.name });
      expect(firstNonFinite(applyPreprocessor(p, omics.values))).toBe(-1);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
    }
  }
}

/**
 * Draws a random split, 3 folds and a validation part; tiny classes must give
 * disjoint parts covering every sample, or an InvalidInputError.
 */
function checkSplits(cohort: Cohort): void {
  const n = cohort.sampleIds.length;
  const attempts = [
    () => stratifiedSplits(cohort.labels, { repeats: 1, seed: 0 }),
    () => stratifiedKFold(cohort.labels, { folds: 3, seed: 0 }),
  ];
  for (const attempt of attempts) {
    let splits: OuterSplit[];
    try {
      splits = attempt();
    } catch (error) {
      if (error instanceof InvalidInputError) continue;
      throw error;
    }
    for (const split of splits) {
      expect([...split.train, ...split.test].sort((a, b) => a - b)).toEqual(cohort.sampleIds.map((_, i) => i));
      try {
        const inner = validationSplit(cohort.labels, split.train, { seed: 0 });
        expect(inner.fit.length + inner.validation.length).toBe(split.train.length);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
      }
    }
  }
}

let counter = 0;

describe('loadCohort on malformed cohorts', () => {
  it(`loads or raises InvalidInputError on ${RUNS} generated folders`, async () => {
    const outcomes = { loaded: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(cohortArbitrary, async (spec) => {
        const dir = join(root, `case-${counter++}`, 'cohort');
        writeCohortFolder(dir, spec);
        try {
          let cohort: Cohort;
          try {
            cohort = await loadCohort(dir, spec.options);
          } catch (error) {
            if (error instanceof InvalidInputError) {
              // Every message names the package that raised it.
              expect(error.message).toMatch(/^@bml\/data: \S/);
              outcomes.rejected++;
              return;
            }
            throw error;
          }
          outcomes.loaded++;
          checkCohort(cohort, spec.options);
          checkPreprocessing(cohort);
          checkSplits(cohort);
        } finally {
          rmSync(join(dir, '..'), { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Both outcomes must occur, or the generator has drifted into testing only one path.
    expect(outcomes.loaded).toBeGreaterThan(20);
    expect(outcomes.rejected).toBeGreaterThan(20);
  });
});
