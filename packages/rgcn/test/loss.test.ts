import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { classWeights, crossEntropy, crossEntropyTargets, scoreLogits } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

const logits = [
  [2, 0, -1],
  [0.5, 0.5, 0],
  [-1, 3, 0],
  [0, 0, 0],
];
const labels = [0, 1, 1, 2];

function nll(row: number[], y: number): number {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
  return lse - row[y];
}

describe('crossEntropy', () => {
  it('averages over the given rows only', () => {
    const rows = [0, 2, 3];
    const targets = crossEntropyTargets(labels, rows, 4, 3);
    const z = tf.tensor2d(logits);
    const expected = (nll(logits[0], 0) + nll(logits[2], 1) + nll(logits[3], 2)) / 3;
    expect(crossEntropy(z, targets).dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([z, targets]);
  });

  it('weights classes by inverse frequency', () => {
    const rows = [0, 1, 2, 3];
    // Counts 1, 2, 1 over 4 rows: weights 4/3, 2/3, 4/3 (n / (C n_c)).
    expect(Array.from(classWeights(labels, rows, 3, 'inverse'))).toEqual([4 / 3, 2 / 3, 4 / 3]);
    const targets = crossEntropyTargets(labels, rows, 4, 3, 'inverse');
    const z = tf.tensor2d(logits);
    const w = [4 / 3, 2 / 3, 2 / 3, 4 / 3];
    const terms = [nll(logits[0], 0), nll(logits[1], 1), nll(logits[2], 1), nll(logits[3], 2)];
    const expected = terms.reduce((s, t, i) => s + w[i] * t, 0) / w.reduce((a, b) => a + b, 0);
    expect(crossEntropy(z, targets).dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([z, targets]);
  });
});

describe('scoreLogits', () => {
  it('returns predictions, macro-F1 and mean loss', () => {
    const flat = logits.flat();
    const score = scoreLogits(flat, 3, labels, [0, 1, 2, 3]);
    // Predictions 0, 0 (a tie goes to the first class), 1, 0: F1 per class 2/4, 2/3, 0.
    expect(Array.from(score.pred)).toEqual([0, 0, 1, 0]);
    expect(score.macroF1).toBeCloseTo((1 / 2 + 2 / 3 + 0) / 3, 12);
    const expectedLoss = labels.reduce((s, y, i) => s + nll(logits[i], y), 0) / 4;
    expect(score.loss).toBeCloseTo(expectedLoss, 12);
  });
});
