import { describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, Rng } from '@bml/core';
import {
  informationCoefficient,
  ksgMutualInfo,
  mutualInformation,
  mutualInformationGate,
  normalizedMutualInfo,
  pairwiseInformation,
  pairwiseMutualInfo,
} from '../src/index.js';

/** N samples of two standard Gaussians with correlation rho, as one-column matrices. */
function correlatedColumns(n: number, rho: number, seed: number) {
  const rng = new Rng(seed);
  const x = createMatrix(n, 1);
  const y = createMatrix(n, 1);
  for (let i = 0; i < n; i++) {
    x.data[i] = rng.normal();
    y.data[i] = rho * x.data[i] + Math.sqrt(1 - rho * rho) * rng.normal();
  }
  return { x, y };
}

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

describe('pairwiseInformation', () => {
  const labels = {
    mrna: [0, 1, 1, 2, 2, 0],
    cnv: [0, 1, 1, 1, 1, 0],
    rppa: [0, 1, 2, 2, 2, 0],
  };

  it('matches a hand-computed pair', () => {
    // mrna [0, 1, 1, 0] vs cnv [0, 1, 1, 1]: table [[1, 1], [0, 2]], N = 4, so
    // I = 1/4 log 2 + 1/4 log(2/3) + 1/2 log(4/3) = 0.2157616 nats,
    // H(mrna) = log 2, H(cnv) = -(1/4 log 1/4 + 3/4 log 3/4) = 0.5623351.
    const result = pairwiseInformation({ mrna: [0, 1, 1, 0], cnv: [0, 1, 1, 1] });
    const mi = 0.25 * Math.log(2) + 0.25 * Math.log(2 / 3) + 0.5 * Math.log(4 / 3);
    const hCnv = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));

    expect(Object.keys(result)).toEqual(['mrna|cnv']);
    expect(result['mrna|cnv'].mi).toBeCloseTo(mi, 14);
    expect(result['mrna|cnv'].mi).toBeCloseTo(0.2157616, 7);
    expect(result['mrna|cnv'].nmi).toBeCloseTo(mi / ((Math.log(2) + hCnv) / 2), 14);
    expect(result['mrna|cnv'].ksg).toBeNull();
    expect(result['mrna|cnv'].ksgCoefficient).toBeNull();
  });

  it('agrees with the single-pair functions', () => {
    const result = pairwiseInformation(labels);

    expect(Object.keys(result)).toEqual(['mrna|cnv', 'mrna|rppa', 'cnv|rppa']);
    expect(result['cnv|rppa'].nmi).toBe(normalizedMutualInfo(labels.cnv, labels.rppa));
    expect(result['cnv|rppa'].mi).toBe(mutualInformation(labels.cnv, labels.rppa));
    expect(result['mrna|rppa'].nmi).toBe(pairwiseMutualInfo(labels)['mrna|rppa']);
  });

  it('adds KSG on the representations', () => {
    const { x, y } = correlatedColumns(400, 0.8, 3);
    const classes = (m: { data: Float64Array }) => Array.from(m.data, (v) => (v > 0 ? 1 : 0));
    const result = pairwiseInformation({ a: classes(x), b: classes(y) }, { representations: { a: x, b: y } });
    const ksg = ksgMutualInfo(x, y);

    expect(result['a|b'].ksg).toBe(ksg);
    expect(result['a|b'].ksgCoefficient).toBeCloseTo(informationCoefficient(ksg), 14);
    // The information coefficient of a Gaussian pair is |rho|.
    expect(result['a|b'].ksgCoefficient).toBeGreaterThan(0.7);
    expect(result['a|b'].ksgCoefficient).toBeLessThan(0.9);
  });

  it('passes KSG options through', () => {
    const { x, y } = correlatedColumns(300, 0.5, 4);
    const representations = { a: x, b: y };
    const labelsAB = { a: new Array(300).fill(0), b: new Array(300).fill(1) };
    const result = pairwiseInformation(labelsAB, { representations, ksg: { k: 5, seed: 2 } });
    expect(result['a|b'].ksg).toBe(ksgMutualInfo(x, y, { k: 5, seed: 2 }));
  });

  it('reports bits with base 2', () => {
    const { x, y } = correlatedColumns(300, 0.6, 5);
    const labelsAB = { a: Array.from(x.data, (v) => (v > 0 ? 1 : 0)), b: Array.from(y.data, (v) => (v > 0 ? 1 : 0)) };
    const representations = { a: x, b: y };
    const nats = pairwiseInformation(labelsAB, { representations })['a|b'];
    const bits = pairwiseInformation(labelsAB, { representations, base: 2 })['a|b'];

    expect(bits.mi).toBeCloseTo(nats.mi / Math.LN2, 14);
    expect(bits.ksg!).toBeCloseTo(nats.ksg! / Math.LN2, 14);
    expect(bits.nmi).toBe(nats.nmi);
    expect(bits.ksgCoefficient).toBe(nats.ksgCoefficient);
  });

  it('leaves KSG null with at most k samples', () => {
    const result = pairwiseInformation({ a: [0, 1, 1], b: [0, 1, 0] }, { representations: { a: [1, 2, 3], b: [3, 1, 2] } });
    expect(result['a|b'].ksg).toBeNull();
    expect(result['a|b'].ksgCoefficient).toBeNull();
    expect(result['a|b'].nmi).toBeGreaterThan(0);
  });

  it('rejects missing or mismatched representations', () => {
    expect(() => pairwiseInformation({ a: [0, 1], b: [1, 0] }, { representations: { a: [1, 2] } })).toThrow(
      /no representation for "b"/,
    );
    expect(() =>
      pairwiseInformation({ a: [0, 1], b: [1, 0] }, { representations: { a: [1, 2], b: [1, 2, 3] } }),
    ).toThrow(/representation of "b" has 3 rows but there are 2 labels/);
    expect(() => pairwiseInformation({ 'a|b': [0], c: [0] })).toThrow(InvalidInputError);
    expect(() => pairwiseInformation({ a: [0], b: [0] }, { base: 10 as unknown as 2 })).toThrow(/base/);
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
    expect(result.estimate).toBe(ksgMutualInfo(low, strong));
    expect(result.value).toBe(informationCoefficient(result.estimate));
  });

  it('takes the KSG estimate in nats whatever the base', () => {
    const { x, y } = correlatedColumns(300, 0.7, 9);
    const result = mutualInformationGate({ low: x, strong: y, estimator: 'ksg', ksg: { base: 2 } });
    expect(result.estimate).toBe(ksgMutualInfo(x, y));
  });

  it('reports the estimate of a label gate', () => {
    const low = [0, 0, 1, 1, 2, 2];
    const strong = [0, 0, 1, 1, 2, 1];
    const result = mutualInformationGate({ low, strong });
    expect(result.estimate).toBe(result.value);
    expect(result.value).toBe(normalizedMutualInfo(low, strong));
  });

  it('rejects an invalid threshold or estimator', () => {
    expect(() => mutualInformationGate({ low: [0], strong: [0], threshold: Number.NaN })).toThrow(
      InvalidInputError,
    );
    expect(() => mutualInformationGate({ low: [0], strong: [0], estimator: 'vi' as 'nmi' })).toThrow(
      /'nmi', 'ami' or 'ksg'/,
    );
    expect(() => mutualInformationGate({ low: [0], strong: [0], estimator: 'mine' as 'nmi' })).toThrow(
      /neuralMutualInformationGate from @bml\/mi\/neural/,
    );
  });
});
