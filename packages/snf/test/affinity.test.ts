import { describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, type BmlWarning, type Matrix } from '@bml/core';
import {
  affinityFromDistances,
  affinityMatrix,
  crossDistances,
  distanceMatrix,
  fitStandardization,
  logKernel,
  standardize,
} from '../src/index.js';
import { gaussianClusters } from './helpers.js';

const column = (values: number[]): Matrix => createMatrix(values.length, 1, Float64Array.from(values));
const scaled = (m: Matrix, c: number): Matrix =>
  createMatrix(
    m.rows,
    m.cols,
    m.data.map((v) => v * c),
  );

describe('paper kernel', () => {
  it('matches a hand-computed 4-sample case', () => {
    // x = 0, 1, 3, 7 on a line; K = 2, mu = 0.5, Euclidean distances.
    // Mean distance to the 2 nearest others: m0 = (1+3)/2 = 2, m1 = (1+2)/2 = 1.5,
    // m2 = (2+3)/2 = 2.5, m3 = (4+6)/2 = 5. eps_ij = (m_i + m_j + d_ij)/3 and
    // W_ij = exp(-d_ij^2 / (0.5 eps_ij)):
    //   eps01 = 1.5     -> W01 = exp(-1 / 0.75)       = exp(-4/3)
    //   eps02 = 2.5     -> W02 = exp(-9 / 1.25)       = exp(-7.2)
    //   eps03 = 14/3    -> W03 = exp(-49 / (7/3))     = exp(-21)
    //   eps12 = 2       -> W12 = exp(-4 / 1)          = exp(-4)
    //   eps13 = 12.5/3  -> W13 = exp(-36 / (6.25/3))  = exp(-17.28)
    //   eps23 = 11.5/3  -> W23 = exp(-16 / (5.75/3))  = exp(-48/5.75)
    const expected = [
      [1, Math.exp(-4 / 3), Math.exp(-7.2), Math.exp(-21)],
      [Math.exp(-4 / 3), 1, Math.exp(-4), Math.exp(-17.28)],
      [Math.exp(-7.2), Math.exp(-4), 1, Math.exp(-48 / 5.75)],
      [Math.exp(-21), Math.exp(-17.28), Math.exp(-48 / 5.75), 1],
    ].flat();
    const w = affinityMatrix(column([0, 1, 3, 7]), { K: 2, mu: 0.5, standardize: false });
    for (let e = 0; e < 16; e++) expect(w.data[e]).toBeCloseTo(expected[e], 14);
    const log = affinityMatrix(column([0, 1, 3, 7]), { K: 2, mu: 0.5, standardize: false, output: 'log' });
    expect(log.data[3]).toBeCloseTo(-21, 12);
  });

  it('is not scale invariant: scaling the features by c raises W to the power c', () => {
    const { x } = gaussianClusters(3, 3, 10, 5);
    const w1 = affinityMatrix(x, { K: 5, standardize: false });
    const w3 = affinityMatrix(scaled(x, 3), { K: 5, standardize: false });
    for (let e = 0; e < w1.data.length; e++) expect(w3.data[e]).toBeCloseTo(w1.data[e] ** 3, 12);
  });

  it('is unchanged by rescaling once the features are z-scored (the default)', () => {
    const { x } = gaussianClusters(3, 3, 10, 5);
    const a = affinityMatrix(x, { K: 5 });
    const b = affinityMatrix(scaled(x, 1000), { K: 5 });
    for (let e = 0; e < a.data.length; e++) expect(b.data[e]).toBeCloseTo(a.data[e], 12);
  });

  it('underflows far pairs to exactly 0 while their logarithm stays finite', () => {
    const x = column([0, 0.1, 0.2, 500]);
    const w = affinityMatrix(x, { K: 1, standardize: false });
    const log = affinityMatrix(x, { K: 1, standardize: false, output: 'log' });
    expect(w.data[3]).toBe(0);
    expect(Number.isFinite(log.data[3])).toBe(true);
    expect(w.data[1]).toBeGreaterThan(0);
  });
});

describe('density kernels (snftool, snfpy)', () => {
  it("evaluate the normal density with the reference codes' scale", () => {
    // rho = 2, m_i = 1, m_j = 3, mu = 0.5: sd = 0.5 (1 + 3 + 2) / 3 = 1 (up to eps)
    const expected = Math.log(Math.exp(-2) / Math.sqrt(2 * Math.PI));
    expect(logKernel('snfpy', 2, 1, 3, 0.5)).toBeCloseTo(expected, 12);
    expect(logKernel('snftool', 2, 1, 3, 0.5)).toBeCloseTo(expected, 12);
  });

  it('scale as 1/c (euclidean) or 1/c^2 (sqeuclidean) when the features scale by c', () => {
    const { x } = gaussianClusters(5, 2, 10, 4);
    for (const [metric, power] of [
      ['euclidean', 1],
      ['sqeuclidean', 2],
    ] as const) {
      const a = affinityMatrix(x, { kernel: 'snfpy', metric, K: 5, standardize: false });
      const b = affinityMatrix(scaled(x, 2), { kernel: 'snfpy', metric, K: 5, standardize: false });
      for (let e = 0; e < a.data.length; e++) expect(b.data[e] * 2 ** power).toBeCloseTo(a.data[e], 10);
    }
  });
});

describe('degenerate inputs', () => {
  // four identical samples (distance 0, and a zero local scale with K = 2), two others
  const x = createMatrix(6, 2, Float64Array.from([1, 2, 1, 2, 1, 2, 1, 2, 0, 5, 3, -1]));

  it.each(['paper', 'snftool', 'snfpy'] as const)(
    'keeps zero distances and zero local scales finite (%s)',
    (kernel) => {
      const warnings: BmlWarning[] = [];
      const w = affinityMatrix(x, { kernel, K: 2, standardize: false, onWarning: (v) => warnings.push(v) });
      expect(w.data.every(Number.isFinite)).toBe(true);
      expect(w.data.every((v) => v >= 0)).toBe(true);
      if (kernel === 'paper') expect(w.data[1]).toBe(1);
      expect(warnings.map((v) => v.code)).toContain('DUPLICATE_SAMPLES');
      expect(warnings[0].ids).toEqual(['#0', '#1', '#2', '#3']);
    },
  );

  it('flags an all-zero row under the cosine metric and gives it similarity 0', () => {
    const z = createMatrix(4, 3, Float64Array.from([1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]));
    const warnings: BmlWarning[] = [];
    const d = distanceMatrix(z, { metric: 'cosine', ids: ['a', 'b', 'c', 'd'], onWarning: (w) => warnings.push(w) });
    expect(d.data.slice(4, 8)).toEqual(Float64Array.from([1, 0, 1, 1]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].code).toBe('ZERO_ROW_COSINE');
    expect(warnings[0].ids).toEqual(['b']);
    const w = affinityMatrix(z, { metric: 'cosine', K: 2, standardize: false });
    expect(w.data.every(Number.isFinite)).toBe(true);
  });

  it('refuses K >= samples with a typed error naming both', () => {
    const small = gaussianClusters(1, 2, 3, 2).x;
    expect(() => affinityMatrix(small, { K: 6 })).toThrow(InvalidInputError);
    expect(() => affinityMatrix(small, { K: 6 })).toThrow(
      /K must be smaller than the number of samples \(K = 6, samples = 6\)/,
    );
    try {
      affinityMatrix(small, { K: 20 });
    } catch (error) {
      expect((error as InvalidInputError).code).toBe('K_TOO_LARGE');
    }
  });

  it('clamps K to samples - 1 with a warning when asked', () => {
    const small = gaussianClusters(1, 2, 3, 2).x;
    const warnings: BmlWarning[] = [];
    const clamped = affinityMatrix(small, { K: 20, onLargeK: 'clamp', onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.code)).toEqual(['K_CLAMPED']);
    expect(warnings[0].message).toMatch(/using K = 5/);
    expect(clamped.data).toEqual(affinityMatrix(small, { K: 5 }).data);
  });

  it('rejects a row with some missing values, and masks a row that is entirely missing', () => {
    const partial = createMatrix(3, 2, Float64Array.from([1, NaN, 2, 3, 4, 5]));
    expect(() => affinityMatrix(partial, { K: 1 })).toThrow(/impute them first/);
    const whole = createMatrix(4, 2, Float64Array.from([NaN, NaN, 2, 3, 4, 5, 0, 1]));
    const w = affinityMatrix(whole, { K: 1 });
    expect(Number.isNaN(w.data[0])).toBe(true);
    expect(Number.isNaN(w.data[4])).toBe(true);
    expect(w.data[5]).toBe(1);
  });
});

describe('distances and z-scores', () => {
  it('computes the three metrics between rows', () => {
    const x = createMatrix(2, 2, Float64Array.from([0, 3, 4, 0]));
    expect(distanceMatrix(x).data[1]).toBeCloseTo(5, 15);
    expect(distanceMatrix(x, { metric: 'sqeuclidean' }).data[1]).toBe(25);
    expect(distanceMatrix(x, { metric: 'cosine' }).data[1]).toBe(1);
    const y = createMatrix(1, 2, Float64Array.from([3, 3]));
    expect(crossDistances(x, y).data[0]).toBeCloseTo(3, 15);
  });

  it('z-scores with n - 1 and maps a zero sd to 1', () => {
    const x = createMatrix(3, 2, Float64Array.from([1, 7, 2, 7, 3, 7]));
    const s = fitStandardization(x);
    expect(Array.from(s.mean)).toEqual([2, 7]);
    expect(Array.from(s.sd)).toEqual([1, 1]);
    expect(Array.from(standardize(x).data)).toEqual([-1, 0, 0, 0, 1, 0]);
  });

  it('builds the same affinity from a distance matrix', () => {
    const { x } = gaussianClusters(2, 2, 8, 3);
    const d = distanceMatrix(standardize(x));
    const a = affinityFromDistances(d, { K: 4 });
    const b = affinityMatrix(x, { K: 4 });
    for (let e = 0; e < a.data.length; e++) expect(a.data[e]).toBeCloseTo(b.data[e], 13);
  });
});
