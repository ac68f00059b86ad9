import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, averageRanks, confusionMatrix, fromRows, macroAucOvr, macroF1 } from '../src/index.js';

describe('macroF1', () => {
  it('matches a hand-computed three-class case', () => {
    // truth   0 0 0 1 1 2
    // predict 0 0 1 1 2 2
    // class 0: tp 2, support 3, predicted 2 -> F1 = 4/5
    // class 1: tp 1, support 2, predicted 2 -> F1 = 2/4
    // class 2: tp 1, support 1, predicted 2 -> F1 = 2/3
    const result = macroF1([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
    expect(result.perClass[0]).toBeCloseTo(0.8, 12);
    expect(result.perClass[1]).toBeCloseTo(0.5, 12);
    expect(result.perClass[2]).toBeCloseTo(2 / 3, 12);
    expect(result.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('leaves a class absent from truth and predictions out of the mean', () => {
    const result = macroF1([0, 0, 1], [0, 1, 1], 3);
    expect(result.perClass[2]).toBeNull();
    expect(result.absent).toEqual([2]);
    // class 0: 2*1/(2+1) = 2/3, class 1: 2*1/(1+2) = 2/3
    expect(result.macroF1).toBeCloseTo(2 / 3, 12);
  });

  it('scores a present class that is never predicted correctly as 0', () => {
    const result = macroF1([0, 1, 1], [0, 0, 0], 2);
    expect(result.perClass[1]).toBe(0);
    expect(result.recall[1]).toBe(0);
    // class 0: tp 1, support 1, predicted 3 -> 2/4
    expect(result.macroF1).toBeCloseTo(0.25, 12);
  });

  it('rejects codes outside the class range', () => {
    expect(() => macroF1([0, 3], [0, 1], 2)).toThrow(/out of range/);
  });
});

describe('accuracy and confusion matrix', () => {
  it('counts hits', () => {
    expect(accuracy([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    expect(confusionMatrix([0, 1, 2, 2], [0, 1, 1, 2], 3)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
    ]);
  });
});

describe('macroAucOvr', () => {
  it('matches a hand-computed binary case with a tie', () => {
    // positives score 0.9, 0.4; negatives 0.4, 0.1.
    // pairs: (0.9>0.4) 1, (0.9>0.1) 1, (0.4=0.4) 0.5, (0.4>0.1) 1 -> 3.5/4
    const prob = fromRows([
      [0.1, 0.9],
      [0.6, 0.4],
      [0.6, 0.4],
      [0.9, 0.1],
    ]);
    const result = macroAucOvr([1, 1, 0, 0], prob);
    expect(result.perClass[1]).toBeCloseTo(0.875, 12);
    expect(result.perClass[0]).toBeCloseTo(0.875, 12);
    expect(result.auc).toBeCloseTo(0.875, 12);
  });

  it('skips a class without positives', () => {
    const prob = fromRows([
      [0.7, 0.2, 0.1],
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
    ]);
    const result = macroAucOvr([0, 1, 0], prob);
    expect(result.skipped).toEqual([2]);
    expect(result.perClass[2]).toBeNull();
    expect(result.auc).toBeCloseTo(1, 12);
  });
});

describe('ranks and argmax', () => {
  it('averages tied ranks', () => {
    expect(Array.from(averageRanks([3, 1, 3, 2]))).toEqual([3.5, 1, 3.5, 2]);
  });

  it('takes the first maximum on ties', () => {
    expect(Array.from(argmaxRows(fromRows([[1, 1, 0], [0, 2, 3]])))).toEqual([0, 2]);
  });
});
