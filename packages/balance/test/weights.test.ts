import { describe, expect, it } from 'vitest';
import { lossWeights, updateEma } from '../src/index.js';

describe('lossWeights', () => {
  // Reported r-GCN macro-F1s: RPPA 0.882, mRNA 0.831, CNV low-information.
  const f1 = [0.882, 0.831, 0.35];
  const categories = ['strong', 'weak', 'lowInformation'] as const;

  it('reproduces the worked example at eta = 2', () => {
    // r = 0.882 / 0.831 = 1.0614 and 0.831 / 0.882 = 0.9422; w = 1 - tanh(2 (r - 1)).
    expect(0.882 / 0.831).toBeCloseTo(1.0614, 4);
    expect(0.831 / 0.882).toBeCloseTo(0.9422, 4);
    const w = lossWeights({ f1, categories: [...categories] });
    expect(w[0]).toBeCloseTo(0.8779, 4);
    expect(w[1]).toBeCloseTo(1.1151, 4);
    expect(w[2]).toBe(0.1);
  });

  it('gives a passed gate min(lambda, rule)', () => {
    const w = lossWeights({ f1, categories: [...categories], gate: [false, false, true] });
    // CNV: r = 0.35 / ((0.882 + 0.831) / 2) < 1, so the F1 rule exceeds lambda and is capped at 1.
    expect(w[2]).toBe(1);
    expect(w[0]).toBeCloseTo(0.8779, 4);
    expect(w[1]).toBeCloseTo(1.1151, 4);
  });

  it('caps a gated omics below lambda only when its F1 rule is lower', () => {
    const w = lossWeights({ f1: [0.6, 0.5, 0.9], categories: ['strong', 'weak', 'lowInformation'], gate: [0, 0, 1] });
    // r = 0.9 / 0.55 for the gated omics, so its rule weight 1 - tanh(2 (r - 1)) is below 1.
    expect(w[2]).toBeCloseTo(1 - Math.tanh(2 * (0.9 / 0.55 - 1)), 12);
  });

  it('interpolates with a soft gate factor', () => {
    const w = lossWeights({ f1, categories: [...categories], gate: [0, 0, 0.5], gammaLow: 0.2 });
    expect(w[2]).toBeCloseTo(0.2 + (1 - 0.2) * 0.5, 12);
  });

  it('uses lambda, eta and gammaLow', () => {
    const w = lossWeights({ f1, categories: [...categories], lambda: 2, eta: 0.5, gammaLow: 0 });
    expect(w[0]).toBeCloseTo(2 * (1 - Math.tanh(0.5 * (0.882 / 0.831 - 1))), 12);
    expect(w[2]).toBe(0);
  });

  it('gives lambda when no other omics is informative', () => {
    expect(lossWeights({ f1: [0.7], categories: ['strong'] })).toEqual([1]);
    expect(lossWeights({ f1: [0.7, 0.3], categories: ['strong', 'lowInformation'] })).toEqual([1, 0.1]);
  });

  it('never returns NaN for zero F1s', () => {
    const w = lossWeights({ f1: [0, 0, 0.5], categories: ['weak', 'weak', 'strong'] });
    expect(w.every(Number.isFinite)).toBe(true);
    expect(w[2]).toBe(0);
  });

  it('rejects a gate factor outside [0, 1]', () => {
    expect(() => lossWeights({ f1, categories: [...categories], gate: [0, 0, 2] })).toThrow(/gate factor/);
  });
});

describe('updateEma', () => {
  it('moves each entry by 1 - ema toward the new value', () => {
    const next = updateEma([0.8, 0.4], [0.9, 0.2], 0.9);
    expect(next[0]).toBeCloseTo(0.81, 12);
    expect(next[1]).toBeCloseTo(0.38, 12);
  });
});
