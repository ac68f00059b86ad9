import { describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, Rng, type Matrix } from '@bml/core';
import { digamma, informationCoefficient, ksgMutualInfo } from '../src/index.js';

/** N samples of d independent pairs (x_c, y_c), each standard bivariate Gaussian with correlation rho. */
function gaussianPairs(n: number, d: number, rho: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const x = createMatrix(n, d);
  const y = createMatrix(n, d);
  for (let i = 0; i < n * d; i++) {
    const u = rng.normal();
    x.data[i] = u;
    y.data[i] = rho * u + Math.sqrt(1 - rho * rho) * rng.normal();
  }
  return { x, y };
}

function closedForm(d: number, rho: number): number {
  return (-d / 2) * Math.log(1 - rho * rho);
}

function maxNorm(m: Matrix, i: number, j: number): number {
  let d = 0;
  for (let c = 0; c < m.cols; c++) d = Math.max(d, Math.abs(m.data[i * m.cols + c] - m.data[j * m.cols + c]));
  return d;
}

/** KSG algorithm 1 by exhaustive search, as a reference for the tree-based search. */
function bruteForceKsg(x: Matrix, y: Matrix, k: number): number {
  const n = x.rows;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const distances: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i) distances.push(Math.max(maxNorm(x, i, j), maxNorm(y, i, j)));
    distances.sort((p, q) => p - q);
    const eps = distances[k - 1];
    let nx = 0;
    let ny = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (maxNorm(x, i, j) < eps) nx++;
      if (maxNorm(y, i, j) < eps) ny++;
    }
    sum += digamma(nx + 1) + digamma(ny + 1);
  }
  return digamma(k) + digamma(n) - sum / n;
}

describe('ksgMutualInfo', () => {
  it('equals exhaustive search', () => {
    const options = { jitter: 0, standardize: false };
    for (const [d, rho, k] of [
      [1, 0.9, 3],
      [3, 0.5, 3],
      [2, 0.3, 7],
    ]) {
      const { x, y } = gaussianPairs(300, d, rho, 40 + d);
      expect(ksgMutualInfo(x, y, { ...options, k })).toBeCloseTo(bruteForceKsg(x, y, k), 12);
    }
  });

  it('is near the closed form for rho 0.5', () => {
    const truth = closedForm(1, 0.5);
    for (const seed of [1, 2, 3]) {
      const { x, y } = gaussianPairs(1000, 1, 0.5, seed);
      expect(Math.abs(ksgMutualInfo(x, y) - truth)).toBeLessThan(0.05);
    }
  });

  it('is near the closed form for rho 0.9', () => {
    const truth = closedForm(1, 0.9);
    for (const seed of [1, 2, 3]) {
      const { x, y } = gaussianPairs(1000, 1, 0.9, seed);
      expect(Math.abs(ksgMutualInfo(x, y) - truth)).toBeLessThan(0.05);
    }
  });

  it('is near 0 for independent inputs', () => {
    // The estimate scatters around 0 with a standard deviation of about 0.017 nats at N = 2000.
    let sum = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { x, y } = gaussianPairs(2000, 2, 0, seed);
      const estimate = ksgMutualInfo(x, y);
      expect(Math.abs(estimate)).toBeLessThan(0.06);
      sum += estimate;
    }
    expect(Math.abs(sum / 5)).toBeLessThan(0.02);
  });

  it('handles five-dimensional pairs', () => {
    // KSG underestimates in higher dimension. At N = 2000 the bias for d = 5, rho = 0.5 is about 0.2 nats.
    const { x, y } = gaussianPairs(2000, 5, 0.5, 4);
    const estimate = ksgMutualInfo(x, y);
    expect(estimate).toBeGreaterThan(closedForm(5, 0.5) - 0.3);
    expect(estimate).toBeLessThan(closedForm(5, 0.5) + 0.05);
  });

  it('does not change with the scale of a variable', () => {
    const { x, y } = gaussianPairs(500, 1, 0.7, 6);
    const scaled = createMatrix(
      500,
      1,
      x.data.map((v) => 1000 * v + 5),
    );
    expect(ksgMutualInfo(scaled, y)).toBeCloseTo(ksgMutualInfo(x, y), 6);
  });

  it('reports bits with base 2', () => {
    const { x, y } = gaussianPairs(500, 1, 0.8, 7);
    const nats = ksgMutualInfo(x, y);
    expect(ksgMutualInfo(x, y, { base: 'e' })).toBe(nats);
    expect(ksgMutualInfo(x, y, { base: 2 })).toBeCloseTo(nats / Math.LN2, 14);
    expect(() => ksgMutualInfo(x, y, { base: 10 as unknown as 2 })).toThrow(/base must be 'e' or 2/);
  });

  it('accepts plain arrays', () => {
    const { x, y } = gaussianPairs(400, 1, 0.6, 2);
    expect(ksgMutualInfo(Array.from(x.data), Array.from(y.data))).toBe(ksgMutualInfo(x, y));
  });

  it('is finite and seeded on tied values', () => {
    // Rounded data: many exact ties, which the jitter breaks.
    const rng = new Rng(21);
    const n = 800;
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const u = rng.int(5);
      x.push(u);
      y.push(rng.uniform() < 0.7 ? u : rng.int(5));
    }
    const first = ksgMutualInfo(x, y, { seed: 1 });
    const again = ksgMutualInfo(x, y, { seed: 1 });
    const unjittered = ksgMutualInfo(x, y, { jitter: 0 });

    expect(Number.isFinite(first)).toBe(true);
    expect(first).toBe(again);
    expect(first).toBeGreaterThan(0.3);
    expect(Number.isFinite(unjittered)).toBe(true);
  });

  it('is finite for a constant column', () => {
    const { y } = gaussianPairs(300, 1, 0, 3);
    const constant = new Array(300).fill(2);
    const estimate = ksgMutualInfo(constant, y);
    expect(Number.isFinite(estimate)).toBe(true);
    expect(Math.abs(estimate)).toBeLessThan(0.1);
  });

  it('rejects invalid input', () => {
    const { x, y } = gaussianPairs(10, 1, 0.5, 1);
    expect(() => ksgMutualInfo(x, [1, 2, 3])).toThrow(/different numbers of samples \(x: 10, y: 3\)/);
    expect(() => ksgMutualInfo(x, y, { k: 10 })).toThrow(/k must be an integer in 1..N-1 \(k = 10, N = 10\)/);
    expect(() => ksgMutualInfo(x, y, { k: 1.5 })).toThrow(InvalidInputError);
    expect(() => ksgMutualInfo(x, y, { jitter: -1 })).toThrow(InvalidInputError);
    expect(() => ksgMutualInfo([1, Number.NaN, 3], [1, 2, 3], { k: 1 })).toThrow(/row 1, column 0/);
    expect(() => ksgMutualInfo(createMatrix(5, 0), createMatrix(5, 1), { k: 1 })).toThrow(InvalidInputError);
  });
});

describe('informationCoefficient', () => {
  it('equals |rho| for a Gaussian closed form', () => {
    for (const rho of [0.1, 0.5, 0.9, 0.999])
      expect(informationCoefficient(closedForm(1, rho))).toBeCloseTo(rho, 12);
  });

  it('maps non-positive values to 0 and infinity to 1', () => {
    expect(informationCoefficient(0)).toBe(0);
    expect(informationCoefficient(-0.01)).toBe(0);
    expect(informationCoefficient(Number.POSITIVE_INFINITY)).toBe(1);
  });

  it('rejects NaN', () => {
    expect(() => informationCoefficient(Number.NaN)).toThrow(InvalidInputError);
  });
});
