import { NumericalError } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, fitWithEarlyStopping, type ValidationScore } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/**
 * Runs the loop on one scalar variable θ with loss θ², so θ moves every
 * epoch, and a scripted validation sequence. Returns the result and the θ
 * each evaluation saw.
 */
function runScripted(scores: ValidationScore[], options: { patience: number; epochs: number; selectFrom?: number }) {
  const theta = tf.variable(tf.scalar(5));
  const optimizer = new Adam([{ variables: [theta], learningRate: 0.1 }]);
  const seen = new Map<number, number>();
  let call = 0;
  const result = fitWithEarlyStopping({
    owner: '@bml/rgcn',
    stage: 'test',
    epochs: options.epochs,
    evalEvery: 10,
    patience: options.patience,
    selectFrom: options.selectFrom,
    optimizer,
    loss: () => tf.square(theta) as tf.Scalar,
    evaluate: (epoch) => {
      seen.set(epoch, theta.dataSync()[0]);
      return scores[Math.min(call++, scores.length - 1)];
    },
  });
  const final = theta.dataSync()[0];
  optimizer.dispose();
  theta.dispose();
  return { result, seen, final };
}

describe('fitWithEarlyStopping', () => {
  it('restores the best checkpoint and stops after patience', () => {
    const scores = [
      { macroF1: 0.5, loss: 1 },
      { macroF1: 0.7, loss: 0.9 },
      { macroF1: 0.6, loss: 0.8 },
      { macroF1: 0.7, loss: 0.95 },
      { macroF1: 0.65, loss: 0.7 },
    ];
    const { result, seen, final } = runScripted(scores, { patience: 30, epochs: 500 });
    expect(result.bestEpoch).toBe(20);
    expect(result.stoppedAtEpoch).toBe(50);
    expect(result.best).toEqual({ macroF1: 0.7, loss: 0.9 });
    expect(final).toBe(seen.get(20));
    expect(result.history.map((h) => h.epoch)).toEqual([10, 20, 30, 40, 50]);
    expect(result.trainLoss).toHaveLength(50);
  });

  it('breaks a macro-F1 tie by the lower validation loss', () => {
    const scores = [
      { macroF1: 0.7, loss: 0.9 },
      { macroF1: 0.7, loss: 0.8 },
      { macroF1: 0.7, loss: 0.85 },
      { macroF1: 0.6, loss: 0.5 },
    ];
    const { result } = runScripted(scores, { patience: 20, epochs: 500 });
    expect(result.bestEpoch).toBe(20);
    expect(result.stoppedAtEpoch).toBe(40);
  });

  it('evaluates after the last epoch and selects only after the warm-up', () => {
    const scores = [
      { macroF1: 0.9, loss: 0.1 },
      { macroF1: 0.5, loss: 1 },
      { macroF1: 0.6, loss: 1 },
    ];
    const { result } = runScripted(scores, { patience: 100, epochs: 25, selectFrom: 11 });
    expect(result.history.map((h) => h.epoch)).toEqual([10, 20, 25]);
    expect(result.bestEpoch).toBe(25);
    expect(result.stoppedAtEpoch).toBe(25);
  });

  it('raises a numerical error naming the epoch of a NaN loss', () => {
    const theta = tf.variable(tf.scalar(1));
    const optimizer = new Adam([{ variables: [theta], learningRate: 0.1 }]);
    const before = tf.memory().numTensors;
    const run = () =>
      fitWithEarlyStopping({
        owner: '@bml/rgcn',
        stage: 'Stage A',
        epochs: 50,
        evalEvery: 10,
        patience: 100,
        optimizer,
        loss: (epoch) => (epoch >= 7 ? tf.mul(theta, NaN) : tf.square(theta)) as tf.Scalar,
        evaluate: () => ({ macroF1: 0.5, loss: 1 }),
      });
    let error: unknown;
    try {
      run();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NumericalError);
    expect((error as NumericalError).message).toMatch(/Stage A training loss is NaN at epoch 7; lower the learning rate/);
    expect((error as NumericalError).details).toEqual({ stage: 'Stage A', epoch: 7 });
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    theta.dispose();
  });
});
