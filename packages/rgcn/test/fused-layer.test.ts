import { initBackend, tf, wasmHeap } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnimodalModel,
  disposeNodeInput,
  disposeUnimodal,
  forwardUnimodal,
  prepareGraph,
  prepareNodeInput,
  unimodalVariables,
} from '../src/index.js';
import { fusedActivationRuns } from '../src/fused-layer.js';
import { makeToyProblem, randomizeBiases } from './toy.js';

beforeAll(async () => {
  await initBackend();
});

interface Pass {
  logits: number[];
  grads: number[][];
}

/** Runs a forward pass and the gradients of a weighted sum of the logits, fused or with tensor ops. */
function pass(hidden: number[], training: boolean, fused: boolean): Pass {
  const toy = makeToyProblem({ nTrain: 40, nTest: 9, features: 12, k: 4 });
  const model = createUnimodalModel({ inputDim: 12, nClasses: 3 }, { hidden, dropout: 0.3 }, 5);
  // Non-zero biases, so that the bias path and both signs of LeakyReLU are exercised.
  randomizeBiases(model, 2);
  const graph = prepareGraph(toy.graph);
  const input = prepareNodeInput(graph, toy.features);
  const targets = tf.randomNormal([49, 3], 0, 1, 'float32', 4);
  const options = { training, dropoutSeed: 11, fused };
  const logits = tf.tidy(() => Array.from(forwardUnimodal(model, input, options).logits.dataSync()));
  const variables = unimodalVariables(model);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(targets, forwardUnimodal(model, input, options).logits)) as tf.Scalar,
    variables,
  );
  const out = { logits, grads: variables.map((v) => Array.from(grads[v.name].dataSync())) };
  tf.dispose([value, targets, ...Object.values(grads)]);
  disposeNodeInput(input);
  graph.dispose();
  disposeUnimodal(model);
  return out;
}

describe('fusedActivation', () => {
  it('runs on the wasm backend for widths that are multiples of 4', () => {
    expect(fusedActivationRuns(wasmHeap(), 8)).toBe(true);
    expect(fusedActivationRuns(wasmHeap(), 6)).toBe(false);
    expect(fusedActivationRuns(undefined, 8)).toBe(false);
  });

  for (const training of [true, false]) {
    it(`gives the bits of the tensor ops (training ${training})`, () => {
      // Width 6 runs on tensor ops inside the fused pass, so both paths meet within one network.
      const hidden = [8, 6, 12];
      const fused = pass(hidden, training, true);
      const plain = pass(hidden, training, false);
      expect(fused.logits).toEqual(plain.logits);
      fused.grads.forEach((grad, i) => expect(grad).toEqual(plain.grads[i]));
    });
  }

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    pass([8, 12], true, true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
