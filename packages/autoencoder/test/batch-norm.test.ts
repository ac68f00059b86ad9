import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormInference, batchNormTraining } from '../src/batch-norm.js';
import type { BatchNormParams } from '../src/layers.js';

function params(gamma: number[], beta: number[], mean: number[], variance: number[]): BatchNormParams {
  const column = (v: number[], trainable = true) => tf.variable(tf.tensor2d(v, [v.length, 1]), trainable);
  return {
    gamma: column(gamma),
    beta: column(beta),
    runningMean: column(mean, false),
    runningVariance: column(variance, false),
  };
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

beforeAll(async () => {
  await initBackend();
});

describe('batchNormTraining', () => {
  // Two features (rows) over four samples (columns).
  const x = [
    [1, 2, 3, 6],
    [-1, -1, 1, 1],
  ];

  it('normalises each feature with the biased batch variance', () => {
    const p = params([2, 1], [0.5, 0], [0, 0], [1, 1]);
    const out = tf.tidy(() => batchNormTraining(tf.tensor2d(x), p));
    // Feature 0: mean 3, biased variance 3.5; feature 1: mean 0, variance 1.
    const expected0 = x[0].map((v) => (2 * (v - 3)) / Math.sqrt(3.5 + 1e-5) + 0.5);
    const expected1 = x[1].map((v) => v / Math.sqrt(1 + 1e-5));
    const got = values(out);
    got.slice(0, 4).forEach((v, i) => expect(v).toBeCloseTo(expected0[i], 5));
    got.slice(4).forEach((v, i) => expect(v).toBeCloseTo(expected1[i], 5));
  });

  it('updates running statistics with unbiased variance', () => {
    const p = params([1, 1], [0, 0], [1, 0], [1, 2]);
    tf.tidy(() => batchNormTraining(tf.tensor2d(x), p));
    const mean = values(p.runningMean);
    const variance = values(p.runningVariance);
    expect(mean[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3, 6);
    expect(mean[1]).toBeCloseTo(0, 6);
    // Unbiased variances: 14 / 3 and 4 / 3.
    expect(variance[0]).toBeCloseTo(0.9 * 1 + 0.1 * (14 / 3), 6);
    expect(variance[1]).toBeCloseTo(0.9 * 2 + 0.1 * (4 / 3), 6);
  });
});

describe('batchNormInference', () => {
  it('uses the running statistics and leaves them unchanged', () => {
    const p = params([2, 1], [1, 0], [1, -1], [4, 0.25]);
    const out = values(tf.tidy(() => batchNormInference(tf.tensor2d([[3], [0]]), p)));
    expect(out[0]).toBeCloseTo((2 * (3 - 1)) / Math.sqrt(4 + 1e-5) + 1, 5);
    expect(out[1]).toBeCloseTo(1 / Math.sqrt(0.25 + 1e-5), 4);
    expect(values(p.runningMean)).toEqual([1, -1]);
  });
});
