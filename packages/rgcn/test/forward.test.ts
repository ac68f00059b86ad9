import { csrToDense } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { maxAbsDiff } from '@bml/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnimodalModel,
  disposeNodeInput,
  disposeUnimodal,
  forwardUnimodal,
  leakyRelu,
  prepareGraph,
  prepareNodeInput,
  unimodalVariables,
  type UnimodalModel,
} from '../src/index.js';
import { makeToyProblem, randomizeBiases } from './toy.js';

beforeAll(async () => {
  await initBackend();
});

/** Dense reference of the encoder and head with plain TensorFlow.js ops (autodiff through tf.matMul). */
function denseForward(model: UnimodalModel, adjacency: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (const layer of model.layers) {
    let z = tf.matMul(tf.matMul(adjacency, h), layer.weight);
    if (layer.selfWeight) z = tf.add(z, tf.matMul(h, layer.selfWeight));
    h = tf.leakyRelu(tf.add(z, layer.bias), model.config.leakySlope) as tf.Tensor2D;
  }
  return tf.add(tf.matMul(h, model.head.weight), model.head.bias);
}

describe('leakyRelu', () => {
  it('gives the closed form in value and gradient', () => {
    const x = tf.tensor2d([[-2, -0.5, 0, 0.5, 3]]);
    expect(Array.from(leakyRelu(x, 0.25).dataSync())).toEqual([-0.5, -0.125, 0, 0.5, 3]);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(leakyRelu(t as tf.Tensor2D, 0.25)))(x).dataSync();
    expect(Array.from(ours)).toEqual([0.25, 0.25, 0.25, 1, 1]);
    x.dispose();
  });
});

describe('forwardUnimodal', () => {
  for (const selfWeight of [true, false]) {
    it(`equals a dense computation (selfWeight ${selfWeight})`, () => {
      const toy = makeToyProblem({ nTrain: 20, nTest: 0, features: 4, k: 3 });
      // Widths 4 -> 6 -> 3 -> 5 exercise both propagation orders.
      const model = createUnimodalModel({ inputDim: 4, nClasses: 3 }, { hidden: [6, 3, 5], selfWeight }, 2);
      // Non-zero biases, so the bias path is checked too.
      randomizeBiases(model, 9);
      const graph = prepareGraph(toy.graph);
      const input = prepareNodeInput(graph, toy.features);
      const adjacency = tf.tensor2d(Float32Array.from(csrToDense(toy.graph)), [20, 20]);

      const ours = tf.tidy(() => forwardUnimodal(model, input).logits.dataSync());
      const reference = tf.tidy(() => denseForward(model, adjacency, input.x).dataSync());
      expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-4);

      const targets = tf.randomNormal([20, 3], 0, 1, 'float32', 4);
      const vars = unimodalVariables(model);
      const oursGrad = tf.variableGrads(
        () => tf.sum(tf.mul(targets, forwardUnimodal(model, input).logits)) as tf.Scalar,
        vars,
      );
      const refGrad = tf.variableGrads(
        () => tf.sum(tf.mul(targets, denseForward(model, adjacency, input.x))) as tf.Scalar,
        vars,
      );
      for (const v of vars) {
        expect(maxAbsDiff(oursGrad.grads[v.name].dataSync(), refGrad.grads[v.name].dataSync())).toBeLessThan(1e-4);
      }
      tf.dispose([oursGrad.value, refGrad.value, targets, adjacency]);
      tf.dispose(Object.values(oursGrad.grads));
      tf.dispose(Object.values(refGrad.grads));
      disposeNodeInput(input);
      graph.dispose();
      disposeUnimodal(model);
    });
  }

  it('applies dropout only in training mode, reproducibly by seed', () => {
    const toy = makeToyProblem({ nTrain: 30, nTest: 0, features: 4 });
    const model = createUnimodalModel({ inputDim: 4, nClasses: 3 }, { hidden: [16, 8] }, 1);
    const graph = prepareGraph(toy.graph);
    const input = prepareNodeInput(graph, toy.features);
    const run = (training: boolean, dropoutSeed: number) =>
      tf.tidy(() => forwardUnimodal(model, input, { training, dropoutSeed }).logits.dataSync());
    expect(Array.from(run(false, 1))).toEqual(Array.from(run(false, 2)));
    expect(Array.from(run(true, 5))).toEqual(Array.from(run(true, 5)));
    expect(maxAbsDiff(run(true, 5), run(true, 6))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(run(true, 5), run(false, 5))).toBeGreaterThan(1e-3);
    disposeNodeInput(input);
    graph.dispose();
    disposeUnimodal(model);
  });
});

describe('createUnimodalModel', () => {
  it('draws Xavier-normal weights and zero biases from the seed', () => {
    const a = createUnimodalModel({ inputDim: 200, nClasses: 4 }, { hidden: [300] }, 3);
    const b = createUnimodalModel({ inputDim: 200, nClasses: 4 }, { hidden: [300] }, 3);
    const w = a.layers[0].weight.dataSync();
    let sumSq = 0;
    for (const v of w) sumSq += v * v;
    // Variance 2 / (fanIn + fanOut) = 0.004; 60,000 draws put the estimate within a few percent.
    expect(sumSq / w.length).toBeGreaterThan(0.0038);
    expect(sumSq / w.length).toBeLessThan(0.0042);
    expect(Array.from(a.layers[0].bias.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(b.layers[0].weight.dataSync())).toEqual(Array.from(w));
    expect(a.layers[0].selfWeight).not.toBeNull();
    disposeUnimodal(a);
    disposeUnimodal(b);
  });

  it('rejects an empty hidden list', () => {
    expect(() => createUnimodalModel({ inputDim: 3, nClasses: 2 }, { hidden: [] })).toThrow(/hidden/);
  });
});
