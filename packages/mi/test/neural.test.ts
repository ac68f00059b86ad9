import { beforeAll, describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, NumericalError, Rng, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { informationCoefficient } from '../src/index.js';
import {
  dvBound,
  infoNceBound,
  infoNceLoss,
  mineBiasCorrectedLoss,
  mineBound,
  neuralMutualInformationGate,
} from '../src/neural/index.js';
import { requireFiniteResult } from '../src/neural/options.js';

/** N samples of d independent pairs (x_c, y_c), each standard bivariate Gaussian with correlation rho. */
function gaussianPairs(n: number, d: number, rho: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const x = createMatrix(n, d);
  const y = createMatrix(n, d);
  for (let i = 0; i < n * d; i++) {
    const u = rng.normal();
    x.data[i] = u;
    y.data[i] = rho * u + Math.sqrt(1 - rho * rho) * rng.normal();
  }
  return { x, y };
}

function closedForm(d: number, rho: number): number {
  return (-d / 2) * Math.log(1 - rho * rho);
}

beforeAll(async () => {
  await initBackend();
});

describe('infoNceLoss', () => {
  it('matches a 2 x 2 case by hand', () => {
    // Each row: log(e^1 + e^0) - 1 = log(1 + 1/e) = 0.3132617
    const loss = infoNceLoss(tf.tensor2d([1, 0, 0, 1], [2, 2]));
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
  });

  it('has gradient (softmax - identity) / B', () => {
    const scores = tf.tensor2d([0.5, -1, 2, 0, 1, 3, -0.5, 0.2, 0], [3, 3]);
    const gradient = tf
      .grad((s: tf.Tensor) => infoNceLoss(s as tf.Tensor2D))(scores)
      .arraySync() as number[][];
    const rows = scores.arraySync() as number[][];
    rows.forEach((row, i) => {
      const total = row.reduce((sum, v) => sum + Math.exp(v), 0);
      row.forEach((v, j) => {
        const expected = (Math.exp(v) / total - (i === j ? 1 : 0)) / 3;
        expect(gradient[i][j]).toBeCloseTo(expected, 6);
      });
    });
  });

  it('keeps the bound at or below log B', () => {
    const rng = new Rng(4);
    for (const size of [2, 8, 64]) {
      const values = Array.from({ length: size * size }, () => 10 * rng.normal());
      const loss = infoNceLoss(tf.tensor2d(values, [size, size])).dataSync()[0];
      expect(loss).toBeGreaterThanOrEqual(-1e-6);
    }
  });
});

describe('dvBound', () => {
  it('matches a case by hand', () => {
    // mean(1, 2, 3) - log((e^0 + e^(log 3)) / 2) = 2 - log 2
    const bound = dvBound(tf.tensor1d([1, 2, 3]), tf.tensor1d([0, Math.log(3)]));
    expect(bound.dataSync()[0]).toBeCloseTo(2 - Math.log(2), 6);
  });

  it('has the Donsker-Varadhan gradient', () => {
    const joint = tf.tensor1d([1, 2, 3]);
    const marginal = tf.tensor1d([0, Math.log(3)]);
    const [dJoint, dMarginal] = tf.grads((j: tf.Tensor, m: tf.Tensor) => dvBound(j, m))([joint, marginal]);

    for (const v of dJoint.dataSync()) expect(v).toBeCloseTo(1 / 3, 6);
    // -softmax(marginal) = -(1/4, 3/4)
    expect(dMarginal.dataSync()[0]).toBeCloseTo(-0.25, 6);
    expect(dMarginal.dataSync()[1]).toBeCloseTo(-0.75, 6);
  });
});

describe('mineBiasCorrectedLoss', () => {
  it('divides the marginal gradient by the moving average', () => {
    // Moving average 2: value -(2 - mean(1, 3) / 2) = -1, gradient exp(T) / (2 n) = (1/4, 3/4).
    const joint = tf.tensor1d([1, 2, 3]);
    const marginal = tf.tensor1d([0, Math.log(3)]);
    const loss = (j: tf.Tensor, m: tf.Tensor) => mineBiasCorrectedLoss(j, m, Math.log(2));
    const [dJoint, dMarginal] = tf.grads(loss)([joint, marginal]);

    expect(loss(joint, marginal).dataSync()[0]).toBeCloseTo(-1, 6);
    for (const v of dJoint.dataSync()) expect(v).toBeCloseTo(-1 / 3, 6);
    expect(dMarginal.dataSync()[0]).toBeCloseTo(0.25, 6);
    expect(dMarginal.dataSync()[1]).toBeCloseTo(0.75, 6);
  });
});

describe('infoNceBound', () => {
  it('never exceeds log of the batch size', async () => {
    // The true value, 3/2 log(1 / (1 - 0.99^2)) = 5.9 nats, is far above log 16 = 2.77.
    const { x, y } = gaussianPairs(800, 3, 0.99, 1);
    const result = await infoNceBound(x, y, { batchSize: 16, epochs: 10, seed: 2 });

    expect(result.evaluationBatchSize).toBe(16);
    expect(result.upperLimit).toBeCloseTo(Math.log(16), 12);
    expect(result.estimate).toBeLessThanOrEqual(Math.log(16));
    expect(result.estimate).toBeGreaterThan(Math.log(16) - 0.5);
    for (const value of result.trainingHistory) expect(value).toBeLessThanOrEqual(Math.log(16) + 1e-6);
  });

  it('is near the closed form for rho 0.5', async () => {
    const { x, y } = gaussianPairs(2000, 1, 0.5, 1);
    const result = await infoNceBound(x, y, { epochs: 30, seed: 1 });

    expect(result.trainingHistory).toHaveLength(30);
    expect(result.evaluationSamples).toBe(384);
    expect(Math.abs(result.estimate - closedForm(1, 0.5))).toBeLessThan(0.1);
  });
});

describe('infoNceBound on independent inputs', () => {
  it('is near 0', async () => {
    const { x, y } = gaussianPairs(1000, 1, 0, 3);
    const result = await infoNceBound(x, y, { epochs: 10, seed: 3 });
    expect(Math.abs(result.estimate)).toBeLessThan(0.05);
  });
});

describe('neural bounds in bits', () => {
  it('divide every value by log 2', async () => {
    const { x, y } = gaussianPairs(300, 1, 0.7, 9);
    const options = { epochs: 3, batchSize: 64, seed: 4 };
    const nceNats = await infoNceBound(x, y, options);
    const nceBits = await infoNceBound(x, y, { ...options, base: 2 });
    const mineNats = await mineBound(x, y, options);
    const mineBits = await mineBound(x, y, { ...options, base: 2 });

    expect(nceBits.estimate).toBeCloseTo(nceNats.estimate / Math.LN2, 12);
    expect(nceBits.upperLimit).toBeCloseTo(Math.log2(nceBits.evaluationBatchSize), 12);
    expect(nceBits.trainingHistory[2]).toBeCloseTo(nceNats.trainingHistory[2] / Math.LN2, 12);
    expect(mineBits.estimate).toBeCloseTo(mineNats.estimate / Math.LN2, 12);
    expect(mineBits.trainingHistory[0]).toBeCloseTo(mineNats.trainingHistory[0] / Math.LN2, 12);
  });
});

describe('mineBound', () => {
  it('is near the closed form for rho 0.5', async () => {
    const { x, y } = gaussianPairs(2000, 1, 0.5, 1);
    const result = await mineBound(x, y, { epochs: 50, seed: 1 });

    expect(result.trainingHistory).toHaveLength(50);
    expect(result.evaluationSamples).toBe(400);
    expect(Math.abs(result.estimate - closedForm(1, 0.5))).toBeLessThan(0.1);
  });

  it('is near 0 for independent inputs', async () => {
    const { x, y } = gaussianPairs(1000, 1, 0, 3);
    const result = await mineBound(x, y, { epochs: 20, seed: 3 });
    expect(Math.abs(result.estimate)).toBeLessThan(0.05);
  });

  it('repeats with the same seed', async () => {
    const { x, y } = gaussianPairs(300, 2, 0.5, 5);
    const options = { epochs: 3, batchSize: 64, seed: 7 };
    const first = await mineBound(x, y, options);
    const second = await mineBound(x, y, options);
    const other = await mineBound(x, y, { ...options, seed: 8 });

    expect(second.estimate).toBe(first.estimate);
    expect(second.trainingHistory).toEqual(first.trainingHistory);
    expect(other.estimate).not.toBe(first.estimate);
  });

  it('frees its tensors', async () => {
    const { x, y } = gaussianPairs(200, 1, 0.5, 6);
    const before = tf.memory().numTensors;
    await mineBound(x, y, { epochs: 2, batchSize: 50 });
    await infoNceBound(x, y, { epochs: 2, batchSize: 50 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('neuralMutualInformationGate', () => {
  // rho = 0.9: 0.830 nats, whose information coefficient is 0.9.
  const { x, y } = gaussianPairs(600, 1, 0.9, 12);

  it('scores InfoNCE with the information coefficient', async () => {
    const neural = { epochs: 10, seed: 2 };
    const result = await neuralMutualInformationGate({ low: x, strong: y, estimator: 'infonce', neural });
    const bound = await infoNceBound(x, y, neural);

    expect(result.estimator).toBe('infonce');
    expect(result.threshold).toBe(0.2);
    expect(result.estimate).toBe(bound.estimate);
    expect(result.value).toBeCloseTo(informationCoefficient(bound.estimate), 14);
    expect(result.value).toBeGreaterThan(0.7);
    expect(result.passed).toBe(true);
  });

  it('scores MINE in nats whatever the base', async () => {
    const neural = { epochs: 10, seed: 2, base: 2 as const };
    const result = await neuralMutualInformationGate({ low: x, strong: y, estimator: 'mine', neural });
    const bound = await mineBound(x, y, { ...neural, base: 'e' });

    expect(result.estimator).toBe('mine');
    expect(result.estimate).toBe(bound.estimate);
    expect(result.value).toBeCloseTo(informationCoefficient(bound.estimate), 14);
  });

  it('compares strictly with the threshold', async () => {
    const result = await neuralMutualInformationGate({
      low: x,
      strong: y,
      estimator: 'mine',
      threshold: 1,
      neural: { epochs: 2 },
    });
    expect(result.value).toBeLessThanOrEqual(1);
    expect(result.passed).toBe(false);
  });

  it('rejects an invalid threshold or estimator', async () => {
    await expect(
      neuralMutualInformationGate({ low: x, strong: y, estimator: 'mine', threshold: Number.NaN }),
    ).rejects.toThrow(/threshold must be a finite number/);
    await expect(
      neuralMutualInformationGate({ low: x, strong: y, estimator: 'ksg' as 'mine' }),
    ).rejects.toThrow(/'infonce' or 'mine', got ksg/);
  });
});

describe('neural bound options', () => {
  const { x, y } = gaussianPairs(20, 1, 0.5, 1);

  it('rejects mismatched samples', async () => {
    await expect(mineBound(x, [1, 2, 3])).rejects.toThrow(/different numbers of samples \(x: 20, y: 3\)/);
  });

  it('rejects invalid options', async () => {
    await expect(mineBound(x, y, { epochs: 0 })).rejects.toThrow(InvalidInputError);
    await expect(mineBound(x, y, { batchSize: 1 })).rejects.toThrow(/batchSize/);
    await expect(mineBound(x, y, { heldOutFraction: 1 })).rejects.toThrow(/heldOutFraction/);
    await expect(mineBound(x, y, { heldOutFraction: 0.01 })).rejects.toThrow(
      /leave 20 for training and 0 held out/,
    );
    await expect(mineBound(x, y, { movingAverageRate: 0 })).rejects.toThrow(/movingAverageRate/);
    await expect(infoNceBound(x, y, { embedding: 0 })).rejects.toThrow(/embedding/);
    await expect(infoNceBound(x, y, { hidden: [8, -1] })).rejects.toThrow(/hidden/);
    await expect(infoNceBound(x, y, { base: 10 as unknown as 2 })).rejects.toThrow(/base/);
  });

  it('reports divergence as a numerical error', () => {
    const finite = { estimate: 0.1, trainingHistory: [0.05, 0.1], evaluationSamples: 10 };
    const diverged = { ...finite, trainingHistory: [0.05, Number.NaN] };

    expect(requireFiniteResult(finite, 'MINE')).toBe(finite);
    expect(() => requireFiniteResult(diverged, 'MINE')).toThrow(NumericalError);
    expect(() => requireFiniteResult({ ...finite, estimate: Number.NEGATIVE_INFINITY }, 'InfoNCE')).toThrow(
      /InfoNCE training diverged/,
    );
  });

  it('rejects non-finite values', async () => {
    const bad = createMatrix(20, 1, new Float64Array(20).fill(1));
    bad.data[7] = Number.POSITIVE_INFINITY;
    await expect(infoNceBound(bad, y)).rejects.toThrow(/row 7, column 0/);
  });
});
