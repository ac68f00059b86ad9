import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@bml/core';
import { initBackend, tf, wasmHeap, type WasmHeap } from '@bml/core/tensor';
import { batchNormTraining } from '../src/batch-norm.js';
import { fusedHiddenStep, type HiddenStepOptions } from '../src/fused-hidden.js';
import type { BatchNormParams } from '../src/layers.js';

let heap: WasmHeap | undefined;

beforeAll(async () => {
  await initBackend();
  heap = wasmHeap();
});

const FEATURES = 37;
const SAMPLES = 23;

function randomValues(rng: Rng, length: number, centre: number, spread: number): Float32Array {
  return Float32Array.from({ length }, () => centre + spread * rng.normal());
}

/** BatchNorm parameters with non-trivial γ, β and running statistics, from `seed`. */
function makeParams(seed: number): BatchNormParams {
  const rng = new Rng(seed);
  const column = (values: Float32Array, trainable = true) => tf.variable(tf.tensor2d(values, [FEATURES, 1]), trainable);
  return {
    gamma: column(randomValues(rng, FEATURES, 1, 0.3)),
    beta: column(randomValues(rng, FEATURES, 0, 0.5)),
    runningMean: column(randomValues(rng, FEATURES, 0, 1), false),
    runningVariance: column(Float32Array.from({ length: FEATURES }, () => 0.5 + rng.uniform()), false),
  };
}

/** Runs the same step as tensor ops, as the network does off the wasm backend. */
function tensorStep(z: tf.Tensor2D, params: BatchNormParams, options: HiddenStepOptions): tf.Tensor2D {
  const h = tf.leakyRelu(batchNormTraining(z, params), options.leakySlope);
  return options.dropout > 0 ? (tf.dropout(h, options.dropout, undefined, options.dropoutSeed) as tf.Tensor2D) : h;
}

interface StepResult {
  value: Float32Array;
  dz: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
  runningMean: Float32Array;
  runningVariance: Float32Array;
}

/** Runs one step and its gradient for the loss Σ out ⊙ weights, on fresh parameters. */
function runStep(fused: boolean, options: HiddenStepOptions, input: Float32Array, weights: Float32Array): StepResult {
  const params = makeParams(5);
  const z = tf.variable(tf.tensor2d(input, [FEATURES, SAMPLES]));
  const w = tf.tensor2d(weights, [FEATURES, SAMPLES]);
  let value: Float32Array = new Float32Array();
  const { grads } = tf.variableGrads(() => {
    const out = fused ? fusedHiddenStep(heap as WasmHeap, z, params, options) : tensorStep(z, params, options);
    value = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(out, w)) as tf.Scalar;
  }, [z, params.gamma, params.beta]);
  const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
  const result = {
    value,
    dz: read(grads[z.name]),
    dGamma: read(grads[params.gamma.name]),
    dBeta: read(grads[params.beta.name]),
    runningMean: read(params.runningMean),
    runningVariance: read(params.runningVariance),
  };
  tf.dispose([z, w, params.gamma, params.beta, params.runningMean, params.runningVariance, ...Object.values(grads)]);
  return result;
}

/** Largest absolute difference, relative to the largest magnitude of `expected`. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return worst / scale;
}

describe('fusedHiddenStep', () => {
  it('finds the wasm memory on wasm', () => {
    expect(tf.getBackend() !== 'wasm' || heap !== undefined).toBe(true);
  });

  for (const dropout of [0, 0.3]) {
    it(
      `matches the tensor ops (dropout ${dropout})`,
      (context) => {
        // Off the wasm backend training uses the tensor ops, and this op has no memory to run on.
        if (heap === undefined) context.skip();
        const rng = new Rng(17);
        // A feature offset far from zero and spreads that differ by feature test the centring.
        const input = randomValues(rng, FEATURES * SAMPLES, 3, 2);
        const weights = randomValues(rng, FEATURES * SAMPLES, 0, 1);
        const options = { leakySlope: 0.2, dropout, dropoutSeed: 123 };
        const fused = runStep(true, options, input, weights);
        const plain = runStep(false, options, input, weights);
        // Same dropout mask: the same entries are zero.
        const zeros = (v: Float32Array) => Array.from(v, (x) => x === 0);
        expect(zeros(fused.value)).toEqual(zeros(plain.value));
        if (dropout > 0) expect(zeros(plain.value).filter(Boolean).length).toBeGreaterThan(FEATURES * SAMPLES * 0.15);
        expect(relativeError(fused.value, plain.value)).toBeLessThan(1e-5);
        expect(relativeError(fused.dz, plain.dz)).toBeLessThan(1e-4);
        expect(relativeError(fused.dGamma, plain.dGamma)).toBeLessThan(1e-4);
        expect(relativeError(fused.dBeta, plain.dBeta)).toBeLessThan(1e-5);
        expect(relativeError(fused.runningMean, plain.runningMean)).toBeLessThan(1e-6);
        expect(relativeError(fused.runningVariance, plain.runningVariance)).toBeLessThan(1e-5);
      },
    );
  }

  it('keeps no tensor after a step', (context) => {
    if (heap === undefined) context.skip();
    const params = makeParams(3);
    const z = tf.variable(tf.randomNormal([FEATURES, SAMPLES], 0, 1, 'float32', 4)) as tf.Variable<tf.Rank.R2>;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.variableGrads(
        () => tf.sum(fusedHiddenStep(heap as WasmHeap, z, params, { leakySlope: 0.2, dropout: 0.5, dropoutSeed: 1 })),
        [z, params.gamma],
      );
    });
    // The running statistics are replaced, not added.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, params.gamma, params.beta, params.runningMean, params.runningVariance]);
  });
});
