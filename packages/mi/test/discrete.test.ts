import { describe, expect, it } from 'vitest';
import { fromRows, InvalidInputError, Rng } from '@bml/core';
import { contingencyTable, entropy, mutualInformation, mutualInformationFromTable } from '../src/index.js';

function randomLabels(n: number, classes: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.int(classes));
}

describe('contingencyTable', () => {
  it('counts label pairs with sorted labels', () => {
    const table = contingencyTable(['b', 'a', 'a', 'b', 'b'], [2, 1, 1, 1, 2]);

    expect(table.rowLabels).toEqual(['a', 'b']);
    expect(table.colLabels).toEqual([1, 2]);
    expect(Array.from(table.counts.data)).toEqual([2, 0, 1, 2]);
    expect(table.n).toBe(5);
  });

  it('keeps numbers and strings apart', () => {
    const table = contingencyTable([1, '1', 1], [0, 0, 0]);
    expect(table.rowLabels).toEqual([1, '1']);
  });

  it('rejects vectors of different lengths', () => {
    expect(() => contingencyTable([0, 1], [0, 1, 1])).toThrow(/differ in length \(a: 2, b: 3\)/);
  });

  it('rejects NaN and undefined labels', () => {
    expect(() => contingencyTable([0, Number.NaN], [0, 1])).toThrow(InvalidInputError);
    expect(() => contingencyTable([0, 1], [0, undefined as unknown as number])).toThrow(
      /b\[1\] is undefined/,
    );
  });
});

describe('entropy', () => {
  it('is log 4 for four equal classes', () => {
    expect(entropy([0, 1, 2, 3, 0, 1, 2, 3])).toBeCloseTo(Math.log(4), 14);
    expect(entropy(['w', 'x', 'y', 'z'], { base: 2 })).toBeCloseTo(2, 14);
  });

  it('matches a skewed distribution by hand', () => {
    // p = (3/4, 1/4): H = -(3/4 log 3/4 + 1/4 log 1/4) = 0.5623351446 nats = 0.8112781245 bits
    const labels = ['a', 'a', 'a', 'b'];
    expect(entropy(labels)).toBeCloseTo(0.5623351446, 9);
    expect(entropy(labels, { base: 2 })).toBeCloseTo(0.8112781245, 9);
  });

  it('is 0 for constant and empty vectors', () => {
    expect(entropy([7, 7, 7])).toBe(0);
    expect(entropy([])).toBe(0);
  });

  it('adds the Miller-Madow term', () => {
    // 2 occupied classes, N = 4: log 2 + (2 - 1) / (2 * 4)
    expect(entropy([0, 0, 1, 1], { correction: 'millerMadow' })).toBeCloseTo(Math.log(2) + 0.125, 14);
    expect(entropy([5], { correction: 'millerMadow' })).toBe(0);
  });

  it('rejects unknown options', () => {
    expect(() => entropy([0, 1], { base: 10 as unknown as 2 })).toThrow(InvalidInputError);
    expect(() => entropy([0, 1], { correction: 'jackknife' as unknown as 'none' })).toThrow(/correction/);
  });
});

describe('mutualInformation', () => {
  it('matches a 2 x 2 table by hand', () => {
    // N = 20, p = [[1/2, 0], [1/4, 1/4]], row marginals (1/2, 1/2), column marginals (3/4, 1/4):
    // I = 1/2 log(4/3) + 1/4 log(2/3) + 1/4 log 2 = 0.1438410362 - 0.1013662770 + 0.1732867951
    const table = fromRows([
      [10, 0],
      [5, 5],
    ]);
    const expected = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);

    expect(expected).toBeCloseTo(0.2157615543, 10);
    expect(mutualInformationFromTable(table)).toBeCloseTo(expected, 14);
    expect(mutualInformationFromTable(table, { base: 2 })).toBeCloseTo(0.3112781245, 9);
  });

  it('matches a 3 x 3 table by hand', () => {
    // N = 12, all marginals 1/3: I = sum p_ij log(9 p_ij)
    //   = 2 (1/4) log(9/4) + 2 (1/12) log(3/4) + (1/3) log 3 = 0.7237222
    const table = fromRows([
      [3, 1, 0],
      [1, 3, 0],
      [0, 0, 4],
    ]);
    const expected = 0.5 * Math.log(9 / 4) + (1 / 6) * Math.log(3 / 4) + (1 / 3) * Math.log(3);

    expect(expected).toBeCloseTo(0.7237222, 7);
    expect(mutualInformationFromTable(table)).toBeCloseTo(expected, 14);
  });

  it('agrees between labels and their table', () => {
    const a = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const b = ['x', 'x', 'x', 'y', 'x', 'y', 'y', 'y', 'z', 'z', 'z', 'z'];
    const table = fromRows([
      [3, 1, 0],
      [1, 3, 0],
      [0, 0, 4],
    ]);
    expect(mutualInformation(a, b)).toBeCloseTo(mutualInformationFromTable(table), 14);
  });

  it('equals the entropy for identical labels', () => {
    const labels = ['a', 'b', 'b', 'c', 'c', 'c'];
    expect(mutualInformation(labels, labels)).toBeCloseTo(entropy(labels), 14);
  });

  it('is 1 bit for a relabelled binary split', () => {
    expect(mutualInformation([0, 0, 1, 1], ['x', 'x', 'y', 'y'], { base: 2 })).toBeCloseTo(1, 14);
  });

  it('is 0 for an exactly independent table', () => {
    expect(mutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
  });

  it('is near 0 for independent random labels', () => {
    const rng = new Rng(11);
    const n = 10_000;
    const plugIn = mutualInformation(randomLabels(n, 4, rng), randomLabels(n, 4, rng));

    // The plug-in bias is about (4 - 1)(4 - 1) / (2N) = 0.00045 nats.
    expect(plugIn).toBeGreaterThan(0);
    expect(plugIn).toBeLessThan(0.002);
  });

  it('removes most bias with Miller-Madow', () => {
    const rng = new Rng(12);
    let plugInSum = 0;
    let correctedSum = 0;
    for (let r = 0; r < 20; r++) {
      const a = randomLabels(500, 4, rng);
      const b = randomLabels(500, 4, rng);
      plugInSum += mutualInformation(a, b);
      correctedSum += mutualInformation(a, b, { correction: 'millerMadow' });
    }
    // Expected plug-in bias 9 / 1000 = 0.009 nats, which the correction subtracts.
    expect(plugInSum / 20).toBeGreaterThan(0.006);
    expect(Math.abs(correctedSum / 20)).toBeLessThan(0.002);
  });

  it('applies the Miller-Madow term by hand', () => {
    // m_a = m_b = 2, m_ab = 4, N = 4: 0 + (2 + 2 - 4 - 1) / 8
    expect(mutualInformation([0, 0, 1, 1], [0, 1, 0, 1], { correction: 'millerMadow' })).toBeCloseTo(
      -0.125,
      15,
    );
  });

  it('is 0 for empty vectors and tables', () => {
    expect(mutualInformation([], [])).toBe(0);
    expect(mutualInformationFromTable(fromRows([[0, 0]]))).toBe(0);
  });

  it('rejects negative counts', () => {
    expect(() => mutualInformationFromTable(fromRows([[1, -1]]))).toThrow(/count \(0, 1\) is -1/);
  });
});
