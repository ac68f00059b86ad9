import { describe, expect, it } from 'vitest';
import { initBackend, matMul, tf } from '../src/tensor.js';
import { exitCodeFor, InvalidInputError, NumericalError } from '../src/index.js';

describe('tensor backend', () => {
  it('loads a backend and reports it', async () => {
    const info = await initBackend();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name);
  });

  it('matMul equals tf.matMul in value and gradient', async () => {
    await initBackend();
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([0.5, -1, 2, 0, 1, 3], [3, 2]);
    const weights = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const loss = (f: typeof tf.matMul) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), weights));
    const fast = tf.grads(loss(matMul as typeof tf.matMul))([a, b]);
    const plain = tf.grads(loss(tf.matMul))([a, b]);
    expect(Array.from(matMul(a, b).dataSync())).toEqual(Array.from(tf.matMul(a, b).dataSync()));
    // d/dA sum(W * (A B)) = W B^T, worked by hand for the first entry: 1*0.5 + 2*(-1) = -1.5
    expect(fast[0].dataSync()[0]).toBeCloseTo(-1.5, 6);
    for (let k = 0; k < 2; k++) {
      const f = fast[k].dataSync();
      const p = plain[k].dataSync();
      for (let i = 0; i < f.length; i++) expect(f[i]).toBeCloseTo(p[i], 5);
    }
  });
});

describe('exit codes', () => {
  it('maps error classes to exit codes', () => {
    expect(exitCodeFor(new InvalidInputError('x'))).toBe(2);
    expect(exitCodeFor(new NumericalError('x'))).toBe(3);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
