import { createMatrix, InvalidInputError, summarize } from '@bml/core';
import type { Matrix } from '@bml/core';
import { initBackend } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyCodeScaling, disposeAutoencoder, encode, fitCodeScaling, reduceOmics } from '../src/index.js';
import { lowRankData, noiseData } from './fixtures.js';

beforeAll(async () => {
  await initBackend();
});

function column(m: Matrix, j: number): number[] {
  return Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]);
}

describe('reduceOmics', () => {
  it('returns the inputs unchanged up to codeSize features', async () => {
    const train = noiseData(30, 100, 1);
    const test = noiseData(10, 100, 2);
    const result = await reduceOmics(train, [test]);
    expect(result.reduced).toBe(false);
    expect(result.train).toBe(train);
    expect(result.others[0]).toBe(test);
    expect(result.model).toBeUndefined();
    expect(result.scaling).toBeUndefined();
  });

  it('encodes and z-scores with the training codes', async () => {
    const train = lowRankData(80, 150, 3, 3, 0.1);
    const validation = lowRankData(20, 150, 3, 4, 0.1);
    const test = lowRankData(25, 150, 3, 5, 0.1);
    const result = await reduceOmics(train, [validation, test], { codeSize: 8, epochs: 3, validation });
    expect(result.reduced).toBe(true);
    expect(result.train.cols).toBe(8);
    expect(result.others.map((m) => [m.rows, m.cols])).toEqual([
      [20, 8],
      [25, 8],
    ]);
    for (let j = 0; j < 8; j++) {
      const { mean, sd } = summarize(column(result.train, j));
      expect(mean).toBeCloseTo(0, 10);
      expect(sd).toBeCloseTo(1, 10);
    }
    const model = result.model!;
    const testCodes = encode(model, test);
    const { mean, sd } = summarize(column(encode(model, train), 2));
    expect(result.others[1].data[4 * 8 + 2]).toBeCloseTo((testCodes.data[4 * 8 + 2] - mean) / sd, 10);
    disposeAutoencoder(model);
  });

  it('rejects others with another feature count', async () => {
    await expect(reduceOmics(noiseData(10, 50, 1), [noiseData(3, 49, 2)])).rejects.toThrow(InvalidInputError);
  });
});

describe('code scaling', () => {
  it('uses n - 1 sd, zero sd as 1', () => {
    const codes = createMatrix(3, 2, Float64Array.from([1, 5, 2, 5, 6, 5]));
    const scaling = fitCodeScaling(codes);
    expect(scaling.mean).toEqual([3, 5]);
    // Column 0 is 1, 2, 6: mean 3, squared deviations 4 + 1 + 9 = 14, over n - 1 = 2.
    expect(scaling.sd[0]).toBeCloseTo(Math.sqrt(7), 12);
    expect(scaling.sd[1]).toBe(1);
    const scaled = applyCodeScaling(codes, scaling);
    expect(scaled.data[0]).toBeCloseTo(-2 / Math.sqrt(7), 12);
    expect(scaled.data[1]).toBe(0);
  });

  it('rejects a scaling of another width', () => {
    const scaling = { mean: [0], sd: [1] };
    expect(() => applyCodeScaling(createMatrix(2, 3), scaling)).toThrow(/1 columns but the codes have 3/);
  });
});
