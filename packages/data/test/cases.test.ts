import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, firstNonFinite, getRow, selectRows, type BmlWarning } from '@bml/core';
import { sharedPath } from '@bml/test-utils';
import { describe, expect, it } from 'vitest';
import {
  applyPreprocessor,
  fitPreprocessor,
  loadCohort,
  stratifiedKFold,
  type Cohort,
  type LoadOptions,
  type OmicsData,
} from '../src/index.js';
import { makeFolder } from './fixtures.js';

const casesDir = sharedPath('cases');

function casePath(name: string): string {
  return join(casesDir!, name);
}

function omicsOf(cohort: Cohort, name: string): OmicsData {
  const found = cohort.omics.find((o) => o.name === name);
  if (!found) throw new Error(`omics ${name} not in ${cohort.omics.map((o) => o.name).join(', ')}`);
  return found;
}

function warningsOf(warnings: BmlWarning[], code: string): BmlWarning[] {
  return warnings.filter((w) => w.code === code);
}

function row(omics: OmicsData, cohort: Cohort, id: string): number[] {
  return Array.from(getRow(omics.values, cohort.sampleIds.indexOf(id)));
}

async function loadError(dir: string, options: LoadOptions = {}): Promise<InvalidInputError> {
  try {
    await loadCohort(dir, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

/** Copies a case folder into a temporary folder, changing files with `edit`. */
function copyCase(name: string, edit: (file: string, text: string) => string): string {
  const source = casePath(name);
  const files: Record<string, string> = {};
  for (const file of readdirSync(source)) {
    if (file.endsWith('.md')) continue;
    files[file] = edit(file, readFileSync(join(source, file), 'utf8'));
  }
  return makeFolder(files, name);
}

describe.skipIf(!casesDir)('shared input cases', () => {
  it('c01: reports each missing cell by omics, sample and feature, then imputes it', async () => {
    const cohort = await loadCohort(casePath('c01'));
    const missing = warningsOf(cohort.warnings, 'MISSING_CELLS');
    expect(missing.map((w) => w.message)).toEqual([
      expect.stringMatching(/^mirna: 1 missing cell .*\(s07\/mir3\)/),
      expect.stringMatching(/^mrna: 1 missing cell .*\(s03\/g2\)/),
    ]);
    const all = cohort.sampleIds.map((_, i) => i);
    for (const omics of cohort.omics) {
      const options = { name: omics.name, sampleIds: cohort.sampleIds };
      const p = fitPreprocessor(omics.values, all, omics.featureNames, options);
      const imputed = warningsOf(p.warnings, 'CELLS_IMPUTED');
      expect(imputed).toHaveLength(1);
      expect(imputed[0].ids).toEqual([omics.name === 'mrna' ? 's03/g2' : 's07/mir3']);
      expect(firstNonFinite(applyPreprocessor(p, omics.values))).toBe(-1);
    }
  });

  it('c02: drops features constant on the training samples and scales with training statistics', async () => {
    const cohort = await loadCohort(casePath('c02'));
    expect(cohort.split!.filter((s) => s === 'train')).toHaveLength(8);
    const train = cohort.split!.flatMap((s, i) => (s === 'train' ? [i] : []));
    const dropped: string[] = [];
    for (const omics of cohort.omics) {
      const p = fitPreprocessor(omics.values, train, omics.featureNames, { name: omics.name });
      for (const w of warningsOf(p.warnings, 'ZERO_VARIANCE_FEATURES')) {
        dropped.push(...w.ids!.map((id) => `${omics.name}:${id}`));
      }
      const out = applyPreprocessor(p, omics.values);
      expect(firstNonFinite(out)).toBe(-1);
      if (omics.name === 'mrna') {
        // g1 on the 8 training samples.
        const g1 = [-1.899, -2.226, -0.192, -0.517, -1.46, 0.167, 3.188, 1.55];
        const mean = g1.reduce((s, v) => s + v, 0) / 8;
        const sd = Math.sqrt(g1.reduce((s, v) => s + (v - mean) ** 2, 0) / 7);
        expect(p.means[0]).toBeCloseTo(mean, 12);
        expect(p.sds[0]).toBeCloseTo(sd, 12);
        expect(out.data[cohort.sampleIds.indexOf('s09') * out.cols]).toBeCloseTo((0.493 - mean) / sd, 12);
      }
    }
    expect(dropped.sort()).toEqual(['methyl:cg3', 'mrna:g4', 'mrna:g5']);
  });

  it('c05: infers four string classes, keeping "7" a string, whatever the folder name', async () => {
    const cohort = await loadCohort(casePath('c05/KIRC'));
    expect(cohort.name).toBe('KIRC');
    expect(cohort.classNames).toEqual(['7', 'ccA', 'ccB', 'mixed']);
    expect(cohort.labels[cohort.sampleIds.indexOf('s14')]).toBe(0);
    expect(cohort.labels[cohort.sampleIds.indexOf('s01')]).toBe(1);
  });

  it('c06: label-file split, training-only statistics', async () => {
    const dir = casePath('c06');
    const cohort = await loadCohort(dir);
    expect(cohort.split!.filter((s) => s === 'test')).toHaveLength(6);
    expect(cohort.sampleIds.slice(14)).toEqual(['s15', 's16', 's17', 's18', 's19', 's20']);
    expect(warningsOf(cohort.warnings, 'LABEL_FILES_NOT_USED')[0].ids).toEqual(['labels_test_permuted.csv']);

    const permuted = await loadCohort(dir, { labels: 'labels_train.csv', testLabels: 'labels_test_permuted.csv' });
    expect(permuted.split).toEqual(cohort.split);
    expect(permuted.sampleIds).toEqual(cohort.sampleIds);

    const changed = copyCase('c06', (file, text) =>
      file === 'mrna.csv' ? text.replace(/^s20,.*$/m, 's20,-9,9,-9,9,-9,9') : text,
    );
    const moved = await loadCohort(changed);
    const train = cohort.split!.flatMap((s, i) => (s === 'train' ? [i] : []));
    for (const source of [permuted, moved]) {
      const a = fitPreprocessor(omicsOf(cohort, 'mrna').values, train, omicsOf(cohort, 'mrna').featureNames);
      const b = fitPreprocessor(omicsOf(source, 'mrna').values, train, omicsOf(source, 'mrna').featureNames);
      expect(b).toEqual(a);
      const trainRows = applyPreprocessor(b, selectRows(omicsOf(source, 'mrna').values, train));
      expect(Array.from(trainRows.data)).toEqual(
        Array.from(applyPreprocessor(a, selectRows(omicsOf(cohort, 'mrna').values, train)).data),
      );
    }
  });

  it('c07: rejects 5-fold cross-validation for a one-sample class, naming it', async () => {
    const cohort = await loadCohort(casePath('c07'));
    expect(() => stratifiedKFold(cohort.labels, { folds: 5, seed: 0, classNames: cohort.classNames })).toThrow(
      /class C \(1 sample\) cannot be in the training and the test part of a 5-fold cross-validation/,
    );
  });

  it('c08: aligns by id and reports the ids missing from each omics', async () => {
    const cohort = await loadCohort(casePath('c08'));
    expect(cohort.sampleIds).toEqual(['s01', 's03', 's04', 's06', 's07', 's09', 's10']);
    expect(row(omicsOf(cohort, 'rppa'), cohort, 's01')).toEqual([-2.763, -2.125, -0.145, 3.028]);
    expect(row(omicsOf(cohort, 'rppa'), cohort, 's10')).toEqual([-0.823, -0.754, 2.286, -1.317]);
    const missing = warningsOf(cohort.warnings, 'OMICS_MISSING_SAMPLES');
    expect(missing.map((w) => w.ids)).toEqual([
      ['s11', 's12'],
      ['s02', 's05', 's08'],
    ]);
    expect(missing[0].message).toMatch(/^methyl: 2 labelled samples are not in methyl\.csv \(s11, s12\)/);

    const keptAll = await loadCohort(casePath('c08'), { missingOmics: 'keep' });
    expect(keptAll.sampleIds).toHaveLength(12);
    expect(Array.from(omicsOf(keptAll, 'rppa').present)).toEqual([1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
    expect(row(omicsOf(keptAll, 'rppa'), keptAll, 's02').every(Number.isNaN)).toBe(true);
  });

  it('c09: drops the all-missing feature and treats s05 as lacking miRNA', async () => {
    const cohort = await loadCohort(casePath('c09'));
    expect(cohort.sampleIds).not.toContain('s05');
    expect(warningsOf(cohort.warnings, 'OMICS_MISSING_SAMPLES')[0].message).toMatch(
      /^mirna: 1 labelled sample has an entirely missing row \(s05\)/,
    );
    const methyl = omicsOf(cohort, 'methyl');
    const all = cohort.sampleIds.map((_, i) => i);
    const p = fitPreprocessor(methyl.values, all, methyl.featureNames, { name: 'methyl' });
    expect(warningsOf(p.warnings, 'ALL_MISSING_FEATURES')[0].ids).toEqual(['cg4']);
    expect(firstNonFinite(applyPreprocessor(p, methyl.values))).toBe(-1);

    const keptAll = await loadCohort(casePath('c09'), { missingOmics: 'keep' });
    const mirna = omicsOf(keptAll, 'mirna');
    expect(mirna.present[keptAll.sampleIds.indexOf('s05')]).toBe(0);
    const allKept = keptAll.sampleIds.map((_, i) => i);
    const q = fitPreprocessor(mirna.values, allKept, mirna.featureNames, { sampleIds: keptAll.sampleIds });
    expect(warningsOf(q.warnings, 'FITTING_ROWS_WITHOUT_DATA')[0].ids).toEqual(['s05']);
  });

  it('c10: reports duplicated and colliding sample ids with their file', async () => {
    const dir = casePath('c10');
    expect((await loadError(dir)).message).toMatch(/ids in its first column would match; set idMatch to 'patient'/);
    const rppa = await loadError(dir, { idMatch: 'patient', omics: ['rppa'] });
    expect(rppa.message).toMatch(
      /rppa\.csv has several rows for the same sample: TCGA-Z1-A003 as TCGA-Z1-A003-01A on lines 4 and 5/,
    );
    const mrna = await loadError(dir, { idMatch: 'patient', omics: ['mrna'] });
    expect(mrna.message).toMatch(
      new RegExp(
        'mrna\\.csv has several rows for the same sample: TCGA-Z1-A003 as ' +
          'TCGA-Z1-A003-01A-11R-A00Z-07 and TCGA-Z1-A003-01A-21R-A01Y-07 on lines 4 and 5',
      ),
    );

    const averaged = await loadCohort(dir, { idMatch: 'patient', duplicateSamples: 'mean' });
    expect(averaged.sampleIds).toHaveLength(5);
    const merged = warningsOf(averaged.warnings, 'DUPLICATE_SAMPLES_MERGED');
    expect(merged.map((w) => w.message)).toEqual([
      expect.stringMatching(/^mrna: mrna\.csv has several rows for 1 sample/),
      expect.stringMatching(/^rppa: rppa\.csv has several rows for 1 sample/),
    ]);
    const a003 = row(omicsOf(averaged, 'rppa'), averaged, 'TCGA-Z1-A003');
    expect(a003[0]).toBeCloseTo((0.122 - 0.398) / 2, 12);
  });

  it('c11: gives patient labels to primary tumours only and reports the others', async () => {
    const cohort = await loadCohort(casePath('c11'), { idMatch: 'patient' });
    expect(cohort.sampleIds).toHaveLength(5);
    expect(row(cohort.omics[0], cohort, 'TCGA-Z1-A001')).toEqual([-1.885, -1.144, 0.489, -1.319, -0.191]);
    const excluded = warningsOf(cohort.warnings, 'SAMPLE_TYPE_EXCLUDED')[0];
    expect(excluded.ids).toEqual(['TCGA-Z1-A001-11A', 'TCGA-Z1-A002-06A', 'TCGA-Z1-A004-11A']);
    expect(excluded.message).toMatch(/type 06, metastatic/);
  });

  it('c12: reads the gzipped genes-by-samples TSV into 8 samples by 5 genes', async () => {
    const cohort = await loadCohort(casePath('c12'));
    const omics = cohort.omics[0];
    expect(omics.orientation).toBe('columns');
    expect(omics.values.rows).toBe(8);
    expect(omics.featureNames).toEqual(['TP53', 'ESR1', 'RCAN1', 'ERBB2', 'MKI67']);
    expect(row(omics, cohort, 'TCGA-Z1-A001-01')[2]).toBeCloseTo((5.562 + 9.791) / 2, 12);
    expect(row(omics, cohort, 'TCGA-Z1-A003-01')[1]).toBeNaN();
    expect(row(omics, cohort, 'TCGA-Z1-A006-01')[3]).toBeNaN();
    expect(omics.missingCells).toBe(2);
    expect(warningsOf(cohort.warnings, 'DUPLICATE_FEATURES_MERGED')[0].ids).toEqual(['RCAN1']);
  });

  it('c13: rejects "inf" and "1,5" naming file, line, sample and column; reads the missing tokens', async () => {
    const error = await loadError(casePath('c13'));
    expect(error.message).toMatch(/mrna\.csv line 7 \(sample s06\), column g2: "inf" is not a number/);
    expect(error.message).toMatch(/s07\/g3 "1,5"/);

    const fixed = copyCase('c13', (file, text) => text.replace('inf', '1.25').replace('"1,5"', '1.5'));
    const cohort = await loadCohort(fixed);
    const omics = cohort.omics[0];
    expect(omics.missingCells).toBe(5);
    expect(warningsOf(cohort.warnings, 'MISSING_CELLS')[0].ids).toEqual(
      ['s01/g2', 's02/g3', 's03/g1', 's04/g4', 's05/g5'],
    );
    expect(row(omics, cohort, 's08')[0]).toBe(2);
  });

  it('c14: reports the identical mrna rows and the all-zero cnv row', async () => {
    const cohort = await loadCohort(casePath('c14'));
    const identical = warningsOf(cohort.warnings, 'IDENTICAL_ROWS');
    expect(identical).toHaveLength(1);
    expect(identical[0].ids).toEqual(['s01', 's02', 's03', 's04']);
    expect(identical[0].message).toMatch(/^mrna: 1 group of samples with identical rows \(s01 = s02 = s03 = s04\)/);
    const zeros = warningsOf(cohort.warnings, 'ZERO_ROWS');
    expect(zeros).toHaveLength(1);
    expect(zeros[0].ids).toEqual(['s05']);
    expect(zeros[0].message).toMatch(/^cnv: 1 sample with every value 0 \(s05\)/);
  });
});
