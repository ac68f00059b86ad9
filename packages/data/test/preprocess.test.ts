import { InvalidInputError, firstNonFinite, fromRows, toRows } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { applyPreprocessor, fitPreprocessor } from '../src/index.js';

const NaN_ = Number.NaN;

// Features: f0 has one missing fitting cell (1/4), f1 is constant on the fitting rows,
// f2 has no value, f3 is complete on the fitting rows. Row 4 is a new sample.
const VALUES = fromRows([
  [1, 3, NaN_, 2],
  [2, 3, NaN_, 4],
  [NaN_, 3, NaN_, 6],
  [4, 3, NaN_, 8],
  [100, 9, NaN_, NaN_],
]);
const NAMES = ['f0', 'f1', 'f2', 'f3'];
const FIT = [0, 1, 2, 3];

describe('fitPreprocessor', () => {
  it('imputes the median and z-scores with n - 1', () => {
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5 });
    expect(p.featureNames).toEqual(['f0', 'f3']);
    expect(p.featureIndices).toEqual([0, 3]);
    // f0 observed 1, 2, 4: median 2; imputed column 1, 2, 2, 4: mean 2.25, variance 4.75 / 3.
    expect(p.medians).toEqual([2, 5]);
    expect(p.means[0]).toBeCloseTo(2.25, 12);
    expect(p.sds[0]).toBeCloseTo(Math.sqrt(4.75 / 3), 12);
    // f3: 2, 4, 6, 8: mean 5, variance 20 / 3.
    expect(p.means[1]).toBeCloseTo(5, 12);
    expect(p.sds[1]).toBeCloseTo(Math.sqrt(20 / 3), 12);
  });

  it('drops all-missing, mostly-missing and constant features with warnings', () => {
    const p = fitPreprocessor(VALUES, FIT, NAMES, { name: 'mrna', sampleIds: ['a', 'b', 'c', 'd', 'e'] });
    expect(p.featureNames).toEqual(['f3']);
    expect(p.dropped).toEqual(
      { allMissing: ['f2'], tooManyMissing: ['f0'], zeroVariance: ['f1'], lowVarianceCount: 0 },
    );
    const codes = p.warnings.map((w) => w.code);
    expect(codes).toEqual(['ALL_MISSING_FEATURES', 'MISSING_FEATURES_DROPPED', 'ZERO_VARIANCE_FEATURES']);
    expect(p.warnings[0].message).toBe(
      'mrna: 1 feature without any value in the 4 fitting samples (f2) was dropped',
    );
    expect(p.warnings[1].message).toMatch(/missing in more than 10% of the 4 fitting samples \(f0\)/);
    expect(p.warnings[2].ids).toEqual(['f1']);
  });

  it('reports imputed cells with their locations', () => {
    const sampleIds = ['a', 'b', 'c', 'd', 'e'];
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5, sampleIds });
    const imputed = p.warnings.find((w) => w.code === 'CELLS_IMPUTED')!;
    expect(imputed.ids).toEqual(['c/f0']);
    expect(imputed.message).toMatch(
      /^1 missing cell was filled with the feature's fitting median \(c\/f0\)$/,
    );
  });

  it('judges missingness and variance on the fitting rows only', () => {
    // f1 varies only through row 4, which is not a fitting row.
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5 });
    expect(p.dropped.zeroVariance).toEqual(['f1']);
    const withNew = fitPreprocessor(VALUES, [0, 1, 3, 4], NAMES, { maxMissingFraction: 0.5 });
    expect(withNew.featureNames).toEqual(['f0', 'f1', 'f3']);
  });

  it('keeps the maxFeatures features of highest variance in column order', () => {
    const x = fromRows([
      [0, 0, 0, 0],
      [1, 4, 2, 2],
    ]);
    const p = fitPreprocessor(x, [0, 1], ['a', 'b', 'c', 'd'], { maxFeatures: 2 });
    expect(p.featureNames).toEqual(['b', 'c']);
    expect(p.dropped.lowVarianceCount).toBe(2);
  });

  it('breaks variance ties by the lower column', () => {
    const x = fromRows([
      [0, 0, 0],
      [1, 1, 1],
    ]);
    expect(fitPreprocessor(x, [0, 1], ['a', 'b', 'c'], { maxFeatures: 2 }).featureNames).toEqual(['a', 'b']);
  });

  it('applies log2(x + 1) before the statistics', () => {
    const x = fromRows([[0], [1], [3], [7]]);
    const p = fitPreprocessor(x, [0, 1, 2, 3], ['g'], { log2: true });
    expect(p.means[0]).toBeCloseTo(1.5, 12);
    expect(p.sds[0]).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(applyPreprocessor(p, fromRows([[15]])).data[0]).toBeCloseTo((4 - 1.5) / Math.sqrt(5 / 3), 12);
  });

  it('rejects negative values under log2, naming sample and feature', () => {
    const x = fromRows([[1], [-0.5]]);
    expect(() => fitPreprocessor(x, [0, 1], ['g'], { log2: true, name: 'cnv', sampleIds: ['s1', 's2'] })).toThrow(
      /cnv: sample s2, feature g: -0\.5 is negative, but log2\(x \+ 1\) needs values of at least 0/,
    );
  });

  it('does not use fitting rows that are entirely missing', () => {
    const x = fromRows([
      [1, 2],
      [NaN_, NaN_],
      [3, 6],
    ]);
    const p = fitPreprocessor(x, [0, 1, 2], ['a', 'b'], { sampleIds: ['s1', 's2', 's3'] });
    expect(p.fitRowCount).toBe(2);
    expect(p.means).toEqual([2, 4]);
    expect(p.warnings.map((w) => w.code)).toEqual(['FITTING_ROWS_WITHOUT_DATA']);
    expect(p.warnings[0].ids).toEqual(['s2']);
  });

  it('rejects bad input with a typed error', () => {
    expect(() => fitPreprocessor(VALUES, [0, 9], NAMES)).toThrow(InvalidInputError);
    expect(() => fitPreprocessor(VALUES, FIT, ['a'])).toThrow(/1 feature names for a matrix with 4 columns/);
    expect(() => fitPreprocessor(VALUES, [0], NAMES)).toThrow(/needs at least 2 fitting rows/);
    const constant = fromRows([
      [1, 1],
      [1, 1],
    ]);
    expect(() => fitPreprocessor(constant, [0, 1], ['a', 'b'], { name: 'rppa' })).toThrow(
      new RegExp(
        'rppa: no feature is left after preprocessing \\(2 features: 0 without values, ' +
          '0 missing in more than 10% of the fitting samples, 2 constant\\); check the file: an omics needs a ' +
          'feature that varies',
      ),
    );
    expect(() => fitPreprocessor(fromRows([[1], [Infinity]]), [0, 1], ['a'])).toThrow(
      /Infinity is not a finite number/,
    );
  });
});

describe('applyPreprocessor', () => {
  it('maps new rows with fitting statistics', () => {
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5 });
    const out = applyPreprocessor(p, VALUES);
    expect(out.cols).toBe(2);
    const rows = toRows(out);
    expect(rows[4][0]).toBeCloseTo((100 - 2.25) / Math.sqrt(4.75 / 3), 12);
    // Row 4 misses f3: it gets the median 5, which equals the mean here, so its z-score is 0.
    expect(rows[4][1]).toBeCloseTo(0, 12);
    // Row 2 misses f0: median 2.
    expect(rows[2][0]).toBeCloseTo((2 - 2.25) / Math.sqrt(4.75 / 3), 12);
    expect(firstNonFinite(out)).toBe(-1);
  });

  it('gives z-scores of mean 0 and sd 1 on complete fitting rows', () => {
    const x = fromRows([
      [1, 10],
      [2, 30],
      [6, 20],
    ]);
    const p = fitPreprocessor(x, [0, 1, 2], ['a', 'b']);
    const z = toRows(applyPreprocessor(p, x));
    for (let j = 0; j < 2; j++) {
      const column = z.map((row) => row[j]);
      const mean = column.reduce((s, v) => s + v, 0) / 3;
      const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / 2;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
  });

  it('rejects a matrix with another number of columns', () => {
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5, name: 'mrna' });
    expect(() => applyPreprocessor(p, fromRows([[1, 2]]))).toThrow(
      /mrna: the matrix has 2 columns but the preprocessing was fitted on 4/,
    );
  });

  it('round-trips through JSON', () => {
    const p = fitPreprocessor(VALUES, FIT, NAMES, { maxMissingFraction: 0.5 });
    const copy = JSON.parse(JSON.stringify(p));
    expect(Array.from(applyPreprocessor(copy, VALUES).data)).toEqual(
      Array.from(applyPreprocessor(p, VALUES).data),
    );
  });
});
