import { InvalidInputError } from '@bml/core';
import { initBackend } from '@bml/core/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deserialize,
  disposeAutoencoder,
  encode,
  fitAutoencoder,
  reconstruct,
  serialize,
} from '../src/index.js';
import type { AutoencoderModel, SerializedAutoencoder } from '../src/index.js';
import { lowRankData } from './fixtures.js';

let model: AutoencoderModel;
const train = lowRankData(60, 140, 3, 31, 0.1);
const validation = lowRankData(20, 140, 3, 32, 0.1);

beforeAll(async () => {
  await initBackend();
  model = await fitAutoencoder(train, { codeSize: 5, epochs: 3, validation, seed: 9 });
});

afterAll(() => disposeAutoencoder(model));

describe('serialize and deserialize', () => {
  it('round-trips through JSON exactly', async () => {
    const json = JSON.stringify(serialize(model));
    const loaded = await deserialize(json);
    expect(encode(loaded, validation).data).toEqual(encode(model, validation).data);
    expect(reconstruct(loaded, validation).data).toEqual(reconstruct(model, validation).data);
    expect(loaded.architecture).toEqual(model.architecture);
    expect(loaded.options).toEqual(model.options);
    expect(loaded.history).toEqual(model.history);
    disposeAutoencoder(loaded);
  });

  it('writes plain data in PyTorch weight layout', () => {
    const data = serialize(model);
    expect(data.format).toBe('bml-autoencoder');
    expect(data.version).toBe(1);
    expect(data.architecture).toEqual({ inputDim: 140, hidden: [72], codeSize: 5 });
    expect(data.layers).toHaveLength(4);
    expect(data.layers[0].weight).toHaveLength(72 * 140);
    expect(data.layers[0].batchNorm?.runningVariance).toHaveLength(72);
    expect(data.layers[0].bias).toBeUndefined();
    expect(data.layers[1].bias).toHaveLength(5);
    expect(Array.isArray(data.layers[3].weight)).toBe(true);
  });

  it('rejects malformed data', async () => {
    const good = serialize(model);
    const truncated: SerializedAutoencoder = structuredClone(good);
    truncated.layers[1].weight = truncated.layers[1].weight.slice(1);
    await expect(deserialize(truncated)).rejects.toThrow(InvalidInputError);
    await expect(deserialize(truncated)).rejects.toThrow(/layers\[1\]\.weight should have 360 values/);
    const nonFinite = structuredClone(good);
    nonFinite.layers[0].batchNorm!.gamma[2] = Number.NaN;
    await expect(deserialize(nonFinite)).rejects.toThrow(/gamma\[2\] is not a finite number/);
    await expect(deserialize({ ...good, format: 'other' as 'bml-autoencoder' })).rejects.toThrow(/format/);
    await expect(deserialize({ ...good, version: 2 })).rejects.toThrow(/version 2/);
    await expect(deserialize('{not json')).rejects.toThrow(/not valid JSON/);
    await expect(deserialize({ ...good, layers: good.layers.slice(0, 3) })).rejects.toThrow(/4 layers/);
  });
});
