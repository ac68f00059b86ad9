import { availableParallelism } from 'node:os';
import { fromRows, InvalidInputError, type Matrix } from '@bml/core';
import type { Cohort, OuterSplit } from '@bml/data';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type BmlConfig, type SplitPlan } from '../src/index.js';
import { checkMemory, estimateMemory, validateRun } from '../src/validate.js';

/** Builds a cohort of the given class names with one omics `mrna` of the given rows (NaN rows: omics absent). */
function makeCohort(classes: string[], rows: number[][]): Cohort {
  const classNames = [...new Set(classes)].sort();
  const values: Matrix = fromRows(rows);
  return {
    name: 'test',
    sampleIds: classes.map((_, i) => `s${i + 1}`),
    classNames,
    labels: Int32Array.from(classes, (c) => classNames.indexOf(c)),
    omics: [
      {
        name: 'mrna',
        file: 'mrna.csv',
        featureNames: rows[0].map((_, j) => `g${j + 1}`),
        values,
        present: Uint8Array.from(rows, (row) => (row.every(Number.isNaN) ? 0 : 1)),
        orientation: 'rows',
        missingCells: 0,
      },
    ],
    warnings: [],
  };
}

function plan(train: number[], test: number[]): SplitPlan {
  const split: OuterSplit = { repeat: 0, seed: 0, train, test, source: 'file' };
  return { splits: [split], description: 'one split', warnings: [] };
}

function config(patch: Record<string, unknown> = {}): BmlConfig {
  return resolveConfig([{ origin: 'test', patch: { workers: 1, ...patch } }]);
}

/** Eight samples, A and B alternating, two varying features. */
const CLASSES = ['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B'];
const ROWS = CLASSES.map((_, i) => [i, (i * 3) % 5]);
const TRAIN = [0, 1, 2, 3, 4, 5];
const TEST = [6, 7];

function validationError(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('validateRun', () => {
  it('accepts a small valid run and reports the features kept', () => {
    const check = validateRun(makeCohort(CLASSES, ROWS), plan(TRAIN, TEST), config({ snf: { K: 3 }, graph: { k: 3 } }));
    expect(check.featuresKept).toEqual([{ mrna: 2 }]);
    expect(check.warnings).toEqual([]);
    expect(check.memory.bytes).toBeGreaterThan(0);
  });

  it('warns ahead when K or k will be clamped', () => {
    const check = validateRun(makeCohort(CLASSES, ROWS), plan(TRAIN, TEST), config({ snf: { K: 6 }, graph: { k: 5 } }));
    expect(check.warnings.map((w) => w.message)).toEqual([
      'snf.K = 6 is not smaller than the 6 samples of mrna in the similarity network; the run uses snf.K = 5, so set snf.K below 6 to choose the value yourself',
    ]);
    const transductive = config({ snf: { K: 6 }, graph: { mode: 'transductive', k: 8 } });
    const messages = validateRun(makeCohort(CLASSES, ROWS), plan(TRAIN, TEST), transductive).warnings.map((w) => w.message);
    expect(messages).toEqual([expect.stringMatching(/^graph\.k = 8 is not smaller than the 8 samples in the patient graph; the run uses graph\.k = 7/)]);
  });

  it('warns about more workers than cores', () => {
    const cores = availableParallelism();
    // One split per omics and worker, so that the count is not capped below the cores.
    const split: OuterSplit = { repeat: 0, seed: 0, train: TRAIN, test: TEST, source: 'random' };
    const many: SplitPlan = { ...plan(TRAIN, TEST), splits: Array.from({ length: cores + 1 }, (_, i) => ({ ...split, repeat: i })) };
    const check = validateRun(makeCohort(CLASSES, ROWS), many, config({ snf: { K: 3 }, graph: { k: 3 }, workers: cores + 1 }));
    const warning = check.warnings.find((w) => w.code === 'WORKERS_ABOVE_CORES');
    expect(warning?.message).toMatch(new RegExp(`starts ${cores + 1} worker threads on ${cores} cores`));
    const fitting = validateRun(makeCohort(CLASSES, ROWS), many, config({ snf: { K: 3 }, graph: { k: 3 }, workers: cores }));
    expect(fitting.warnings.some((w) => w.code === 'WORKERS_ABOVE_CORES')).toBe(false);
  });

  it('rejects a cohort with one class', () => {
    const error = validationError(() => validateRun(makeCohort(CLASSES.map(() => 'A'), ROWS), plan(TRAIN, TEST), config()));
    expect(error.code).toBe('TOO_FEW_CLASSES');
    expect(error.message).toMatch(/has 1 class \(A\); classification needs at least 2 classes/);
  });

  it('rejects an empty test part', () => {
    const error = validationError(() => validateRun(makeCohort(CLASSES, ROWS), plan([...TRAIN, ...TEST], []), config()));
    expect(error.message).toMatch(/the test part of outer split 1 has no sample/);
  });

  it('rejects a training part with a single class', () => {
    const error = validationError(() => validateRun(makeCohort(CLASSES, ROWS), plan([0, 2, 4, 6], [1, 3, 5, 7]), config()));
    expect(error.code).toBe('TOO_FEW_TRAINING_CLASSES');
    expect(error.message).toMatch(/training part of outer split 1 has samples of class A only/);
  });

  it('rejects a training part too small for a validation part', () => {
    const error = validationError(() => validateRun(makeCohort(CLASSES, ROWS), plan([0, 1], [2, 3, 4, 5, 6, 7]), config()));
    expect(error.message).toMatch(/^bml: outer split 1: @bml\/data: /);
  });

  it('rejects an omics that fewer than 2 training samples have', () => {
    const rows = ROWS.map((row, i) => (i < 5 ? [Number.NaN, Number.NaN] : row));
    const error = validationError(() => validateRun(makeCohort(CLASSES, rows), plan(TRAIN, TEST), config()));
    expect(error.code).toBe('TOO_FEW_SAMPLES');
    expect(error.message).toMatch(/only 1 sample of the training part of outer split 1 has mrna/);
  });

  it('names the split and omics when preprocessing leaves no feature', () => {
    const rows = ROWS.map((_, i) => [5, i === 0 ? 1 : Number.NaN]);
    const error = validationError(() => validateRun(makeCohort(CLASSES, rows), plan(TRAIN, TEST), config()));
    expect(error.code).toBe('NO_FEATURES_LEFT');
    expect(error.message).toMatch(
      /^bml: the training part of outer split 1: @bml\/data: mrna: no feature is left after preprocessing \(2 features: 0 without values, 1 missing in more than 10% of the fitting samples, 1 constant\); check the file, or raise maxMissingFraction/,
    );
  });

  it('judges features on the training part only', () => {
    // g2 varies only on the test samples, so it is constant where preprocessing is fitted.
    const rows = ROWS.map((row, i) => [row[0], i >= 6 ? i : 1]);
    const check = validateRun(makeCohort(CLASSES, rows), plan(TRAIN, TEST), config());
    expect(check.featuresKept).toEqual([{ mrna: 1 }]);
  });
});

describe('memory estimate', () => {
  const cohort = makeCohort(CLASSES, ROWS);

  it('grows with the square of the fused samples', () => {
    const split = (n: number): OuterSplit => ({
      repeat: 0,
      seed: 0,
      train: Array.from({ length: n }, (_, i) => i),
      test: [n],
      source: 'random',
    });
    const small = estimateMemory(cohort, [split(1000)], [{ mrna: 50 }], config(), 1e12);
    const large = estimateMemory(cohort, [split(4000)], [{ mrna: 50 }], config(), 1e12);
    // One omics keeps at least one N x N float64 matrix (half of it, packed symmetric).
    expect(small.parts.fusion).toBeGreaterThan(4 * 1000 * 1000);
    expect(large.parts.fusion / small.parts.fusion).toBeGreaterThan(12);
    expect(large.parts.fusion / small.parts.fusion).toBeLessThan(20);
  });

  it('counts the autoencoder only for omics wider than the code size', () => {
    const split: OuterSplit = { repeat: 0, seed: 0, train: TRAIN, test: TEST, source: 'random' };
    expect(estimateMemory(cohort, [split], [{ mrna: 100 }], config(), 1e12).parts.autoencoder).toBe(0);
    const wide = estimateMemory(cohort, [split], [{ mrna: 5000 }], config(), 1e12).parts.autoencoder;
    // Encoder and decoder 5000 -> 512 -> 256 -> 100 hold about 5.4 million float32 weights, five copies,
    // plus about 14 MB of activations for a batch of 64.
    expect(wide).toBeGreaterThan(5.4e6 * 4 * 5);
    expect(wide).toBeLessThan(5.6e6 * 4 * 5 + 20e6);
  });

  it('multiplies by the workers that train at the same time', () => {
    const split: OuterSplit = { repeat: 0, seed: 0, train: TRAIN, test: TEST, source: 'random' };
    const splits = [split, { ...split, repeat: 1 }, { ...split, repeat: 2 }];
    const kept = splits.map(() => ({ mrna: 2 }));
    const one = estimateMemory(cohort, splits, kept, config({ workers: 1 }), 1e12);
    const three = estimateMemory(cohort, splits, kept, config({ workers: 3 }), 1e12);
    expect(three.workers).toBe(3);
    expect(three.concurrentSplits).toBe(3);
    expect(three.bytes).toBeGreaterThanOrEqual(3 * one.bytes);
    // Each worker thread uses memory for its own runtime before it trains.
    expect(three.parts.workerThreads).toBe(3 * 96 * 2 ** 20);
    expect(one.parts.workerThreads).toBe(0);
  });

  it('rejects an estimate above the limit', () => {
    const split: OuterSplit = { repeat: 0, seed: 0, train: TRAIN, test: TEST, source: 'random' };
    const limited = config({ memory: { limitMB: 0.001 } });
    const memory = estimateMemory(cohort, [split], [{ mrna: 5000 }], limited);
    expect(memory.source).toBe('option');
    expect(memory.availableBytes).toBeCloseTo(0.001 * 2 ** 20, 6);
    const error = validationError(() => checkMemory(memory, cohort, limited));
    expect(error.code).toBe('MEMORY_LIMIT');
    expect(error.message).toMatch(
      /needs an estimated .* MiB \(largest split: .*autoencoder .*\), but 0\.0 MiB is available \(the limit memory\.limitMB = 0\.001\); lower preprocess\.maxFeatures \(now 5000\)/,
    );
  });

  it('accepts memory.limitMB as a positive number or null only', () => {
    expect(config({ memory: { limitMB: 512 } }).memory.limitMB).toBe(512);
    expect(config().memory.limitMB).toBeNull();
    expect(() => config({ memory: { limitMB: 0 } })).toThrow(/"memory\.limitMB" must be a positive number of MiB or null, got 0/);
    expect(() => config({ memory: { limitMB: '4G' } })).toThrow(/"memory\.limitMB" must be a number, got "4G"/);
  });

  it('rejects a similarity network beyond one WebAssembly memory', () => {
    const n = 40_000;
    const split: OuterSplit = { repeat: 0, seed: 0, train: Array.from({ length: n }, (_, i) => i), test: [n], source: 'random' };
    const transductive = config({ graph: { mode: 'transductive' } });
    const memory = estimateMemory(cohort, [split], [{ mrna: 50 }], transductive, 1e15);
    const error = validationError(() => checkMemory(memory, cohort, transductive));
    expect(error.message).toMatch(/more than the 4\.00 GiB one WebAssembly memory can address; use graph\.mode inductive/);
  });
});
