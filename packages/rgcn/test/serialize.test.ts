import { InvalidInputError } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cloneUnimodal,
  createUnimodalModel,
  deserializeUnimodal,
  disposeUnimodal,
  predictUnimodal,
  serializeUnimodal,
} from '../src/index.js';
import { makeToyProblem } from './toy.js';

beforeAll(async () => {
  await initBackend();
});

describe('serializeUnimodal', () => {
  it('round-trips through JSON text exactly', async () => {
    const toy = makeToyProblem();
    const model = createUnimodalModel({ inputDim: toy.features.cols, nClasses: 3 }, { hidden: [8, 4] }, 5);
    const text = JSON.stringify(serializeUnimodal(model));
    const restored = await deserializeUnimodal(JSON.parse(text));
    expect(restored.config).toEqual(model.config);
    const a = await predictUnimodal(model, toy.features, toy.graph);
    const b = await predictUnimodal(restored, toy.features, toy.graph);
    expect(Array.from(b.prob.data)).toEqual(Array.from(a.prob.data));
    disposeUnimodal(model);
    disposeUnimodal(restored);
  });

  it('keeps the missing self weight of a plain GCN', async () => {
    const model = createUnimodalModel({ inputDim: 3, nClasses: 2 }, { hidden: [4], selfWeight: false }, 1);
    const json = serializeUnimodal(model);
    expect(json.layers[0].selfWeight).toBeNull();
    const restored = await deserializeUnimodal(json);
    expect(restored.layers[0].selfWeight).toBeNull();
    disposeUnimodal(model);
    disposeUnimodal(restored);
  });

  it('rejects damaged files without leaking tensors', async () => {
    const model = createUnimodalModel({ inputDim: 3, nClasses: 2 }, { hidden: [4, 2] }, 1);
    const json = serializeUnimodal(model);
    disposeUnimodal(model);
    const before = tf.memory().numTensors;
    const wrongShape = structuredClone(json);
    wrongShape.layers[1].weight.shape = [4, 3];
    await expect(deserializeUnimodal(wrongShape)).rejects.toThrow(/layers\[1\]\.weight must be a tensor of shape \[4, 2\]/);
    const notFinite = structuredClone(json) as unknown as { head: { bias: { values: unknown[] } } };
    notFinite.head.bias.values[1] = null;
    await expect(deserializeUnimodal(notFinite)).rejects.toThrow(/head\.bias value 1 is null/);
    await expect(deserializeUnimodal({ format: 'other' })).rejects.toThrow(InvalidInputError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('cloneUnimodal', () => {
  it('copies variables so the original stays unchanged', () => {
    const model = createUnimodalModel({ inputDim: 3, nClasses: 2 }, { hidden: [4] }, 1);
    const copy = cloneUnimodal(model);
    const original = Array.from(model.head.weight.dataSync());
    const zeros = tf.zerosLike(copy.head.weight);
    copy.head.weight.assign(zeros);
    zeros.dispose();
    expect(Array.from(model.head.weight.dataSync())).toEqual(original);
    disposeUnimodal(model);
    disposeUnimodal(copy);
  });
});
