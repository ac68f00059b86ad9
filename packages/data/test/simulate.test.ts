import { macroF1, selectRows } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { applyPreprocessor, fitPreprocessor, simulateCohort, stratifiedSplits } from '../src/index.js';
import type { Cohort } from '../src/index.js';
import { fitLogistic, predictLogistic } from './logistic.js';

const cohort = simulateCohort();

function omicsF1(source: Cohort, name: string): number {
  const [split] = stratifiedSplits(source.labels, { repeats: 1, seed: 0 });
  const omics = source.omics.find((o) => o.name === name)!;
  const p = fitPreprocessor(omics.values, split.train, omics.featureNames, { maxFeatures: 500 });
  const train = applyPreprocessor(p, selectRows(omics.values, split.train));
  const test = applyPreprocessor(p, selectRows(omics.values, split.test));
  const yTrain = Int32Array.from(split.train, (i) => source.labels[i]);
  const yTest = Int32Array.from(split.test, (i) => source.labels[i]);
  const model = fitLogistic(train, yTrain, 4, { lambda: 0.01, iterations: 200 });
  return macroF1(yTest, predictLogistic(model, test), 4).macroF1;
}

describe('simulateCohort', () => {
  it('has 511 samples in the four PAM50 classes', () => {
    expect(cohort.name).toBe('simulated');
    expect(cohort.sampleIds).toHaveLength(511);
    expect(cohort.sampleIds[0]).toBe('sim0001');
    expect(cohort.sampleIds[510]).toBe('sim0511');
    expect(cohort.classNames).toEqual(['Basal-like', 'HER2-enriched', 'Luminal A', 'Luminal B']);
    const counts = [0, 0, 0, 0];
    for (const label of cohort.labels) counts[label]++;
    expect(counts).toEqual([112, 53, 248, 98]);
    expect(cohort.warnings).toEqual([]);
    expect(cohort.split).toBeUndefined();
  });

  it('shuffles the classes over the sample ids', () => {
    expect(Array.from(cohort.labels.subarray(0, 112)).every((l) => l === 0)).toBe(false);
  });

  it('has cnv, mrna and rppa with 2,000, 20,000 and 223 complete features', () => {
    expect(cohort.omics.map((o) => [o.name, o.values.rows, o.values.cols, o.featureNames.length])).toEqual([
      ['cnv', 511, 2000, 2000],
      ['mrna', 511, 20000, 20000],
      ['rppa', 511, 223, 223],
    ]);
    for (const omics of cohort.omics) {
      expect(omics.present.every((p) => p === 1)).toBe(true);
      expect(omics.values.data.every(Number.isFinite)).toBe(true);
      expect(new Set(omics.featureNames).size).toBe(omics.featureNames.length);
    }
    expect(cohort.omics[1].featureNames[0]).toBe('mrna_00001');
  });

  it('is the same for the same seed and differs for another', () => {
    const again = simulateCohort({ seed: 0 });
    expect(again.labels).toEqual(cohort.labels);
    for (let m = 0; m < 3; m++) {
      expect(again.omics[m].values.data.subarray(0, 5000)).toEqual(
        cohort.omics[m].values.data.subarray(0, 5000),
      );
    }
    const other = simulateCohort({ seed: 1 });
    expect(other.labels).not.toEqual(cohort.labels);
    expect(other.omics[2].values.data.subarray(0, 100)).not.toEqual(
      cohort.omics[2].values.data.subarray(0, 100),
    );
  });

  it('makes smaller omics on request with the same informative features', () => {
    const small = simulateCohort({ features: { mrna: 400, cnv: 50 } });
    expect(small.omics.map((o) => o.values.cols)).toEqual([50, 400, 223]);
    expect(small.omics[2].values.data).toEqual(cohort.omics[2].values.data);
    expect(() => simulateCohort({ features: { mrna: 0 } })).toThrow(
      /features\.mrna must be a positive integer/,
    );
  });

  it('gives informative features more variance than noise features', () => {
    const rppa = cohort.omics[2];
    const variance = (j: number): number => {
      const { rows, cols, data } = rppa.values;
      const column = Array.from({ length: rows }, (_, i) => data[i * cols + j]);
      const mean = column.reduce((s, v) => s + v, 0) / column.length;
      return column.reduce((s, v) => s + (v - mean) ** 2, 0) / (column.length - 1);
    };
    const informative = Array.from({ length: 60 }, (_, j) => variance(j));
    const noise = Array.from({ length: 60 }, (_, j) => variance(150 + j));
    expect(informative.reduce((s, v) => s + v) / 60).toBeGreaterThan(2 * (noise.reduce((s, v) => s + v) / 60));
  });

  it('ranks rppa above mrna above cnv', () => {
    const rppa = omicsF1(cohort, 'rppa');
    const mrna = omicsF1(cohort, 'mrna');
    const cnv = omicsF1(cohort, 'cnv');
    expect(rppa).toBeGreaterThan(0.78);
    expect(rppa).toBeLessThan(0.95);
    expect(mrna).toBeGreaterThan(0.65);
    expect(mrna).toBeLessThan(0.85);
    expect(cnv).toBeGreaterThan(0.2);
    expect(cnv).toBeLessThan(0.48);
    expect(rppa - mrna).toBeGreaterThan(0.04);
    expect(mrna - cnv).toBeGreaterThan(0.2);
  });
});
