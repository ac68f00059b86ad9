import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { createAdam, HeapAdam, type AdamOptions } from '../src/adam.js';

function randomValues(rng: Rng, length: number, scale: number): Float32Array {
  return Float32Array.from({ length }, () => scale * (2 * rng.uniform() - 1));
}

/** Trains two copies of the same variables with the two optimisers on the same gradients. */
function runBoth(steps: number, weightDecay: number) {
  const rng = new Rng(11);
  const shapes = [
    [30, 17],
    [17, 1],
    [5, 30],
  ];
  const initial = shapes.map((shape) => randomValues(rng, shape[0] * shape[1], 1));
  const make = () => initial.map((values, i) => tf.variable(tf.tensor(values, shapes[i])));
  const heapVars = make();
  const tensorVars = make();

  const options = (variables: tf.Variable[]): AdamOptions => ({
    variables,
    decayed: [variables[0], variables[2]],
    learningRate: 1e-3,
    weightDecay,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
  });
  const heap = createAdam(options(heapVars));
  const plain = createAdam(options(tensorVars), 'tensor');

  for (let step = 0; step < steps; step++) {
    // Gradients of widely different sizes, so that the bias corrections and epsilon matter.
    const grads = shapes.map((shape, i) => randomValues(rng, shape[0] * shape[1], 10 ** (i - 3 + (step % 4))));
    tf.tidy(() => {
      heap.applyGradients(Object.fromEntries(heapVars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])])));
      plain.applyGradients(Object.fromEntries(tensorVars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])])));
    });
  }
  const read = (variables: tf.Variable[]) => variables.map((v) => Array.from(v.dataSync()));
  const result = { heap: read(heapVars), plain: read(tensorVars), initial: initial.map((x) => Array.from(x)), optimizer: heap };
  heap.dispose();
  plain.dispose();
  tf.dispose([...heapVars, ...tensorVars]);
  return result;
}

describe('createAdam', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('uses the heap update on the wasm backend', () => {
    const result = runBoth(1, 0);
    // Off the wasm backend any optimiser object passes here; the two tests below still compare values.
    expect(result.optimizer).toBeInstanceOf(tf.getBackend() === 'wasm' ? HeapAdam : Object);
  });

  it('matches tf.train.adam bit for bit', () => {
    const { heap, plain, initial } = runBoth(25, 0);
    expect(heap).toEqual(plain);
    // The weights moved, so the comparison is not between two untouched copies.
    expect(heap[0]).not.toEqual(initial[0]);
  });

  it('matches with weight decay on some variables', () => {
    const { heap, plain } = runBoth(25, 5e-2);
    expect(heap).toEqual(plain);
    const undecayed = runBoth(25, 0);
    expect(heap[0]).not.toEqual(undecayed.heap[0]);
    // The second variable gets no decay, so its values are the same with and without it.
    expect(heap[1]).toEqual(undecayed.heap[1]);
  });
});
