import { join } from 'node:path';
import { firstNonFinite } from '@bml/core';
import { sharedPath } from '@bml/test-utils';
import { describe, expect, it } from 'vitest';
import { applyPreprocessor, fitPreprocessor, loadCohort, readSplitFile } from '../src/index.js';

const dataDir = sharedPath('data');

function countOf<T>(values: readonly T[], value: T): number {
  return values.filter((v) => v === value).length;
}

describe.skipIf(!dataDir)('real cohorts', () => {
  it('brca_pam50_cnv_rppa: 509 samples, CNV 515 and RPPA 164 features, split 441/68', async () => {
    const cohort = await loadCohort(join(dataDir!, 'brca_pam50_cnv_rppa'));
    expect(cohort.sampleIds).toHaveLength(509);
    expect(cohort.classNames).toEqual(['Basal-like', 'HER2-enriched', 'Luminal A', 'Luminal B']);
    const counts = cohort.classNames.map((_, c) => Array.from(cohort.labels).filter((l) => l === c).length);
    expect(counts).toEqual([111, 53, 247, 98]);
    expect(cohort.omics.map((o) => [o.name, o.values.rows, o.values.cols])).toEqual([
      ['cnv', 509, 515],
      ['rppa', 509, 164],
    ]);
    expect(countOf(cohort.split!, 'train')).toBe(441);
    expect(countOf(cohort.split!, 'test')).toBe(68);
    expect(cohort.warnings).toEqual([]);
    for (const omics of cohort.omics) expect(firstNonFinite(omics.values)).toBe(-1);
  });

  it('brca_pam50_cnv_rppa: reads the fixed splits as 70/30 outer splits', async () => {
    const dir = join(dataDir!, 'brca_pam50_cnv_rppa');
    const cohort = await loadCohort(dir);
    const split = readSplitFile(join(dir, 'splits', 'seed3.csv'), cohort, { repeat: 3 });
    expect(split.repeat).toBe(3);
    expect(split.source).toBe('file');
    expect(split.train.length + split.test.length).toBe(509);
    expect(split.test.length / 509).toBeCloseTo(0.3, 1);
    expect(split.warnings).toEqual([]);
  });

  it('digits-mfeat: 600 samples in 4 views', async () => {
    const cohort = await loadCohort(join(dataDir!, 'digits-mfeat'));
    expect(cohort.sampleIds).toHaveLength(600);
    expect(cohort.classNames).toEqual(['digit0', 'digit1', 'digit2']);
    expect(cohort.omics.map((o) => [o.name, o.values.cols])).toEqual([
      ['fourier', 76],
      ['pixel', 240],
      ['profile', 216],
      ['zer', 47],
    ]);
  });

  it('acc_mini: leaves out unlabelled patients and those lacking an omics, with their ids', async () => {
    const dir = join(dataDir!, 'acc_mini');
    const cohort = await loadCohort(dir);
    const codes = cohort.warnings.map((w) => w.code);
    expect(codes).toContain('UNLABELLED_SAMPLES');
    const unlabelled = cohort.warnings.find((w) => w.code === 'UNLABELLED_SAMPLES')!;
    expect(unlabelled.ids).toHaveLength(16);
    expect(cohort.warnings.find((w) => w.code === 'LABEL_FILES_NOT_USED')!.ids).toEqual(
      ['labels_alternative.csv'],
    );
    const rppaMissing = cohort.warnings.find(
      (w) => w.code === 'OMICS_MISSING_SAMPLES' && w.message.startsWith('rppa'),
    )!;
    expect(rppaMissing.ids!.length).toBeGreaterThan(20);
    expect(cohort.omics.map((o) => o.name)).toEqual(['cnv', 'mirna', 'mrna', 'mutation', 'rppa']);
    for (const omics of cohort.omics) expect(Array.from(omics.present).every((p) => p === 1)).toBe(true);
    expect(cohort.sampleIds.length).toBeLessThan(76);

    const keptAll = await loadCohort(dir, { missingOmics: 'keep' });
    expect(keptAll.sampleIds).toHaveLength(76);
    const rppa = keptAll.omics.find((o) => o.name === 'rppa')!;
    const present = Array.from(rppa.present).reduce((s: number, p) => s + p, 0);
    expect(present).toBe(76 - rppaMissing.ids!.length);
    const all = keptAll.sampleIds.map((_, i) => i);
    const p = fitPreprocessor(rppa.values, all, rppa.featureNames, { name: 'rppa' });
    expect(p.fitRowCount).toBe(present);
    expect(firstNonFinite(applyPreprocessor(p, rppa.values))).toBe(-1);
  });

  it('brca_tcga_mrna_cnv_rppa: 139 complete samples in three omics', async () => {
    const cohort = await loadCohort(join(dataDir!, 'brca_tcga_mrna_cnv_rppa'));
    expect(cohort.sampleIds).toHaveLength(139);
    expect(cohort.omics.map((o) => [o.name, o.values.cols])).toEqual([
      ['cnv', 515],
      ['mrna', 200],
      ['rppa', 164],
    ]);
    expect(cohort.warnings).toEqual([]);
  });
});
