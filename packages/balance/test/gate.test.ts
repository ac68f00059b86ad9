import { describe, expect, it } from 'vitest';
import { categorizeModalities, gateFactor, gateLowInformation, gateModality } from '../src/index.js';

describe('gateModality', () => {
  it('passes a relabelled copy of the strong predictions', () => {
    const strong = [0, 1, 2, 3, 0, 1, 2, 3];
    const low = [3, 2, 1, 0, 3, 2, 1, 0];
    const decision = gateModality(low, strong);
    expect(decision.nmi).toBeCloseTo(1, 12);
    expect(decision.passed).toBe(true);
    expect(decision.factor).toBe(1);
  });

  it('fails independent predictions', () => {
    // Every pair (a, b) occurs once: the contingency table is uniform, so I = 0.
    const strong = [0, 0, 1, 1];
    const low = [0, 1, 0, 1];
    const decision = gateModality(low, strong);
    expect(decision.nmi).toBeCloseTo(0, 12);
    expect(decision.passed).toBe(false);
    expect(decision.factor).toBe(0);
  });

  it('gives a constant prediction NMI 0', () => {
    expect(gateModality([1, 1, 1, 1], [0, 1, 0, 1]).nmi).toBe(0);
  });

  it('computes the plug-in NMI of a small table', () => {
    // Joint counts [[2, 1], [0, 1]] over 4 samples.
    const low = [0, 0, 0, 1];
    const strong = [0, 0, 1, 1];
    const p = [
      [0.5, 0.25],
      [0, 0.25],
    ];
    const pa = [0.75, 0.25];
    const pb = [0.5, 0.5];
    let mi = 0;
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) if (p[a][b] > 0) mi += p[a][b] * Math.log(p[a][b] / (pa[a] * pb[b]));
    }
    const h = (q: number[]) => -q.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);
    expect(gateModality(low, strong).nmi).toBeCloseTo(mi / ((h(pa) + h(pb)) / 2), 12);
  });
});

describe('gateFactor', () => {
  it('is a sigmoid around the threshold in soft mode', () => {
    expect(gateFactor(0.2, { mode: 'soft' })).toBeCloseTo(0.5, 12);
    expect(gateFactor(0.25, { mode: 'soft' })).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(gateFactor(0.2, { mode: 'hard' })).toBe(0);
    expect(gateFactor(0.21)).toBe(1);
  });

  it('uses the threshold option', () => {
    expect(gateFactor(0.3, { threshold: 0.4 })).toBe(0);
    expect(gateFactor(0.3, { threshold: 0.4, mode: 'soft', softWidth: 0.1 })).toBeCloseTo(1 / (1 + Math.E), 12);
  });
});

describe('gateLowInformation', () => {
  const names = ['mrna', 'cnv', 'rppa'];
  const preds = [
    [0, 1, 2, 3, 0, 1, 2, 3],
    [3, 2, 1, 0, 3, 2, 1, 0],
    [0, 1, 2, 3, 0, 1, 2, 3],
  ];

  it('gates only low-information omics against the strong one', () => {
    const state = categorizeModalities({ names, f1: [0.83, 0.37, 0.88], valLoss: [1, 1, 1], nClasses: 4 });
    const summary = gateLowInformation(names, state, preds);
    expect(Object.keys(summary.decisions)).toEqual(['cnv']);
    expect(summary.factors).toEqual([0, 1, 0]);
  });

  it('passes nothing without a strong omics', () => {
    const state = categorizeModalities({ names, f1: [0.3, 0.3, 0.35], valLoss: [1, 1, 1], nClasses: 4 });
    const summary = gateLowInformation(names, state, preds);
    expect(summary.decisions).toEqual({});
    expect(summary.factors).toEqual([0, 0, 0]);
  });
});
