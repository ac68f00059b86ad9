/**
 * One test per kind of input fault, beyond the shared cases. They cover the
 * variants users bring: other missing-value spellings, barcodes of other
 * lengths, transposed or duplicated ids, BOM and CRLF in every file, broken
 * gzip, header-only files, extreme values and identical rows.
 */
import { gzipSync } from 'node:zlib';
import { InvalidInputError, createMatrix, firstNonFinite, getRow, type BmlWarning } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { applyPreprocessor, fitPreprocessor, loadCohort, type Cohort, type LoadOptions } from '../src/index.js';
import { makeFolder } from './fixtures.js';

const LABELS = 'sample,label\ns1,A\ns2,B\ns3,A\ns4,B\n';

async function loadError(files: Record<string, string>, options: LoadOptions = {}): Promise<InvalidInputError> {
  try {
    await loadCohort(makeFolder(files), options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

function warningsOf(cohort: Cohort, code: string): BmlWarning[] {
  return cohort.warnings.filter((w) => w.code === code);
}

function rowOf(cohort: Cohort, id: string, omics = 0): number[] {
  return Array.from(getRow(cohort.omics[omics].values, cohort.sampleIds.indexOf(id)));
}

describe('missing-value spellings', () => {
  it.each(['', 'NA', 'NaN', 'null', '#N/A', ' NA ', '"NA"', '""', '"#N/A"'])('reads %j as missing', async (token) => {
    const mrna = `sample,g1,g2\ns1,1,${token}\ns2,2,20\ns3,3,30\ns4,4,40\n`;
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    expect(rowOf(cohort, 's1')[1]).toBeNaN();
    expect(cohort.omics[0].missingCells).toBe(1);
    expect(warningsOf(cohort, 'MISSING_CELLS')[0].ids).toEqual(['s1/g2']);
  });

  it.each(['nan', 'N/A', 'NULL', 'na', '-', '?', 'inf', '-Infinity', '1e309', '0x1A', '1_000'])(
    'rejects %j naming the cell',
    async (token) => {
      const mrna = `sample,g1,g2\ns1,1,2\ns2,2,20\ns3,${token},30\ns4,4,40\n`;
      const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': mrna });
      expect(error.code).toBe('NOT_A_NUMBER');
      expect(error.message).toContain(`mrna.csv line 4 (sample s3), column g1: "${token}" is not a number`);
    },
  );

  it('rejects a decimal comma in TSV', async () => {
    const mrna = 'sample\tg1\tg2\ns1\t1,5\t2\ns2\t2\t20\ns3\t3\t30\ns4\t4\t40\n';
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.tsv': mrna });
    expect(error.message).toMatch(/mrna\.tsv line 2 \(sample s1\), column g1: "1,5" is not a number/);
  });

  it('treats an all-missing row as absent', async () => {
    const mrna = 'sample,g1,g2\ns1,NA,null\ns2,2,20\ns3,3,30\ns4,4,40\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    expect(cohort.sampleIds).toEqual(['s2', 's3', 's4']);
    expect(warningsOf(cohort, 'OMICS_MISSING_SAMPLES')[0].message).toMatch(/entirely missing row \(s1\)/);
  });
});

describe('TCGA barcodes of different lengths', () => {
  const labels = 'patient,subtype\nTCGA-AA-0001,LumA\nTCGA-AA-0002,Basal\nTCGA-AA-0003,LumA\n';
  const aliquots =
    'sample,g1,g2\n' +
    'TCGA-AA-0001-01A-11R-A084-07,1,2\n' +
    'TCGA-AA-0002-01A-21R-A084-07,3,4\n' +
    'TCGA-AA-0003-01B-11R-A084-07,5,6\n';
  const samples = 'sample,p1\nTCGA.AA.0001.01,7\nTCGA.AA.0002.01,8\nTCGA.AA.0003.01,9\nTCGA.AA.0003.11,10\n';

  it('matches patient labels to aliquots and samples', async () => {
    const dir = makeFolder({ 'labels.csv': labels, 'mrna.csv': aliquots, 'rppa.csv': samples });
    const cohort = await loadCohort(dir, { idMatch: 'patient' });
    expect(cohort.sampleIds).toEqual(['TCGA-AA-0001', 'TCGA-AA-0002', 'TCGA-AA-0003']);
    expect(rowOf(cohort, 'TCGA-AA-0003', 0)).toEqual([5, 6]);
    expect(rowOf(cohort, 'TCGA-AA-0003', 1)).toEqual([9]);
    expect(warningsOf(cohort, 'SAMPLE_TYPE_EXCLUDED')[0].ids).toEqual(['TCGA.AA.0003.11']);
  });

  it('matches sample-level labels to aliquots', async () => {
    const sampleLabels = 'id,label\nTCGA-AA-0001-01,LumA\nTCGA-AA-0002-01,Basal\nTCGA-AA-0003-01,LumA\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': sampleLabels, 'mrna.csv': aliquots }), {
      idMatch: 'sample',
    });
    expect(cohort.sampleIds).toHaveLength(3);
    expect(rowOf(cohort, 'TCGA-AA-0002-01')).toEqual([3, 4]);
  });

  it('suggests the idMatch that matches', async () => {
    const exact = await loadError({ 'labels.csv': labels, 'mrna.csv': aliquots });
    expect(exact.message).toMatch(/with idMatch 'patient', 3 of the 3 ids in its first column would match/);
    const sample = await loadError({ 'labels.csv': labels, 'mrna.csv': aliquots }, { idMatch: 'sample' });
    expect(sample.message).toMatch(/set idMatch to 'patient'/);
  });

  it('rejects two sample types per patient', async () => {
    const twoTypes = 'id,label\nTCGA-AA-0001-01,LumA\nTCGA-AA-0001-11,Normal\n';
    const error = await loadError({ 'labels.csv': twoTypes, 'mrna.csv': aliquots }, { idMatch: 'patient' });
    expect(error.message).toMatch(/TCGA-AA-0001-01 and TCGA-AA-0001-11 match the same id with idMatch 'patient'/);
  });
});

describe('orientation', () => {
  const rows = 'sample,g1,g2,g3\ns1,1,2,3\ns2,4,5,6\ns3,7,8,9\ns4,1,1,2\n';
  const columns = 'gene,s1,s2,s3,s4\ng1,1,4,7,1\ng2,2,5,8,1\ng3,3,6,9,2\n';

  it('reads transposed files alike', async () => {
    const a = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': rows }));
    const b = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': columns }));
    expect(b.omics[0].orientation).toBe('columns');
    expect(Array.from(b.omics[0].values.data)).toEqual(Array.from(a.omics[0].values.data));
    expect(b.omics[0].featureNames).toEqual(a.omics[0].featureNames);
  });

  it('rejects a wrong orientation override', async () => {
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': columns }, { orientation: 'rows' });
    expect(error.message).toMatch(/mrna\.csv has data for none of the 4 labelled samples/);
  });
});

describe('duplicated ids', () => {
  it('rejects a repeated sample column', async () => {
    const columns = 'gene,s1,s2,s3,s4,s2\ng1,1,2,3,4,5\ng2,1,2,3,4,6\n';
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': columns });
    expect(error.code).toBe('DUPLICATE_SAMPLES');
    expect(error.message).toMatch(/mrna\.csv has several rows for the same sample: s2 on columns 3 and 6/);
  });

  it('averages repeated samples on request', async () => {
    const columns = 'gene,s1,s2,s3,s4,s2\ng1,1,2,3,4,5\ng2,1,NA,3,4,6\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': columns }), {
      duplicateSamples: 'mean',
    });
    expect(rowOf(cohort, 's2')).toEqual([3.5, 6]);
    expect(warningsOf(cohort, 'DUPLICATE_SAMPLES_MERGED')[0].ids).toEqual(['s2']);
  });

  it('merges repeated feature columns', async () => {
    const mrna = 'sample,g1,g2,g1\ns1,1,2,3\ns2,4,5,NA\ns3,7,8,9\ns4,1,1,1\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    expect(cohort.omics[0].featureNames).toEqual(['g1', 'g2']);
    expect(rowOf(cohort, 's1')).toEqual([2, 2]);
    expect(rowOf(cohort, 's2')).toEqual([4, 5]);
  });

  it('rejects a repeated split row', async () => {
    const split = 'id,split\ns1,train\ns2,train\ns3,test\ns4,test\ns1,test\n';
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': 'id,g\ns1,1\ns2,2\ns3,3\ns4,4\n', 'split.csv': split });
    expect(error.message).toMatch(/split\.csv lists sample s1 twice \(lines 2 and 6\)/);
  });

  it('reports identical rows', async () => {
    const mrna = 'sample,g1,g2\ns1,1,2\ns2,1,2\ns3,-0,NA\ns4,0,NA\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    const identical = warningsOf(cohort, 'IDENTICAL_ROWS')[0];
    expect(identical.ids).toEqual(['s1', 's2', 's3', 's4']);
    expect(identical.message).toMatch(/^mrna: 2 groups of samples with identical rows \(s1 = s2, s3 = s4\)/);
  });
});

describe('text encodings and line ends', () => {
  it('reads BOM and CRLF in every file', async () => {
    const crlf = (text: string) => `\uFEFF${text.replace(/\n/g, '\r\n')}`;
    const cohort = await loadCohort(
      makeFolder({
        'labels.csv': crlf(LABELS),
        'split.csv': crlf('id,split\ns1,train\ns2,train\ns3,TEST\ns4,test\n'),
        'mrna.tsv.gz': crlf('id\tg1\ns1\t1\ns2\t2\ns3\t3\ns4\t4\n'),
      }),
    );
    expect(cohort.sampleIds).toEqual(['s1', 's2', 's3', 's4']);
    expect(cohort.split).toEqual(['train', 'train', 'test', 'test']);
    expect(cohort.omics[0].featureNames).toEqual(['g1']);
  });

  it('trims spaces around ids and labels', async () => {
    const labels = 'sample,label\n s1 , A \ns2,B\ns3,A\ns4,B\n';
    const mrna = 'sample,g1\ns1 ,1\n s2,2\ns3,3\ns4,4\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': labels, 'mrna.csv': mrna }));
    expect(cohort.classNames).toEqual(['A', 'B']);
    expect(rowOf(cohort, 's1')).toEqual([1]);
  });
});

describe('broken files', () => {
  it('rejects a truncated gzip stream', async () => {
    const zipped = gzipSync('id,g1\ns1,1\ns2,2\ns3,3\ns4,4\n'.repeat(50));
    const dir = makeFolder({ 'labels.csv': LABELS });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/mrna.csv.gz`, zipped.subarray(0, zipped.length >> 1));
    await expect(loadCohort(dir)).rejects.toThrow(/mrna\.csv\.gz is not a valid gzip file/);
  });

  it('rejects a header-only omics file', async () => {
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': 'sample,g1,g2\n' });
    expect(error.code).toBe('NO_DATA_ROWS');
    expect(error.message).toMatch(/mrna\.csv has a header row but no data rows/);
  });

  it('rejects a header-only labels file', async () => {
    const error = await loadError({ 'labels.csv': 'sample,label\n', 'mrna.csv': 'id,g\ns1,1\n' });
    expect(error.code).toBe('NO_LABELLED_SAMPLES');
  });

  it('rejects a truncated line', async () => {
    const error = await loadError({ 'labels.csv': LABELS, 'mrna.csv': 'sample,g1,g2\ns1,1,2\ns2,4\n' });
    expect(error.message).toMatch(/mrna\.csv line 3 has 2 fields, expected 3/);
  });
});

describe('extreme values', () => {
  const mrna = 'sample,g1,g2,g3\ns1,1e308,-1e308,1\ns2,-1e308,1.7976931348623157e308,2\ns3,1e308,0,3\ns4,5e-324,-0,4\n';

  it('loads extreme values unchanged', async () => {
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    expect(rowOf(cohort, 's1')).toEqual([1e308, -1e308, 1]);
    expect(rowOf(cohort, 's4')[0]).toBe(5e-324);
  });

  it('averages extreme duplicates without overflow', async () => {
    const features = 'sample,g1,g1\ns1,1e308,1.5e308\ns2,1,2\ns3,1,2\ns4,1,2\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': features }));
    expect(rowOf(cohort, 's1')).toEqual([1.25e308]);
    const samples = 'sample,g1\ns1,1.5e308\ns1,1.7e308\ns2,1\ns3,1\ns4,2\n';
    const merged = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': samples }), {
      duplicateSamples: 'mean',
    });
    expect(rowOf(merged, 's1')).toEqual([1.6e308]);
  });

  it('preprocesses extreme columns to finite z-scores', async () => {
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    const omics = cohort.omics[0];
    const all = [0, 1, 2, 3];
    const p = fitPreprocessor(omics.values, all, omics.featureNames, { name: 'mrna' });
    const out = applyPreprocessor(p, omics.values);
    expect(firstNonFinite(out)).toBe(-1);
    expect(p.sds.every(Number.isFinite)).toBe(true);
    // g1 is [1e308, -1e308, 1e308, ~0]: mean 5e307, so s1 and s3 share one z-score.
    expect(out.data[0]).toBeCloseTo(out.data[2 * out.cols], 12);
  });

  it('rejects an unrepresentable z-score', () => {
    const fitted = fitPreprocessor(createMatrix(3, 1, Float64Array.of(0, 1e-10, 2e-10)), [0, 1, 2], ['g1'], {
      name: 'mrna',
    });
    expect(() => applyPreprocessor(fitted, createMatrix(1, 1, Float64Array.of(1e308)))).toThrow(
      /mrna: row 1, feature g1: 1e\+308 is so far from the fitting values .* that its z-score is not a finite number/,
    );
  });

  it('rejects an unrepresentable standard deviation', async () => {
    const wide = 'sample,g1\ns1,1.7e308\ns2,-1.7e308\ns3,1.7e308\ns4,-1.7e308\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': wide }));
    const omics = cohort.omics[0];
    expect(() => fitPreprocessor(omics.values, [0, 1, 2, 3], omics.featureNames, { name: 'mrna' })).toThrow(
      /mrna: feature g1 has values near both ends of the double range/,
    );
  });
});

describe('rows that are legal but suspicious', () => {
  it('reports a row of zeros', async () => {
    const cnv = 'sample,c1,c2\ns1,0,0\ns2,1,0\ns3,0,NA\ns4,1,1\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'cnv.csv': cnv }));
    const zeros = warningsOf(cohort, 'ZERO_ROWS')[0];
    expect(zeros.ids).toEqual(['s1']);
    expect(zeros.message).toMatch(/^cnv: 1 sample with every value 0 \(s1\)/);
  });
});

describe('preprocessing faults', () => {
  it('drops constant and mostly missing features', async () => {
    const mrna = 'sample,g1,g2,g3\ns1,5,1,NA\ns2,5,2,NA\ns3,5,3,NA\ns4,5,4,1\n';
    const cohort = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': mrna }));
    const omics = cohort.omics[0];
    const p = fitPreprocessor(omics.values, [0, 1, 2, 3], omics.featureNames, { name: 'mrna' });
    expect(p.featureNames).toEqual(['g2']);
    expect(p.dropped.zeroVariance).toEqual(['g1']);
    expect(p.dropped.tooManyMissing).toEqual(['g3']);
  });

  it('rejects an omics with no feature left', async () => {
    const constant = 'sample,g1,g2\ns1,5,NA\ns2,5,NA\ns3,5,NA\ns4,5,1\n';
    const flat = await loadCohort(makeFolder({ 'labels.csv': LABELS, 'mrna.csv': constant }));
    expect(() => fitPreprocessor(flat.omics[0].values, [0, 1, 2, 3], ['g1', 'g2'], { name: 'mrna' })).toThrow(
      /mrna: no feature is left after preprocessing \(2 features: 0 without values, 1 missing in more than 10% of the fitting samples, 1 constant\)/,
    );
  });
});
