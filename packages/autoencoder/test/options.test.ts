import { InvalidInputError } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { resolveEngine, resolveTrainingOptions, TRAINING_DEFAULTS } from '../src/options.js';

describe('resolveTrainingOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveTrainingOptions({})).toEqual({
      epochs: 300,
      batchSize: 64,
      learningRate: 1e-3,
      weightDecay: 1e-5,
      patience: 20,
      evalEvery: 1,
      dropout: 0.2,
      leakySlope: 0.2,
      seed: 0,
    });
    expect(resolveTrainingOptions({})).toEqual(TRAINING_DEFAULTS);
  });

  it('keeps given values', () => {
    const resolved = resolveTrainingOptions({ epochs: 5, dropout: 0, weightDecay: 0, seed: 7 });
    expect(resolved.epochs).toBe(5);
    expect(resolved.dropout).toBe(0);
    expect(resolved.weightDecay).toBe(0);
    expect(resolved.seed).toBe(7);
  });

  const invalid: [string, Record<string, number>][] = [
    ['epochs', { epochs: 0 }],
    ['epochs', { epochs: 1.5 }],
    ['batchSize', { batchSize: 1 }],
    ['patience', { patience: 0 }],
    ['evalEvery', { evalEvery: 0 }],
    ['learningRate', { learningRate: 0 }],
    ['learningRate', { learningRate: Number.POSITIVE_INFINITY }],
    ['weightDecay', { weightDecay: -1 }],
    ['dropout', { dropout: 1 }],
    ['dropout', { dropout: -0.1 }],
    ['leakySlope', { leakySlope: Number.NaN }],
    ['seed', { seed: Number.NaN }],
  ];
  for (const [name, options] of invalid) {
    it(`rejects ${name} = ${Object.values(options)[0]}`, () => {
      expect(() => resolveTrainingOptions(options)).toThrow(InvalidInputError);
      expect(() => resolveTrainingOptions(options)).toThrow(new RegExp(`@bml/autoencoder: ${name} must be`));
    });
  }
});

describe('resolveEngine', () => {
  it('defaults to auto and keeps tensor', () => {
    expect(resolveEngine({})).toBe('auto');
    expect(resolveEngine({ engine: 'tensor' })).toBe('tensor');
    expect(resolveEngine({ engine: 'heap' })).toBe('heap');
    expect(resolveEngine({ engine: 'autodiff' })).toBe('autodiff');
  });

  it('rejects an unknown engine', () => {
    const options = { engine: 'gpu' } as unknown as Parameters<typeof resolveEngine>[0];
    expect(() => resolveEngine(options)).toThrow(InvalidInputError);
    expect(() => resolveEngine(options)).toThrow(/engine must be one of 'auto', 'heap', 'autodiff', 'tensor' \(got "gpu"\)/);
  });
});
