import { InvalidInputError } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { stratifiedKFold, stratifiedSplits, validationSplit } from '../src/index.js';

/** Labels with `counts[c]` samples of class c, interleaved so classes are not in blocks. */
function makeLabels(counts: number[]): Int32Array {
  const out: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        out.push(c);
        left[c]--;
      }
    });
  }
  return Int32Array.from(out);
}

function countByClass(labels: Int32Array, indices: number[], classes: number): number[] {
  const counts = new Array(classes).fill(0);
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

const PAM50 = makeLabels([112, 53, 248, 98]);

describe('stratifiedSplits', () => {
  it('takes round(n_c * 0.3) of each class for the test part', () => {
    const [split] = stratifiedSplits(PAM50, { repeats: 1, seed: 0 });
    // 112 * 0.3 = 33.6, 53 * 0.3 = 15.9, 248 * 0.3 = 74.4, 98 * 0.3 = 29.4
    expect(countByClass(PAM50, split.test, 4)).toEqual([34, 16, 74, 29]);
    expect(countByClass(PAM50, split.train, 4)).toEqual([78, 37, 174, 69]);
  });

  it('makes disjoint parts covering every sample, in ascending order', () => {
    for (const split of stratifiedSplits(PAM50, { repeats: 3, seed: 5 })) {
      const all = [...split.train, ...split.test].sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: PAM50.length }, (_, i) => i));
      expect(split.train).toEqual([...split.train].sort((a, b) => a - b));
      expect(split.test).toEqual([...split.test].sort((a, b) => a - b));
      expect(split.source).toBe('random');
    }
  });

  it('uses seed + r for repeat r', () => {
    const splits = stratifiedSplits(PAM50, { repeats: 3, seed: 10 });
    expect(splits.map((s) => [s.repeat, s.seed])).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    const single = stratifiedSplits(PAM50, { repeats: 1, seed: 12 })[0];
    expect(single.test).toEqual(splits[2].test);
  });

  it('is deterministic and changes with the seed', () => {
    const a = stratifiedSplits(PAM50, { repeats: 2, seed: 0 });
    const b = stratifiedSplits(PAM50, { repeats: 2, seed: 0 });
    const c = stratifiedSplits(PAM50, { repeats: 2, seed: 1 });
    expect(b).toEqual(a);
    expect(c[0].test).not.toEqual(a[0].test);
    expect(a[1].test).not.toEqual(a[0].test);
  });

  it('keeps one sample on each side of a two-sample class', () => {
    const labels = makeLabels([10, 2]);
    for (const fraction of [0.05, 0.3, 0.95]) {
      const [split] = stratifiedSplits(labels, { repeats: 1, seed: 0, testFraction: fraction });
      expect(countByClass(labels, split.test, 2)[1]).toBe(1);
      expect(countByClass(labels, split.train, 2)[1]).toBe(1);
    }
  });

  it('keeps a single-sample class in training with a warning naming it', () => {
    const labels = makeLabels([6, 6, 1]);
    const [split] = stratifiedSplits(labels, { repeats: 1, seed: 0, classNames: ['A', 'B', 'C'] });
    expect(countByClass(labels, split.train, 3)[2]).toBe(1);
    expect(split.warnings).toHaveLength(1);
    expect(split.warnings![0].code).toBe('CLASS_TOO_SMALL');
    expect(split.warnings![0].message).toMatch(
      /^class C has a single sample in the cohort, which stays in the training part/,
    );
  });

  it('rejects bad options', () => {
    expect(() => stratifiedSplits(PAM50, { repeats: 0, seed: 0 })).toThrow(InvalidInputError);
    expect(() => stratifiedSplits(PAM50, { repeats: 1, seed: 0, testFraction: 1 })).toThrow(
      /testFraction must be between 0 and 1/,
    );
    expect(() => stratifiedSplits(PAM50, { repeats: 1, seed: Number.NaN })).toThrow(
      /seed must be a finite number/,
    );
  });
});

describe('stratifiedKFold', () => {
  it('puts every sample in exactly one test fold', () => {
    const folds = stratifiedKFold(PAM50, { folds: 5, seed: 3 });
    expect(folds).toHaveLength(5);
    const seen = new Int32Array(PAM50.length);
    for (const fold of folds) {
      for (const i of fold.test) seen[i]++;
      expect(fold.train.length + fold.test.length).toBe(PAM50.length);
      expect(fold.source).toBe('kfold');
      expect(fold.seed).toBe(3);
    }
    expect(Array.from(seen).every((n) => n === 1)).toBe(true);
  });

  it('balances classes and fold sizes within one', () => {
    const folds = stratifiedKFold(PAM50, { folds: 5, seed: 0 });
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    const perClass = folds.map((f) => countByClass(PAM50, f.test, 4));
    for (let c = 0; c < 4; c++) {
      const counts = perClass.map((row) => row[c]);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic and changes with the seed', () => {
    expect(stratifiedKFold(PAM50, { folds: 4, seed: 1 })).toEqual(
      stratifiedKFold(PAM50, { folds: 4, seed: 1 }),
    );
    expect(stratifiedKFold(PAM50, { folds: 4, seed: 2 })[0].test).not.toEqual(
      stratifiedKFold(PAM50, { folds: 4, seed: 1 })[0].test,
    );
  });

  it('rejects a single-sample class, naming it and its size', () => {
    const labels = makeLabels([6, 6, 1]);
    let error: unknown;
    try {
      stratifiedKFold(labels, { folds: 5, seed: 0, classNames: ['A', 'B', 'C'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(
      /class C \(1 sample\) cannot be in the training and the test part/,
    );
    expect((error as Error).message).toMatch(
      /drop the class, merge it into a related class, or use leave-one-out/,
    );
  });

  it('warns about classes smaller than the number of folds', () => {
    const folds = stratifiedKFold(makeLabels([10, 3]), { folds: 5, seed: 0 });
    expect(folds[0].warnings![0].code).toBe('CLASS_SMALLER_THAN_FOLDS');
    expect(folds[0].warnings![0].message).toMatch(/class 1 \(3\) has fewer samples than the 5 folds/);
  });

  it('rejects fewer than two folds or more folds than samples', () => {
    expect(() => stratifiedKFold(PAM50, { folds: 1, seed: 0 })).toThrow(
      /folds must be an integer of at least 2/,
    );
    expect(() => stratifiedKFold(makeLabels([2, 2]), { folds: 5, seed: 0 })).toThrow(
      /must not exceed the number of samples/,
    );
  });
});

describe('validationSplit', () => {
  it('takes a stratified 20% of the training part', () => {
    const [outer] = stratifiedSplits(PAM50, { repeats: 1, seed: 0 });
    const { fit, validation, warnings } = validationSplit(PAM50, outer.train, { seed: 0 });
    // Training counts 78, 37, 174, 69: 20% rounds to 16, 7, 35, 14.
    expect(countByClass(PAM50, validation, 4)).toEqual([16, 7, 35, 14]);
    expect([...fit, ...validation].sort((a, b) => a - b)).toEqual(outer.train);
    expect(validation.some((i) => outer.test.includes(i))).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('is deterministic and changes with the seed', () => {
    const train = Array.from({ length: PAM50.length }, (_, i) => i).filter((i) => i % 3 !== 0);
    const a = validationSplit(PAM50, train, { seed: 4, fraction: 0.25 });
    expect(validationSplit(PAM50, train, { seed: 4, fraction: 0.25 })).toEqual(a);
    expect(validationSplit(PAM50, train, { seed: 5, fraction: 0.25 }).validation).not.toEqual(a.validation);
  });

  it('rejects indices outside the labels', () => {
    expect(() => validationSplit(PAM50, [0, 1, 9999], { seed: 0 })).toThrow(/training index 9999 is outside/);
  });

  it('rejects a training part with no class of two samples', () => {
    expect(() => validationSplit(makeLabels([1, 1]), [0, 1], { seed: 0 })).toThrow(
      /too small for a validation part/,
    );
  });
});
