import { describe, expect, it } from 'vitest';
import { InvalidInputError, Rng } from '@bml/core';
import {
  adjustedMutualInfo,
  entropy,
  expectedMutualInfo,
  mutualInformation,
  normalizedMutualInfo,
} from '../src/index.js';

// a = [0, 0, 0, 1, 1, 1], b = [0, 0, 1, 1, 2, 2]: table [[2, 1, 0], [0, 1, 2]], N = 6.
// The two cells of 2 give (1/3) log((1/3) / (1/6)) each and the cells of 1 give 0,
// so I = (2/3) log 2, H(a) = log 2 and H(b) = log 3.
const a6 = [0, 0, 0, 1, 1, 1];
const b6 = [0, 0, 1, 1, 2, 2];
const mi6 = (2 / 3) * Math.log(2);

// Published example of scikit-learn's test suite (sklearn/metrics/cluster/tests/test_supervised.py).
const labelsA = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3];
const labelsB = [1, 1, 1, 1, 2, 1, 2, 2, 2, 2, 3, 1, 3, 3, 3, 2, 2];

/** Visits every permutation of `items` (Heap's algorithm). */
function forEachPermutation<T>(items: T[], visit: (permutation: T[]) => void): void {
  const a = items.slice();
  const c = new Array(a.length).fill(0);
  visit(a);
  let i = 0;
  while (i < a.length) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i], a[j]];
      visit(a);
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
}

describe('normalizedMutualInfo', () => {
  it('matches each normalization by hand', () => {
    expect(mutualInformation(a6, b6)).toBeCloseTo(mi6, 14);
    expect(normalizedMutualInfo(a6, b6)).toBeCloseTo(mi6 / ((Math.log(2) + Math.log(3)) / 2), 14);
    expect(normalizedMutualInfo(a6, b6)).toBeCloseTo(0.5158037, 7);
    expect(normalizedMutualInfo(a6, b6, { normalization: 'geometric' })).toBeCloseTo(
      mi6 / Math.sqrt(Math.log(2) * Math.log(3)),
      14,
    );
    expect(normalizedMutualInfo(a6, b6, { normalization: 'max' })).toBeCloseTo(mi6 / Math.log(3), 14);
    expect(normalizedMutualInfo(a6, b6, { normalization: 'min' })).toBeCloseTo(2 / 3, 14);
  });

  it('is 1 for a relabelled partition', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1, 2], ['c', 'c', 'a', 'a', 'b'])).toBeCloseTo(1, 14);
  });

  it('is symmetric', () => {
    expect(normalizedMutualInfo(labelsB, labelsA)).toBeCloseTo(normalizedMutualInfo(labelsA, labelsB), 15);
  });

  it('is 0 when a labelling is constant', () => {
    expect(normalizedMutualInfo([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(normalizedMutualInfo([1, 1, 1, 1], [2, 2, 2, 2])).toBe(0);
    expect(normalizedMutualInfo([], [])).toBe(0);
  });

  it('is near 0 for independent labels', () => {
    const rng = new Rng(3);
    const a = Array.from({ length: 5000 }, () => rng.int(4));
    const b = Array.from({ length: 5000 }, () => rng.int(4));
    expect(normalizedMutualInfo(a, b)).toBeLessThan(0.002);
  });

  it('applies Miller-Madow to every term', () => {
    // N = 6: H_MM(a) = log 2 + 1/12, H_MM(b) = log 3 + 2/12, I_MM = I + (2 + 3 - 4 - 1) / 12 = I
    const expected = mi6 / ((Math.log(2) + 1 / 12 + Math.log(3) + 2 / 12) / 2);
    expect(normalizedMutualInfo(a6, b6, { correction: 'millerMadow' })).toBeCloseTo(expected, 14);
  });

  it('rejects an unknown normalization', () => {
    expect(() => normalizedMutualInfo(a6, b6, { normalization: 'harmonic' as 'max' })).toThrow(
      InvalidInputError,
    );
  });
});

describe('expectedMutualInfo', () => {
  it('matches a 2 x 2 case by hand', () => {
    // a = b = two clusters of 2, N = 4. Per cell only n_ij = 2 contributes:
    // (2/4) log(4 * 2 / 4) with probability C(2,2) C(2,0) / C(4,2) = 1/6, so E[I] = 4 log 2 / 12.
    expect(expectedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1])).toBeCloseTo(Math.log(2) / 3, 14);
  });

  it('equals the mean over all permutations', () => {
    const a = [0, 0, 0, 1, 1, 2, 2];
    const b = [0, 0, 1, 1, 1, 1, 2];
    let sum = 0;
    let count = 0;
    forEachPermutation(b, (permuted) => {
      sum += mutualInformation(a, permuted);
      count++;
    });

    expect(count).toBe(5040);
    expect(expectedMutualInfo(a, b)).toBeCloseTo(sum / count, 12);
  });

  it('matches the published scikit-learn value', () => {
    expect(expectedMutualInfo(labelsA, labelsB)).toBeCloseTo(0.15042, 5);
  });

  it('converts to bits', () => {
    const nats = expectedMutualInfo(a6, b6);
    expect(expectedMutualInfo(a6, b6, { base: 2 })).toBeCloseTo(nats / Math.LN2, 14);
  });
});

describe('adjustedMutualInfo', () => {
  it('is -0.5 for a balanced 2 x 2 independent case', () => {
    // I = 0, E[I] = log 2 / 3, mean entropy log 2: (0 - 1/3) / (1 - 1/3) = -1/2
    expect(adjustedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
  });

  it('is 1 for identical partitions', () => {
    expect(adjustedMutualInfo([1, 1, 2, 2], [2, 2, 3, 3])).toBeCloseTo(1, 14);
    expect(adjustedMutualInfo(labelsA, labelsA)).toBeCloseTo(1, 14);
  });

  it('matches published scikit-learn values', () => {
    expect(mutualInformation(labelsA, labelsB)).toBeCloseTo(0.41022, 5);
    expect(adjustedMutualInfo(labelsA, labelsB)).toBeCloseTo(0.27821, 5);
    // scikit-learn before 0.22 normalised by the maximum entropy and recorded 0.27502.
    expect(adjustedMutualInfo(labelsA, labelsB, { normalization: 'max' })).toBeCloseTo(0.27502, 5);
  });

  it('matches the published value on repeated labels', () => {
    const a = Array.from({ length: 110 }, () => labelsA).flat();
    const b = Array.from({ length: 110 }, () => labelsB).flat();
    expect(adjustedMutualInfo(a, b)).toBeCloseTo(0.38, 2);
  });

  it('matches the formula with its parts', () => {
    const mean = (entropy(a6) + entropy(b6)) / 2;
    const expected = expectedMutualInfo(a6, b6);
    expect(adjustedMutualInfo(a6, b6)).toBeCloseTo((mi6 - expected) / (mean - expected), 14);
  });

  it('is near 0 for independent labels', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 2000 }, () => rng.int(6));
    const b = Array.from({ length: 2000 }, () => rng.int(3));
    expect(Math.abs(adjustedMutualInfo(a, b))).toBeLessThan(0.01);
  });

  it('is 0 for constant or all-distinct labels', () => {
    expect(adjustedMutualInfo([0, 0, 0], [0, 1, 2])).toBe(0);
    expect(adjustedMutualInfo([4, 4], [4, 4])).toBe(0);
    const distinct = Array.from({ length: 50 }, (_, i) => i);
    expect(adjustedMutualInfo(distinct, distinct)).toBe(0);
  });
});
