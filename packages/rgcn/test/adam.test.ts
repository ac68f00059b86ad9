import { Rng } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/** PyTorch's Adam update with L2 weight decay, for one scalar parameter. */
function referenceSteps(theta: number, grads: number[], lr: number, wd: number): number {
  let m = 0;
  let v = 0;
  grads.forEach((raw, i) => {
    const t = i + 1;
    const g = raw + wd * theta;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
    theta -= (lr / (1 - 0.9 ** t)) * (m / denom);
  });
  return theta;
}

describe('Adam', () => {
  it('matches the PyTorch update with weight decay', () => {
    // First step by hand: g = 0.5 + 0.1 * 1 = 0.6, m̂ = 0.6, v̂ = 0.36, so θ = 1 - 0.01 * 0.6 / 0.6 = 0.99.
    expect(referenceSteps(1, [0.5], 0.01, 0.1)).toBeCloseTo(0.99, 7);
    const theta = tf.variable(tf.scalar(1));
    const adam = new Adam([{ variables: [theta], learningRate: 0.01, weightDecay: 0.1 }]);
    const grads = [0.5, -0.2, 0.3];
    for (const g of grads) {
      const grad = tf.scalar(g);
      adam.step({ [theta.name]: grad });
      grad.dispose();
    }
    expect(theta.dataSync()[0]).toBeCloseTo(referenceSteps(1, grads, 0.01, 0.1), 6);
    expect(adam.iterations).toBe(3);
    adam.dispose();
    theta.dispose();
  });

  it('uses each group its own learning rate and decay', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor2d([[3]]));
    const adam = new Adam([
      { variables: [a], learningRate: 0.1 },
      { variables: [b], learningRate: 0.001, weightDecay: 0.5 },
    ]);
    const ga = tf.tensor1d([0.2, -0.4]);
    const gb = tf.tensor2d([[1]]);
    adam.step({ [a.name]: ga, [b.name]: gb });
    const av = a.dataSync();
    expect(av[0]).toBeCloseTo(referenceSteps(1, [0.2], 0.1, 0), 6);
    expect(av[1]).toBeCloseTo(referenceSteps(2, [-0.4], 0.1, 0), 6);
    expect(b.dataSync()[0]).toBeCloseTo(referenceSteps(3, [1], 0.001, 0.5), 6);
    expect(adam.learningRates).toEqual([0.1, 0.001]);
    tf.dispose([a, b, ga, gb]);
    adam.dispose();
  });

  it('decays a variable without a gradient', () => {
    const a = tf.variable(tf.scalar(2));
    const adam = new Adam([{ variables: [a], learningRate: 0.01, weightDecay: 1 }]);
    adam.step({});
    // g = 0 + 1 * 2 > 0, so the step moves θ down by lr.
    expect(a.dataSync()[0]).toBeCloseTo(1.99, 6);
    adam.dispose();
    a.dispose();
  });

  it('keeps the tensor count flat over steps', () => {
    const a = tf.variable(tf.ones([4, 3]));
    const adam = new Adam([{ variables: [a], learningRate: 0.01, weightDecay: 0.1 }]);
    const g = tf.ones([4, 3]);
    adam.step({ [a.name]: g });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) adam.step({ [a.name]: g });
    expect(tf.memory().numTensors).toBe(before);
    adam.dispose();
    tf.dispose([a, g]);
  });

  it('rejects a non-positive learning rate', () => {
    const a = tf.variable(tf.scalar(1));
    expect(() => new Adam([{ variables: [a], learningRate: 0 }])).toThrow(/learning rate/);
    a.dispose();
  });

  it.each([
    ['one group, no decay', [{ lr: 1e-3, wd: 0 }]],
    ['one group with decay', [{ lr: 1e-3, wd: 5e-4 }]],
    ['two groups', [{ lr: 1e-3, wd: 5e-4 }, { lr: 1e-2, wd: 0 }]],
  ])('gives the same weights on the heap as with tensor ops: %s', (_, groups) => {
    const rng = new Rng(4);
    // Sizes that are not multiples of 4 exercise the tail after the SIMD lanes.
    const shapes = [[30, 17], [17], [5, 6], [1]];
    const initial = shapes.map((shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));
    const make = () => initial.map((values, i) => tf.variable(tf.tensor(values, shapes[i])));
    const run = (engine: 'auto' | 'tensor') => {
      const variables = make();
      const split = groups.map((group, g) => ({
        variables: variables.filter((_, i) => i % groups.length === g),
        learningRate: group.lr,
        weightDecay: group.wd,
      }));
      const adam = new Adam(split, { engine });
      engines.push(adam.engine);
      const stepRng = new Rng(9);
      for (let step = 0; step < 20; step++) {
        const grads = Object.fromEntries(
          // The last variable gets no gradient in every third step.
          variables
            .filter((_, i) => !(i === variables.length - 1 && step % 3 === 0))
            .map((v) => [v.name, tf.tensor(Float32Array.from({ length: v.size }, () => 10 ** (step % 5 - 3) * stepRng.normal()), v.shape)]),
        );
        adam.step(grads);
        tf.dispose(Object.values(grads));
      }
      const values = variables.map((v) => Array.from(v.dataSync()));
      adam.dispose();
      tf.dispose(variables);
      return values;
    };
    const engines: string[] = [];
    const heap = run('auto');
    const tensor = run('tensor');
    expect(engines).toEqual([tf.getBackend() === 'wasm' ? 'heap' : 'tensor', 'tensor']);
    expect(heap).toEqual(tensor);
    expect(heap[0]).not.toEqual(Array.from(initial[0]));
  });
});
