import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@bml/core';
import { digamma, EULER_GAMMA, logGamma } from '../src/index.js';

describe('digamma', () => {
  it('equals -gamma at 1', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 14);
  });

  it('follows harmonic numbers at integers', () => {
    // psi(n) = H_(n-1) - gamma
    let harmonic = 0;
    for (let n = 1; n <= 40; n++) {
      expect(digamma(n)).toBeCloseTo(harmonic - EULER_GAMMA, 13);
      harmonic += 1 / n;
    }
  });

  it('matches half-integer closed form', () => {
    // psi(1/2) = -gamma - 2 log 2, psi(n + 1/2) = psi(n - 1/2) + 1 / (n - 1/2)
    expect(digamma(0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2, 14);
    expect(digamma(2.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2 + 2 + 2 / 3, 14);
  });

  it('uses reflection for negative non-integers', () => {
    // psi(-1/2) = psi(1/2) + 2
    expect(digamma(-0.5)).toBeCloseTo(-EULER_GAMMA - 2 * Math.LN2 + 2, 13);
  });

  it('is log-like for large arguments', () => {
    const x = 1e6;
    expect(digamma(x)).toBeCloseTo(Math.log(x) - 1 / (2 * x), 12);
  });

  it('rejects poles and non-finite values', () => {
    expect(() => digamma(0)).toThrow(InvalidInputError);
    expect(() => digamma(-3)).toThrow(InvalidInputError);
    expect(() => digamma(Number.NaN)).toThrow(InvalidInputError);
  });
});

describe('logGamma', () => {
  it('is 0 at 1 and 2', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
  });

  it('equals log factorials', () => {
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    let logFactorial = 0;
    for (let n = 1; n <= 200; n++) logFactorial += Math.log(n);
    expect(logGamma(201) / logFactorial).toBeCloseTo(1, 14);
  });

  it('matches Gamma(1/2) = sqrt(pi)', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
  });

  it('rejects non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(InvalidInputError);
    expect(() => logGamma(-1.5)).toThrow(InvalidInputError);
  });
});
