import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@bml/core';
import { defaultConfig, resolveConfig, optionsForOmics } from '../src/index.js';

describe('resolveConfig', () => {
  it('returns the defaults without sources', () => {
    expect(resolveConfig([])).toEqual(defaultConfig());
  });

  it('lets later sources win', () => {
    const config = resolveConfig([
      { origin: 'cohort', patch: { seed: 3, snf: { K: 15 } } },
      { origin: 'command line', patch: { seed: 9 } },
    ]);
    expect(config.seed).toBe(9);
    expect(config.snf.K).toBe(15);
    expect(config.snf.t).toBe(20);
  });

  it('applies the quick preset under explicit values', () => {
    const config = resolveConfig([{ origin: 'cli', patch: { preset: 'quick', stageA: { epochs: 77 } } }]);
    expect(config.split.repeats).toBe(1);
    expect(config.autoencoder.epochs).toBe(30);
    expect(config.stageA.epochs).toBe(77);
    expect(config.preprocess.maxFeatures).toBe(2000);
  });

  it('rejects an unknown key and lists the known ones', () => {
    expect(() => resolveConfig([{ origin: 'my.json', patch: { snf: { k: 10 } } }])).toThrow(
      /my\.json: unknown option "snf\.k"; known options of snf: kernel, metric, K, mu, t, normalization/,
    );
  });

  it('rejects a value of the wrong type', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { graph: { k: '10' } } }])).toThrow(/"graph\.k" must be a number/);
  });

  it('rejects a value outside the choices', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { snf: { kernel: 'gauss' } } }])).toThrow(
      /use one of paper, snftool, snfpy/,
    );
  });

  it('rejects a non-positive epoch count', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { stageA: { epochs: 0 } } }])).toThrow(/positive integer/);
  });

  it('rejects a gate threshold above 1', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { mi: { gate: 1.5 } } }])).toThrow(/"mi.gate" must be a score threshold in \[0, 1\], got 1.5/);
  });

  it('rejects a zero soft width', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { mi: { softWidth: 0 } } }])).toThrow(/"mi.softWidth" must be a positive number, got 0/);
  });

  it('accepts per-omics overrides', () => {
    const config = resolveConfig([{ origin: 'x', patch: { omics: { cnv: { snf: { metric: 'cosine' } } } } }]);
    expect(optionsForOmics(config, 'cnv').snf.metric).toBe('cosine');
    expect(optionsForOmics(config, 'mrna').snf.metric).toBe('euclidean');
  });

  it('rejects an unknown per-omics group', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { omics: { cnv: { encoder: {} } } } }])).toThrow(
      /accept preprocess and snf/,
    );
  });

  it('reports every problem of a file at once', () => {
    const patch = { snf: { k: 10, t: 'twenty' }, graph: { mode: 'dense' } };
    let error: unknown;
    try {
      resolveConfig([{ origin: 'my.json', patch }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).toMatch(/the configuration has 3 problems/);
    expect(message).toMatch(/unknown option "snf\.k"/);
    expect(message).toMatch(/"snf\.t" must be a number, got "twenty"/);
    expect(message).toMatch(/"graph\.mode" is "dense"; use one of inductive, transductive/);
    expect((error as InvalidInputError).code).toBe('CONFIG_UNKNOWN_KEY');
  });

  it('reports every out-of-range value at once', () => {
    const patch = { stageA: { epochs: 0 }, mi: { gate: 2 }, split: { folds: 1 } };
    expect(() => resolveConfig([{ origin: 'x', patch }])).toThrow(
      /3 problems:\n  - x: option "stageA\.epochs" must be a positive integer, got 0\n  - x: option "split\.folds" must be at least 2, got 1\n  - x: option "mi\.gate"/,
    );
  });

  it('lists type and range problems together', () => {
    const patch = { graph: { k: 'ten' }, split: { testFraction: 1.5 }, stageA: { epochs: 0 } };
    const sources = [
      { origin: 'cohort.json', patch: { snf: { K: -3 } } },
      { origin: 'my.json', patch },
    ];
    let message = '';
    try {
      resolveConfig(sources);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/the configuration has 4 problems/);
    expect(message).toMatch(/my\.json: option "graph\.k" must be a number, got "ten"/);
    expect(message).toMatch(/my\.json: option "split\.testFraction" must be a fraction in \(0, 1\), got 1\.5/);
    expect(message).toMatch(/my\.json: option "stageA\.epochs" must be a positive integer, got 0/);
    expect(message).toMatch(/cohort\.json: option "snf\.K" must be a positive integer, got -3/);
    // The wrong type is reported once, not again as a range problem.
    expect(message.match(/graph\.k/g)).toHaveLength(1);
  });

  it('reports a single problem on its own', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { split: { folds: 0 } } }])).toThrow(
      /^bml: x: option "split\.folds" must be a positive integer, got 0$/,
    );
  });
});
