import { describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, Rng } from '@bml/core';
import { mutualInformationGate, normalizedMutualInfo, pairwiseMutualInfo } from '../src/index.js';

describe('pairwiseMutualInfo', () => {
  const labels = {
    mrna: [0, 1, 1, 2, 2, 0],
    cnv: [0, 1, 1, 1, 1, 0],
    rppa: [0, 1, 2, 2, 2, 0],
  };

  it('returns every pair in key order', () => {
    const result = pairwiseMutualInfo(labels);

    expect(Object.keys(result)).toEqual(['mrna|cnv', 'mrna|rppa', 'cnv|rppa']);
    expect(result['mrna|cnv']).toBeCloseTo(normalizedMutualInfo(labels.mrna, labels.cnv), 15);
    expect(result['cnv|rppa']).toBeCloseTo(normalizedMutualInfo(labels.cnv, labels.rppa), 15);
  });

  it('matches a hand-computed pair', () => {
    // mrna (2, 2, 2 per class) vs cnv (2, 4): cnv is a coarsening of mrna, so I = H(cnv)
    // = -(1/3 log 1/3 + 2/3 log 2/3), and NMI = 2 H(cnv) / (log 3 + H(cnv)).
    const hCnv = -((1 / 3) * Math.log(1 / 3) + (2 / 3) * Math.log(2 / 3));
    expect(pairwiseMutualInfo(labels)['mrna|cnv']).toBeCloseTo((2 * hCnv) / (Math.log(3) + hCnv), 14);
  });

  it('passes the normalization through', () => {
    const result = pairwiseMutualInfo(labels, { normalization: 'min' });
    expect(result['mrna|cnv']).toBeCloseTo(1, 14);
  });

  it('is empty for fewer than two names', () => {
    expect(pairwiseMutualInfo({ mrna: [0, 1] })).toEqual({});
  });

  it('rejects names with a separator', () => {
    expect(() => pairwiseMutualInfo({ 'a|b': [0], c: [0] })).toThrow(InvalidInputError);
  });

  it('rejects vectors of different lengths', () => {
    expect(() => pairwiseMutualInfo({ a: [0, 1], b: [0] })).toThrow(/"b" has 1 labels but "a" has 2/);
  });
});

describe('mutualInformationGate', () => {
  it('passes shared class structure', () => {
    const result = mutualInformationGate({ low: [0, 0, 1, 1, 2, 2], strong: [0, 0, 1, 1, 2, 1] });

    expect(result.estimator).toBe('nmi');
    expect(result.threshold).toBe(0.2);
    expect(result.value).toBeGreaterThan(0.2);
    expect(result.passed).toBe(true);
  });

  it('fails a constant low-information labelling', () => {
    const result = mutualInformationGate({ low: [0, 0, 0, 0], strong: [0, 1, 2, 3] });
    expect(result.value).toBe(0);
    expect(result.passed).toBe(false);
  });

  it('compares strictly with the threshold', () => {
    const low = [0, 0, 1, 1, 2, 2];
    const strong = [0, 0, 1, 1, 2, 1];
    const value = normalizedMutualInfo(low, strong);

    expect(mutualInformationGate({ low, strong, threshold: value }).passed).toBe(false);
    expect(mutualInformationGate({ low, strong, threshold: value - 1e-12 }).passed).toBe(true);
  });

  it('supports AMI', () => {
    const result = mutualInformationGate({ low: [0, 0, 1, 1], strong: [0, 1, 0, 1], estimator: 'ami' });
    expect(result.value).toBeCloseTo(-0.5, 12);
    expect(result.passed).toBe(false);
  });

  it('uses the information coefficient with KSG', () => {
    const rng = new Rng(8);
    const n = 600;
    const low = createMatrix(n, 1);
    const strong = createMatrix(n, 1);
    for (let i = 0; i < n; i++) {
      low.data[i] = rng.normal();
      strong.data[i] = 0.8 * low.data[i] + 0.6 * rng.normal();
    }
    const result = mutualInformationGate({ low, strong, estimator: 'ksg' });

    // The information coefficient of a Gaussian pair is |rho| = 0.8.
    expect(result.value).toBeGreaterThan(0.7);
    expect(result.value).toBeLessThan(0.9);
    expect(result.passed).toBe(true);
  });

  it('rejects an invalid threshold or estimator', () => {
    expect(() => mutualInformationGate({ low: [0], strong: [0], threshold: Number.NaN })).toThrow(
      InvalidInputError,
    );
    expect(() => mutualInformationGate({ low: [0], strong: [0], estimator: 'vi' as 'nmi' })).toThrow(
      /'nmi', 'ami' or 'ksg'/,
    );
  });
});
