import { InvalidInputError } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { categorizeModalities } from '../src/index.js';

const names = ['mrna', 'cnv', 'rppa'];

describe('categorizeModalities', () => {
  it('reproduces the categories of the reported macro-F1s', () => {
    const state = categorizeModalities({ names, f1: [0.831, 0.373, 0.882], valLoss: [0.5, 1.2, 0.4], nClasses: 4 });
    expect(state.categories).toEqual({ mrna: 'weak', cnv: 'lowInformation', rppa: 'strong' });
    expect(state.categoryList).toEqual(['weak', 'lowInformation', 'strong']);
    expect(state.strong).toBe('rppa');
    expect(state.strongIndex).toBe(2);
    // κ = (F1 - 1/4) / (3/4).
    expect(state.kappa.cnv).toBeCloseTo((0.373 - 0.25) / 0.75, 12);
    expect(state.kappa.rppa).toBeCloseTo(0.842667, 6);
    expect(state.warnings).toEqual([]);
  });

  it('puts the low-information boundary at F1 = 0.4375 for four classes', () => {
    const at = categorizeModalities({ names: ['a', 'b'], f1: [0.9, 0.4375], valLoss: [1, 1], nClasses: 4 });
    expect(at.kappa.b).toBe(0.25);
    expect(at.categories.b).toBe('weak');
    const below = categorizeModalities({ names: ['a', 'b'], f1: [0.9, 0.4374], valLoss: [1, 1], nClasses: 4 });
    expect(below.categories.b).toBe('lowInformation');
  });

  it('breaks a macro-F1 tie by the lower validation loss', () => {
    const state = categorizeModalities({ names, f1: [0.8, 0.5, 0.8], valLoss: [0.6, 1, 0.45], nClasses: 4 });
    expect(state.strong).toBe('rppa');
    expect(state.categories.mrna).toBe('weak');
    expect(state.warnings.map((w) => w.code)).toEqual(['STRONG_TIE_BROKEN_BY_LOSS']);
    expect(state.warnings[0].ids).toEqual(['rppa', 'mrna']);
  });

  it('reports no strong omics when the best one is low-information', () => {
    const state = categorizeModalities({ names, f1: [0.3, 0.26, 0.41], valLoss: [1, 1, 1], nClasses: 4 });
    expect(state.strong).toBeNull();
    expect(state.strongIndex).toBe(-1);
    expect(state.categoryList).toEqual(['lowInformation', 'lowInformation', 'lowInformation']);
    expect(state.warnings.map((w) => w.code)).toEqual(['NO_STRONG_OMICS']);
  });

  it('uses the kappaLow option', () => {
    const state = categorizeModalities({ names, f1: [0.831, 0.373, 0.882], valLoss: [1, 1, 1], nClasses: 4, kappaLow: 0.1 });
    expect(state.categories.cnv).toBe('weak');
  });

  it('warns when the validation part is small', () => {
    const state = categorizeModalities({ names, f1: [0.8, 0.3, 0.9], valLoss: [1, 1, 1], nClasses: 4, valSize: 49 });
    expect(state.warnings.map((w) => w.code)).toEqual(['SMALL_VALIDATION']);
    const enough = categorizeModalities({ names, f1: [0.8, 0.3, 0.9], valLoss: [1, 1, 1], nClasses: 4, valSize: 50 });
    expect(enough.warnings).toEqual([]);
  });

  it('rejects an F1 outside [0, 1]', () => {
    expect(() => categorizeModalities({ names, f1: [0.8, 1.3, 0.9], valLoss: [1, 1, 1], nClasses: 4 })).toThrow(
      InvalidInputError,
    );
    expect(() => categorizeModalities({ names, f1: [0.8, 1.3, 0.9], valLoss: [1, 1, 1], nClasses: 4 })).toThrow(
      /macro-F1 of cnv must be in \[0, 1\], got 1.3/,
    );
  });

  it('rejects duplicate names', () => {
    expect(() => categorizeModalities({ names: ['a', 'a'], f1: [0.8, 0.9], valLoss: [1, 1], nClasses: 2 })).toThrow(
      /unique/,
    );
  });
});
