import { InvalidInputError, getRow } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { loadCohort, type Cohort } from '../src/index.js';
import { makeFolder } from './fixtures.js';

const LABELS = 'sample,label\ns1,A\ns2,B\ns3,A\ns4,B\n';
const MRNA = 'sample,g1,g2\ns1,1,10\ns2,2,20\ns3,3,30\ns4,4,40\n';

async function loadError(files: Record<string, string>, options = {}): Promise<InvalidInputError> {
  try {
    await loadCohort(makeFolder(files), options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

function warning(cohort: Cohort, code: string) {
  const found = cohort.warnings.filter((w) => w.code === code);
  expect(found, `warning ${code} in ${JSON.stringify(cohort.warnings)}`).toHaveLength(1);
  return found[0];
}

describe('loadCohort folder rules', () => {
  it('loads labels and omics with the folder name as cohort name', async () => {
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA }, 'BRCA');
    const cohort = await loadCohort(dir);
    expect(cohort.name).toBe('BRCA');
    expect(cohort.sampleIds).toEqual(['s1', 's2', 's3', 's4']);
    expect(cohort.classNames).toEqual(['A', 'B']);
    expect(Array.from(cohort.labels)).toEqual([0, 1, 0, 1]);
    expect(cohort.omics.map((o) => o.name)).toEqual(['mrna']);
    expect(cohort.split).toBeUndefined();
    expect(cohort.warnings).toEqual([]);
  });

  it('aligns rows by id, not by position', async () => {
    const rppa = 'sample,p1\ns4,400\ns2,200\ns1,100\ns3,300\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': rppa }));
    const omics = cohort.omics.find((o) => o.name === 'rppa')!;
    expect(Array.from(omics.values.data)).toEqual([100, 200, 300, 400]);
  });

  it('sorts omics by name and ignores labels, split, README, config and sub-folders', async () => {
    const cohort = await loadCohort(
      makeFolder({
        'labels.csv': LABELS,
        'zeta.csv': MRNA,
        'alpha.tsv': MRNA.replace(/,/g, '\t'),
        'README.csv': 'not,data\n',
        'config.json': '{}',
        'notes.txt': 'x',
        'splits/seed0.csv': 'sample,split\ns1,train\n',
      }),
    );
    expect(cohort.omics.map((o) => o.name)).toEqual(['alpha', 'zeta']);
  });

  it('sorts class names by code units and keeps labels as strings', async () => {
    const labels = 'id,subtype\ns1,mixed\ns2,7\ns3,ccA\ns4,10\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': labels, 'mrna.csv': MRNA }));
    expect(cohort.classNames).toEqual(['10', '7', 'ccA', 'mixed']);
    expect(Array.from(cohort.labels)).toEqual([3, 1, 2, 0]);
  });

  it('prefers labels.csv over other labels files', async () => {
    const alt = 'sample,x,y\ns1,P,Q\ns2,P,Q\n';
    const dir = makeFolder({ 'labels.csv': LABELS, 'labels_alternative.csv': alt, 'mrna.csv': MRNA });
    const cohort = await loadCohort(dir);
    expect(cohort.classNames).toEqual(['A', 'B']);
    expect(warning(cohort, 'LABEL_FILES_NOT_USED').ids).toEqual(['labels_alternative.csv']);
  });

  it('reads the single labels file whatever its suffix', async () => {
    const cohort = await loadCohort(makeFolder({ 'labels_pam50.csv': LABELS, 'mrna.csv': MRNA }));
    expect(cohort.sampleIds).toHaveLength(4);
  });

  it('rejects several labels files without labels.csv, listing them', async () => {
    const error = await loadError({ 'labels_a.csv': LABELS, 'labels_b.csv': LABELS, 'mrna.csv': MRNA });
    expect(error.code).toBe('AMBIGUOUS_LABELS');
    expect(error.message).toMatch(/several possible labels files \(labels_a\.csv, labels_b\.csv\)/);
  });

  it('rejects a folder without labels or without omics', async () => {
    expect((await loadError({ 'mrna.csv': MRNA })).code).toBe('NO_LABELS');
    expect((await loadError({ 'labels.csv': LABELS })).code).toBe('NO_OMICS');
  });

  it('rejects a missing folder', async () => {
    await expect(loadCohort('/nonexistent/bml-cohort')).rejects.toThrow(
      /cohort folder \/nonexistent\/bml-cohort does not exist/,
    );
  });

  it('rejects two files for one omics', async () => {
    const tsv = MRNA.replace(/,/g, '\t');
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'mrna.tsv.gz': tsv });
    expect(error.message).toMatch(/several files for omics mrna \(mrna\.csv, mrna\.tsv\.gz\)/);
  });

  it('uses the labels and labelColumn options', async () => {
    const other = 'sample,grade,stage\ns1,g1,I\ns2,g2,II\ns3,g1,I\ns4,g2,III\n';
    const dir = makeFolder({ 'labels.csv': LABELS, 'clinical.tsv': other.replace(/,/g, '\t'), 'mrna.csv': MRNA });
    const byStage = await loadCohort(dir, { labels: 'clinical.tsv', labelColumn: 'stage', omics: ['mrna'] });
    expect(byStage.classNames).toEqual(['I', 'II', 'III']);
    await expect(loadCohort(dir, { labels: 'clinical.tsv', labelColumn: 'age', omics: ['mrna'] })).rejects.toThrow(
      /no label column "age"; its columns after the id are grade, stage/,
    );
  });

  it('rejects a labels file without a header row', async () => {
    const error = await loadError({ 'labels.csv': 's1,A\ns2,B\ns3,A\ns4,B\n', 'mrna.csv': MRNA });
    expect(error.message).toMatch(
      /labels\.csv seems to have no header row: its first row \(s1,A\) names sample s1, which is in mrna\.csv/,
    );
  });

  it('rejects a label given twice', async () => {
    const error = await loadError({ 'labels.csv': `${LABELS}s2,A\n`, 'mrna.csv': MRNA });
    expect(error.message).toMatch(
      /sample s2 is labelled twice, on labels\.csv line 3 and labels\.csv line 6/,
    );
  });
});

describe('loadCohort samples and omics', () => {
  it('leaves out and reports unlabelled samples', async () => {
    const labels = 'sample,label\ns1,A\ns2,\ns3,NA\ns4,B\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': labels, 'mrna.csv': MRNA }));
    expect(cohort.sampleIds).toEqual(['s1', 's4']);
    expect(warning(cohort, 'UNLABELLED_SAMPLES').ids).toEqual(['s2', 's3']);
    const unlabelled = warning(cohort, 'OMICS_SAMPLES_UNLABELLED');
    expect(unlabelled.ids).toEqual(['s2', 's3']);
    expect(unlabelled.message).toMatch(/mrna: 2 samples in mrna\.csv have no label \(s2, s3\)/);
  });

  it('drops samples lacking an omics by default, with the ids per omics', async () => {
    const rppa = 'sample,p1,p2\ns1,1,2\ns3,NA,\ns4,5,6\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': rppa }));
    expect(cohort.sampleIds).toEqual(['s1', 's4']);
    const missing = warning(cohort, 'OMICS_MISSING_SAMPLES');
    expect(missing.ids).toEqual(['s2', 's3']);
    expect(missing.message).toMatch(
      new RegExp(
        'rppa: 1 labelled sample is not in rppa\\.csv \\(s2\\) and ' +
          '1 labelled sample has an entirely missing row \\(s3\\)',
      ),
    );
    expect(warning(cohort, 'SAMPLES_LEFT_OUT').ids).toEqual(['s2', 's3']);
    for (const omics of cohort.omics) expect(Array.from(omics.present)).toEqual([1, 1]);
  });

  it('keeps samples lacking an omics with missingOmics keep', async () => {
    const rppa = 'sample,p1,p2\ns1,1,2\ns3,NA,\ns4,5,6\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': rppa }), {
      missingOmics: 'keep',
    });
    expect(cohort.sampleIds).toEqual(['s1', 's2', 's3', 's4']);
    const omics = cohort.omics.find((o) => o.name === 'rppa')!;
    expect(Array.from(omics.present)).toEqual([1, 0, 0, 1]);
    expect(Array.from(getRow(omics.values, 1)).every(Number.isNaN)).toBe(true);
    expect(omics.missingCells).toBe(0);
    expect(warning(cohort, 'OMICS_MISSING_SAMPLES').message).toMatch(
      /they stay in the cohort with rppa marked absent/,
    );
  });

  it('reports missing cells with their locations', async () => {
    const mrna = 'sample,g1,g2\ns1,1,\ns2,2,20\ns3,NA,30\ns4,4,40\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    expect(cohort.omics[0].missingCells).toBe(2);
    expect(warning(cohort, 'MISSING_CELLS').ids).toEqual(['s1/g2', 's3/g1']);
  });

  it('rejects a cohort where no sample has every omics', async () => {
    const a = 'sample,g\ns1,1\ns2,2\n';
    const b = 'sample,g\ns3,1\ns4,2\n';
    const error = await loadError({ 'labels.csv': LABELS, 'a.csv': a, 'b.csv': b });
    expect(error.message).toMatch(
      /no labelled sample has every omics \(labelled samples with data: a 2, b 2\)/,
    );
  });

  it('rejects an omics that matches none of the labelled samples', async () => {
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': 'sample,s9\np1,1\n' });
    expect(error.message).toMatch(
      /rppa\.csv: no id in its first column \(p1\) or header \(s9\) matches a label id/,
    );
  });

  it('loads a subset of omics', async () => {
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': MRNA });
    expect((await loadCohort(dir, { omics: ['rppa'] })).omics.map((o) => o.name)).toEqual(['rppa']);
    await expect(loadCohort(dir, { omics: ['cnv'] })).rejects.toThrow(
      /omics cnv is not in .*; choose among mrna, rppa/,
    );
  });

  it('detects and overrides orientation per omics', async () => {
    const columns = 'gene,s1,s2,s3,s4\nTP53,1,2,3,4\n';
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'xena.csv': columns });
    const cohort = await loadCohort(dir);
    const xena = cohort.omics.find((o) => o.name === 'xena')!;
    expect(xena.orientation).toBe('columns');
    expect(Array.from(xena.values.data)).toEqual([1, 2, 3, 4]);
    await expect(loadCohort(dir, { orientation: { xena: 'rows' } })).rejects.toThrow(
      /xena\.csv has data for none of the 4 labelled samples/,
    );
  });

  it('rejects duplicated sample rows by default and averages them on request', async () => {
    const mrna = `${MRNA}s2,4,NA\n`;
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': mrna });
    expect(error.code).toBe('DUPLICATE_SAMPLES');
    expect(error.message).toMatch(/mrna\.csv has several rows for the same sample: s2 on lines 3 and 6/);
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna });
    const cohort = await loadCohort(dir, { duplicateSamples: 'mean' });
    expect(Array.from(getRow(cohort.omics[0].values, 1))).toEqual([3, 20]);
    expect(warning(cohort, 'DUPLICATE_SAMPLES_MERGED').ids).toEqual(['s2']);
  });

  it('rejects unknown option values', async () => {
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA });
    await expect(loadCohort(dir, { idMatch: 'fuzzy' as never })).rejects.toThrow(
      /idMatch must be one of exact, sample, patient/,
    );
    await expect(loadCohort(dir, { sampleTypes: ['1'] })).rejects.toThrow(/two-digit TCGA sample-type codes/);
  });
});

describe('loadCohort outer split', () => {
  it('reads split.csv', async () => {
    const split = 'sample,split\ns4,test\ns3,TRAIN\ns2,train\ns1,test\ns9,train\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'split.csv': split }));
    expect(cohort.split).toEqual(['test', 'train', 'train', 'test']);
    expect(warning(cohort, 'SPLIT_IDS_NOT_IN_COHORT').ids).toEqual(['s9']);
  });

  it('reads a split file without a header row', async () => {
    const split = 's1,train\ns2,test\ns3,train\ns4,test\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'split.csv': split }));
    expect(cohort.split).toEqual(['train', 'test', 'train', 'test']);
  });

  it('rejects a split file missing a sample or with another value', async () => {
    const split = 'sample,split\ns1,train\n';
    const partial = await loadError({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'split.csv': split });
    expect(partial.message).toMatch(/split\.csv has no row for 3 samples of the cohort \(s2, s3, s4\)/);
    const bad = await loadError({
      'labels.csv': LABELS,
      'mrna.csv': MRNA,
      'split.csv': 'sample,split\ns1,train\ns2,validation\n',
    });
    expect(bad.message).toMatch(
      /split\.csv line 3 \(sample s2\): split "validation" is neither train nor test/,
    );
  });

  it('takes the split from labels_train and labels_test', async () => {
    const cohort = await loadCohort(
      makeFolder({
        'labels_train.csv': 'sample,label\ns1,A\ns2,B\n',
        'labels_test.csv': 'sample,label\ns3,A\ns4,B\n',
        'labels_test_shuffled.csv': 'sample,label\ns3,B\ns4,A\n',
        'mrna.csv': MRNA,
      }),
    );
    expect(cohort.sampleIds).toEqual(['s1', 's2', 's3', 's4']);
    expect(cohort.split).toEqual(['train', 'train', 'test', 'test']);
    expect(Array.from(cohort.labels)).toEqual([0, 1, 0, 1]);
    expect(warning(cohort, 'LABEL_FILES_NOT_USED').ids).toEqual(['labels_test_shuffled.csv']);
  });

  it('rejects a sample in both the training and test labels', async () => {
    const error = await loadError({
      'labels_train.csv': 'sample,label\ns1,A\ns2,B\n',
      'labels_test.csv': 'sample,label\ns2,B\ns3,A\n',
      'mrna.csv': MRNA,
    });
    expect(error.message).toMatch(
      /sample s2 is labelled twice, on labels_train\.csv line 3 and labels_test\.csv line 2/,
    );
  });

  it('warns when dropped samples empty a part of the split', async () => {
    const rppa = 'sample,p\ns1,1\ns3,3\n';
    const split = 'sample,split\ns1,train\ns2,test\ns3,train\ns4,test\n';
    const dir = makeFolder({ 'labels.csv': LABELS, 'mrna.csv': MRNA, 'rppa.csv': rppa, 'split.csv': split });
    const cohort = await loadCohort(dir);
    expect(cohort.split).toEqual(['train', 'train']);
    expect(warning(cohort, 'SPLIT_PART_EMPTY').message).toMatch(
      /no sample of the cohort is in the test part/,
    );
  });
});

describe('loadCohort TCGA barcodes', () => {
  const labels = 'sample,label\nTCGA-AA-0001,X\nTCGA-AA-0002,Y\n';

  it('matches sample-level ids with dots or dashes', async () => {
    const sampleLabels = 'sample,label\nTCGA-AA-0001-01,X\nTCGA-AA-0002-01,Y\n';
    const mrna = 'sample,g\nTCGA.AA.0001.01A,1\nTCGA.AA.0002.01B,2\n';
    const dir = makeFolder({ 'labels.csv': sampleLabels, 'mrna.csv': mrna });
    const cohort = await loadCohort(dir, { idMatch: 'sample' });
    expect(cohort.sampleIds).toEqual(['TCGA-AA-0001-01', 'TCGA-AA-0002-01']);
    expect(Array.from(cohort.omics[0].values.data)).toEqual([1, 2]);
  });

  it('gives patient labels to primary tumours only, unless sampleTypes says otherwise', async () => {
    const mrna = 'sample,g\nTCGA-AA-0001-01A,1\nTCGA-AA-0001-11A,5\nTCGA-AA-0002-06A,7\nTCGA-AA-0002-01A,2\n';
    const dir = makeFolder({ 'labels.csv': labels, 'mrna.csv': mrna });
    const cohort = await loadCohort(dir, { idMatch: 'patient' });
    expect(Array.from(cohort.omics[0].values.data)).toEqual([1, 2]);
    const excluded = warning(cohort, 'SAMPLE_TYPE_EXCLUDED');
    expect(excluded.ids).toEqual(['TCGA-AA-0001-11A', 'TCGA-AA-0002-06A']);
    expect(excluded.message).toMatch(/TCGA-AA-0001-11A \(type 11, solid tissue normal\)/);
    const metastatic = await loadCohort(dir, { idMatch: 'patient', sampleTypes: ['06'] });
    expect(metastatic.sampleIds).toEqual(['TCGA-AA-0002']);
    expect(Array.from(metastatic.omics[0].values.data)).toEqual([7]);
    expect(warning(metastatic, 'CLASS_WITHOUT_SAMPLES').ids).toEqual(['X']);
  });

  it('suggests idMatch when exact ids do not match barcodes', async () => {
    const mrna = 'sample,g\nTCGA-AA-0001-01A,1\nTCGA-AA-0002-01A,2\n';
    const rppa = 'sample,p\nTCGA-AA-0001,1\n';
    const error = await loadError({ 'labels.csv': labels, 'mrna.csv': mrna, 'rppa.csv': rppa });
    expect(error.message).toMatch(/set idMatch/);
  });
});
