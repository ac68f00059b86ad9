import { Rng } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { architecture } from '../src/architecture.js';
import {
  createLayers,
  initialLayerValues,
  isHiddenLayer,
  layerShapes,
  trainableVariables,
} from '../src/layers.js';
import type { DenseLayerValues } from '../src/layers.js';
import { encodeTensor, reconstructTensor } from '../src/network.js';
import type { NetworkShape } from '../src/network.js';

beforeAll(async () => {
  await initBackend();
});

/** Reference forward pass in float64 over sample-major rows, written independently of the tensors. */
function referenceForward(values: DenseLayerValues[], shapes: [number, number][], x: number[][], to: number) {
  let h = x;
  for (let l = 0; l < to; l++) {
    const [inputs, outputs] = shapes[l];
    const v = values[l];
    h = h.map((row) => {
      const out: number[] = [];
      for (let o = 0; o < outputs; o++) {
        let s = v.bias ? v.bias[o] : 0;
        for (let i = 0; i < inputs; i++) s += v.weight[o * inputs + i] * row[i];
        if (v.batchNorm) {
          const bn = v.batchNorm;
          s = ((s - bn.runningMean[o]) / Math.sqrt(bn.runningVariance[o] + 1e-5)) * bn.gamma[o] + bn.beta[o];
          s = s >= 0 ? s : 0.2 * s;
        }
        out.push(s);
      }
      return out;
    });
  }
  return h;
}

function randomValues(
  shapes: [number, number][],
  hidden: (i: number) => boolean,
  rng: Rng,
): DenseLayerValues[] {
  const draw = (n: number, scale = 1, offset = 0) =>
    Float32Array.from({ length: n }, () => offset + scale * rng.normal());
  return shapes.map(([inputs, outputs], i) =>
    hidden(i)
      ? {
          weight: draw(inputs * outputs, 0.5),
          batchNorm: {
            gamma: draw(outputs, 0.2, 1),
            beta: draw(outputs, 0.2),
            runningMean: draw(outputs, 0.3),
            runningVariance: Float32Array.from({ length: outputs }, () => 0.5 + rng.uniform()),
          },
        }
      : { weight: draw(inputs * outputs, 0.5), bias: draw(outputs, 0.2) },
  );
}

describe('forward pass', () => {
  const arch = architecture(7, { hidden: [5, 4], codeSize: 3 });
  const shapes = layerShapes(arch);
  const values = randomValues(shapes, (i) => isHiddenLayer(arch, i), new Rng(11));
  const x = [
    [0.1, -1, 2, 0.5, 0, 1.5, -0.3],
    [1, 1, -1, 0, 2, -2, 0.7],
  ];

  it('matches a float64 reference in inference mode', () => {
    const shape: NetworkShape = { layers: createLayers(arch, values), codeLayer: 2, leakySlope: 0.2 };
    const xT = tf.tensor2d(x).transpose() as tf.Tensor2D;
    const code = tf.transpose(encodeTensor(xT, shape)).arraySync() as number[][];
    const output = tf.transpose(reconstructTensor(xT, shape, { training: false })).arraySync() as number[][];
    const expectedCode = referenceForward(values, shapes, x, 3);
    const expectedOutput = referenceForward(values, shapes, x, shapes.length);
    expect(code.length).toBe(2);
    expect(code[0].length).toBe(3);
    code.flat().forEach((v, i) => expect(v).toBeCloseTo(expectedCode.flat()[i], 4));
    expect(output[0].length).toBe(7);
    output.flat().forEach((v, i) => expect(v).toBeCloseTo(expectedOutput.flat()[i], 4));
  });

  it('gives the same gradients as plain autodiff', () => {
    // Training mode without dropout: the custom products must not change any gradient.
    const layers = createLayers(arch, initialLayerValues(arch, 3));
    const shape: NetworkShape = { layers, codeLayer: 2, leakySlope: 0.2 };
    const input = tf.tensor2d(x.concat([[0, 0.5, -0.5, 1, 1, 0, -1]]));
    const inputT = tf.transpose(input) as tf.Tensor2D;
    const variables = trainableVariables(layers);
    const mode = { training: true as const, dropout: 0, dropoutSeeds: [], input };
    const loss = () => {
      const output = reconstructTensor(inputT, shape, mode);
      return tf.mean(tf.squaredDifference(output, inputT)) as tf.Scalar;
    };
    const custom = tf.variableGrads(loss, variables).grads;

    const plainLoss = () => {
      let h: tf.Tensor = input;
      for (const layer of layers) {
        h = tf.matMul(h, layer.weight, false, true);
        if (layer.bias) h = tf.add(h, tf.reshape(layer.bias, [-1]));
        if (layer.batchNorm) {
          const { mean, variance } = tf.moments(h, 0);
          const bn = layer.batchNorm;
          const normalized = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
          h = tf.add(tf.mul(normalized, tf.reshape(bn.gamma, [-1])), tf.reshape(bn.beta, [-1]));
          h = tf.leakyRelu(h, 0.2);
        }
      }
      return tf.mean(tf.squaredDifference(h, input)) as tf.Scalar;
    };
    const plain = tf.variableGrads(plainLoss, variables).grads;
    for (const variable of variables) {
      const a = custom[variable.name].dataSync();
      const b = plain[variable.name].dataSync();
      expect(a.length).toBe(b.length);
      // The code layer's bias feeds a BatchNorm, so its true gradient is zero: compare absolutely there.
      let scale = 1;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i]) / scale).toBeLessThan(1e-5);
    }
  });
});
