import { createMatrix, InvalidInputError, NumericalError } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeAutoencoder, encode, fitAutoencoder, reconstruct } from '../src/index.js';
import type { AutoencoderProgress } from '../src/index.js';
import { lowRankData, meanPredictorError, meanSquaredError, noiseData, rowRange } from './fixtures.js';

beforeAll(async () => {
  await initBackend();
});

describe('fitAutoencoder learning', () => {
  it('reconstructs rank-5 data through a code of 10', async () => {
    const data = lowRankData(400, 200, 5, 3);
    const train = rowRange(data, 0, 250);
    const validation = rowRange(data, 250, 325);
    const test = rowRange(data, 325, 400);
    const model = await fitAutoencoder(train, { codeSize: 10, epochs: 80, validation, seed: 1 });
    const { trainLoss } = model.history;
    expect(trainLoss[trainLoss.length - 1]).toBeLessThan(0.2 * trainLoss[0]);
    const error = meanSquaredError(reconstruct(model, test), test);
    const baseline = meanPredictorError(train, test);
    expect(baseline).toBeGreaterThan(0.5);
    expect(error).toBeLessThan(0.05 * baseline);
    disposeAutoencoder(model);
  });
});

describe('fitAutoencoder determinism', () => {
  const train = lowRankData(100, 120, 4, 8, 0.1);
  const validation = lowRankData(30, 120, 4, 9, 0.1);

  it('gives identical codes for one seed', async () => {
    const options = { codeSize: 6, epochs: 4, batchSize: 32, validation, seed: 42 };
    const a = await fitAutoencoder(train, options);
    const b = await fitAutoencoder(train, options);
    expect(encode(a, validation).data).toEqual(encode(b, validation).data);
    expect(a.history).toEqual(b.history);
    disposeAutoencoder(a);
    disposeAutoencoder(b);
  });

  it('agrees across both engines', async () => {
    const options = { codeSize: 6, epochs: 6, batchSize: 32, validation, seed: 42 };
    const fast = await fitAutoencoder(train, options);
    const plain = await fitAutoencoder(train, { ...options, engine: 'tensor' });
    const losses = (model: typeof fast) => [...model.history.trainLoss, ...(model.history.validationLoss as number[])];
    losses(fast).forEach((loss, i) => expect(Math.abs(loss - losses(plain)[i])).toBeLessThan(1e-4 * losses(plain)[i]));
    const a = encode(fast, validation).data;
    const b = encode(plain, validation).data;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    // Adam divides by the root of tiny second moments, so rounding differences grow over 24 steps,
    // to 0.2% of the codes' scale here. A wrong gradient would move the codes by their whole scale.
    expect(worst).toBeLessThan(5e-3 * scale);
    disposeAutoencoder(fast);
    disposeAutoencoder(plain);
  });

  it('gives different codes for another seed', async () => {
    const a = await fitAutoencoder(train, { codeSize: 6, epochs: 2, seed: 1 });
    const b = await fitAutoencoder(train, { codeSize: 6, epochs: 2, seed: 2 });
    expect(encode(a, validation).data).not.toEqual(encode(b, validation).data);
    disposeAutoencoder(a);
    disposeAutoencoder(b);
  });
});

describe('fitAutoencoder early stopping', () => {
  it('stops early and restores the best weights', async () => {
    // Pure noise: the validation loss soon stops improving.
    const train = noiseData(80, 120, 1);
    const validation = noiseData(40, 120, 2);
    const model = await fitAutoencoder(train, { codeSize: 4, epochs: 300, patience: 3, validation, seed: 3 });
    const h = model.history;
    expect(h.stoppedReason).toBe('earlyStopping');
    expect(h.epochs).toBeLessThan(300);
    expect(h.bestEpoch).not.toBeNull();
    expect(h.epochs - (h.bestEpoch ?? 0)).toBe(3);
    expect(h.validationLoss[(h.bestEpoch ?? 0) - 1]).toBe(h.bestValidationLoss);
    const keptLoss = meanSquaredError(reconstruct(model, validation), validation);
    expect(Math.abs(keptLoss - (h.bestValidationLoss ?? 0))).toBeLessThan(1e-5 * keptLoss);
    const last = h.validationLoss[h.epochs - 1] ?? 0;
    expect(last).toBeGreaterThanOrEqual(h.bestValidationLoss ?? 0);
    disposeAutoencoder(model);
  });

  it('evaluates every evalEvery epochs and at the last', async () => {
    const train = noiseData(40, 110, 4);
    const validation = noiseData(10, 110, 5);
    const model = await fitAutoencoder(train, { codeSize: 4, epochs: 7, evalEvery: 3, validation });
    const evaluated = model.history.validationLoss.map((v) => v !== null);
    expect(evaluated).toEqual([false, false, true, false, false, true, true]);
    expect(model.history.trainLoss).toHaveLength(7);
    disposeAutoencoder(model);
  });

  it('trains every epoch without validation samples', async () => {
    const model = await fitAutoencoder(noiseData(40, 110, 6), { codeSize: 4, epochs: 3 });
    expect(model.history.epochs).toBe(3);
    expect(model.history.stoppedReason).toBe('maxEpochs');
    expect(model.history.bestEpoch).toBeNull();
    expect(model.history.validationLoss).toEqual([null, null, null]);
    expect(model.warnings.map((w) => w.code)).toEqual(['AUTOENCODER_NO_VALIDATION']);
    disposeAutoencoder(model);
  });
});

describe('fitAutoencoder memory and progress', () => {
  it('keeps the tensor count flat', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const progress: AutoencoderProgress[] = [];
    const model = await fitAutoencoder(noiseData(70, 130, 7), {
      codeSize: 5,
      epochs: 5,
      validation: noiseData(20, 130, 8),
      onProgress: (p) => {
        progress.push(p);
        counts.push(tf.memory().numTensors);
      },
    });
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((p) => p.epochs === 5 && Number.isFinite(p.trainLoss))).toBe(true);
    expect(new Set(counts.slice(1)).size).toBe(1);
    disposeAutoencoder(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fitAutoencoder errors', () => {
  it('raises NumericalError on divergence', async () => {
    const fit = fitAutoencoder(noiseData(40, 110, 9), { codeSize: 4, epochs: 5, learningRate: 1e30 });
    await expect(fit).rejects.toThrow(NumericalError);
    await expect(
      fitAutoencoder(noiseData(40, 110, 9), { codeSize: 4, epochs: 5, learningRate: 1e30 }),
    ).rejects.toThrow(/at epoch \d+; lower learningRate/);
  });

  it('rejects a non-finite input value by row and column', async () => {
    const x = noiseData(20, 110, 10);
    x.data[3 * 110 + 7] = Number.NaN;
    await expect(fitAutoencoder(x, { codeSize: 4, epochs: 1 })).rejects.toThrow(InvalidInputError);
    await expect(fitAutoencoder(x, { codeSize: 4, epochs: 1 })).rejects.toThrow(/row 3, column 7/);
  });

  it('rejects a value beyond the float32 range', async () => {
    const x = noiseData(20, 110, 10);
    x.data[2 * 110 + 5] = 1e39;
    await expect(fitAutoencoder(x, { codeSize: 4, epochs: 1 })).rejects.toThrow(/1e\+39 at row 2, column 5, beyond the float32 range/);
    const model = await fitAutoencoder(noiseData(20, 110, 13), { codeSize: 4, epochs: 1 });
    expect(() => encode(model, x)).toThrow(/beyond the float32 range/);
    disposeAutoencoder(model);
  });

  it('rejects validation samples with other features', async () => {
    const fit = fitAutoencoder(noiseData(20, 110, 11), { codeSize: 4, validation: noiseData(5, 109, 12) });
    await expect(fit).rejects.toThrow(/has 109 features but the model expects 110/);
  });

  it('rejects one sample or too few features', async () => {
    const single = fitAutoencoder(noiseData(1, 110, 13), { codeSize: 4 });
    await expect(single).rejects.toThrow(/at least 2 samples/);
    await expect(fitAutoencoder(createMatrix(10, 100), {})).rejects.toThrow(/more features than codeSize/);
  });
});
