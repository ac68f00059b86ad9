import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../src/index.js';

// Off the wasm backend Adam extracts each variable's update with tf.split instead of
// sparseSegmentSum; this file runs that path on the cpu backend.
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('Adam on the cpu backend', () => {
  it('updates several variables like the per-variable formula', () => {
    expect(tf.getBackend()).toBe('cpu');
    const a = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const adam = new Adam([{ variables: [a, b], learningRate: 0.1, weightDecay: 0.01 }]);
    const ga = tf.tensor2d([[0.3, 0.4]]);
    const gb = tf.tensor1d([-1]);
    adam.step({ [a.name]: ga, [b.name]: gb });
    // First step: m̂ = g', v̂ = g'², so each entry moves by lr · sign(g') (up to ε), g' = g + wd·θ.
    const av = a.dataSync();
    expect(av[0]).toBeCloseTo(0.9, 6);
    expect(av[1]).toBeCloseTo(-2.1, 6);
    expect(b.dataSync()[0]).toBeCloseTo(0.6, 6);
    adam.dispose();
    tf.dispose([a, b, ga, gb]);
  });
});
