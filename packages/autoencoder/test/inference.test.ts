import { createMatrix, InvalidInputError } from '@bml/core';
import { initBackend } from '@bml/core/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeAutoencoder, encode, fitAutoencoder, reconstruct } from '../src/index.js';
import type { AutoencoderModel } from '../src/index.js';
import { lowRankData, rowRange } from './fixtures.js';

let model: AutoencoderModel;
const train = lowRankData(90, 130, 3, 21, 0.1);

beforeAll(async () => {
  await initBackend();
  model = await fitAutoencoder(train, { codeSize: 6, epochs: 3, seed: 5 });
});

afterAll(() => disposeAutoencoder(model));

describe('encode', () => {
  it('returns one code row per sample', () => {
    const codes = encode(model, train);
    expect(codes.rows).toBe(90);
    expect(codes.cols).toBe(6);
    expect(codes.data.every(Number.isFinite)).toBe(true);
  });

  it('treats each sample independently of the others', () => {
    // Inference uses running statistics, so a sample's code does not depend on its batch.
    const all = encode(model, train);
    const single = encode(model, rowRange(train, 17, 18));
    const part = encode(model, rowRange(train, 10, 40));
    for (let j = 0; j < 6; j++) expect(single.data[j]).toBeCloseTo(all.data[17 * 6 + j], 5);
    for (let i = 0; i < part.data.length; i++) expect(part.data[i]).toBeCloseTo(all.data[60 + i], 5);
  });

  it('processes inputs larger than one chunk', () => {
    // 11,000 rows of 130 features exceed the 1,310,720-value chunk.
    const big = createMatrix(11_000, 130);
    for (let i = 0; i < 11_000; i++) {
      const source = (i % 90) * 130;
      big.data.set(train.data.subarray(source, source + 130), i * 130);
    }
    const codes = encode(model, big);
    const direct = encode(model, train);
    expect(codes.rows).toBe(11_000);
    for (const i of [0, 10_079, 10_080, 10_999]) {
      for (let j = 0; j < 6; j++) expect(codes.data[i * 6 + j]).toBeCloseTo(direct.data[(i % 90) * 6 + j], 5);
    }
  });

  it('returns an empty matrix for no rows', () => {
    const codes = encode(model, createMatrix(0, 130));
    expect(codes.rows).toBe(0);
    expect(codes.cols).toBe(6);
  });

  it('rejects other feature counts and non-finite values', () => {
    expect(() => encode(model, createMatrix(3, 129))).toThrow(InvalidInputError);
    const bad = rowRange(train, 0, 2);
    bad.data[5] = Number.POSITIVE_INFINITY;
    expect(() => encode(model, bad)).toThrow(/row 0, column 5/);
  });
});

describe('reconstruct', () => {
  it('returns the input shape', () => {
    const out = reconstruct(model, rowRange(train, 0, 7));
    expect(out.rows).toBe(7);
    expect(out.cols).toBe(130);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});

describe('disposeAutoencoder', () => {
  it('makes later use an error', async () => {
    const other = await fitAutoencoder(rowRange(train, 0, 20), { codeSize: 6, epochs: 1 });
    disposeAutoencoder(other);
    disposeAutoencoder(other);
    expect(() => encode(other, train)).toThrow(/the model was disposed/);
  });
});
