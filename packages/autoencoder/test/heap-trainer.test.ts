import type { Matrix } from '@bml/core';
import { initBackend, tf, wasmHeap } from '@bml/core/tensor';
import { relaxedSimdSupported } from '@bml/core/wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeAutoencoder, encode, fitAutoencoder } from '../src/index.js';
import type { AutoencoderModel, FitAutoencoderOptions } from '../src/index.js';
import { lowRankData, noiseData } from './fixtures.js';

beforeAll(async () => {
  await initBackend();
});

/** Returns every value of a fitted model, in a fixed order. */
function modelValues(model: AutoencoderModel): Float32Array[] {
  const out: Float32Array[] = [];
  for (const layer of model.layers) {
    out.push(layer.weight.dataSync() as Float32Array);
    if (layer.bias) out.push(layer.bias.dataSync() as Float32Array);
    const bn = layer.batchNorm;
    if (bn) for (const v of [bn.gamma, bn.beta, bn.runningMean, bn.runningVariance]) out.push(v.dataSync() as Float32Array);
  }
  return out;
}

/** Fits with the heap and the autodiff engines and expects bit-identical models. */
async function expectIdentical(train: Matrix, options: FitAutoencoderOptions): Promise<AutoencoderModel> {
  const heap = await fitAutoencoder(train, { ...options, engine: 'heap' });
  const autodiff = await fitAutoencoder(train, { ...options, engine: 'autodiff' });
  expect(heap.history).toEqual(autodiff.history);
  const a = modelValues(heap);
  const b = modelValues(autodiff);
  expect(a.length).toBe(b.length);
  a.forEach((values, i) => expect(values).toEqual(b[i]));
  disposeAutoencoder(autodiff);
  return heap;
}

// The heap engine needs the product kernel, which needs relaxed SIMD (Node 20 compiles it behind a V8 flag that bml sets).
describe.skipIf(!relaxedSimdSupported())('the heap engine', () => {
  it('runs where the product kernel does', () => {
    expect(wasmHeap()?.gemm).toBeDefined();
  });

  const validation = lowRankData(37, 90, 4, 9, 0.1);

  it('matches autodiff with early stopping', async () => {
    const train = lowRankData(100, 90, 4, 8, 0.1);
    const model = await expectIdentical(train, { codeSize: 6, epochs: 12, batchSize: 32, patience: 3, validation, seed: 3 });
    expect(model.history.epochs).toBeGreaterThan(1);
    disposeAutoencoder(model);
  });

  it('matches on odd batch sizes', async () => {
    // 71 rows in batches of 10 give six of 10 and a last one of 11 (the single row left is merged). Dropout is off.
    const train = noiseData(71, 45, 5);
    const model = await expectIdentical(train, { codeSize: 5, hidden: [13], epochs: 5, batchSize: 10, dropout: 0, seed: 7 });
    disposeAutoencoder(model);
  });

  it('matches with two hidden layers', async () => {
    const train = lowRankData(64, 1030, 3, 11, 0.2);
    const model = await expectIdentical(train, { codeSize: 20, epochs: 3, batchSize: 24, weightDecay: 0, seed: 2 });
    expect(model.architecture.hidden).toEqual([512, 256]);
    disposeAutoencoder(model);
  });

  it('matches on chunked validation', async () => {
    // At 3,000 features a validation chunk contains fewer rows than the 300 given here.
    const train = noiseData(40, 3000, 12);
    const wide = noiseData(300, 3000, 13);
    const model = await expectIdentical(train, { codeSize: 8, hidden: [16], epochs: 2, batchSize: 20, validation: wide, seed: 4 });
    disposeAutoencoder(model);
  });

  it('gives the same model on two threads', async () => {
    // Products of 512 x 1,030 x 24 are large enough to be split between the threads.
    const train = lowRankData(64, 1030, 3, 11, 0.2);
    const options = { codeSize: 20, epochs: 2, batchSize: 24, validation: lowRankData(10, 1030, 3, 12, 0.2), seed: 2, engine: 'heap' as const };
    const oneThread = await fitAutoencoder(train, options);
    const twoThreads = await fitAutoencoder(train, { ...options, threads: 2 });
    expect(twoThreads.history).toEqual(oneThread.history);
    modelValues(twoThreads).forEach((values, i) => expect(values).toEqual(modelValues(oneThread)[i]));
    disposeAutoencoder(oneThread);
    disposeAutoencoder(twoThreads);
  });

  it('rejects a thread count that is no whole number', async () => {
    const train = lowRankData(20, 30, 3, 1, 0.1);
    await expect(fitAutoencoder(train, { codeSize: 4, epochs: 1, threads: 1.5 })).rejects.toThrow(/threads must be an integer from 1 to 64 \(got 1.5\)/);
  });

  it('leaves no tensors behind', async () => {
    const train = lowRankData(50, 40, 3, 1, 0.1);
    const before = tf.memory().numTensors;
    const model = await fitAutoencoder(train, { codeSize: 4, epochs: 3, batchSize: 16, validation: lowRankData(9, 40, 3, 3, 0.1), engine: 'heap' });
    const variables = modelValues(model).length;
    expect(tf.memory().numTensors).toBe(before + variables);
    const codes = encode(model, lowRankData(5, 40, 3, 2, 0.1));
    expect(codes.rows).toBe(5);
    expect(Array.from(codes.data).every(Number.isFinite)).toBe(true);
    disposeAutoencoder(model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('restores the best epoch', async () => {
    // A learning rate this high overshoots after a few epochs, so the best epoch comes early.
    const train = lowRankData(80, 30, 3, 21, 0.1);
    const options = { codeSize: 4, epochs: 30, batchSize: 16, patience: 4, learningRate: 0.05, validation, seed: 5 };
    const model = await expectIdentical(train, { ...options, validation: lowRankData(30, 30, 3, 22, 0.1) });
    const { bestEpoch, epochs } = model.history;
    expect(bestEpoch).not.toBeNull();
    expect(bestEpoch).toBeLessThan(epochs);
    disposeAutoencoder(model);
  });
});
