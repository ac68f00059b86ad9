/**
 * Small multilayer perceptrons used as critics by the neural bounds.
 */
import type { Rng } from '@bml/core';
import { matMul, tf } from '@bml/core/tensor';

/** A dense network with ELU hidden layers and a linear output layer. */
export interface Mlp {
  /** Trainable weights and biases, layer by layer. */
  readonly variables: tf.Variable[];
  /** Applies the network to a batch (rows are samples). */
  apply(input: tf.Tensor2D): tf.Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * Creates an MLP with layer widths `sizes` (input, hidden..., output).
 * Weights are drawn from the Glorot uniform distribution with `rng`, so one
 * seed gives one network on every backend. Biases start at 0.
 */
export function createMlp(sizes: readonly number[], rng: Rng): Mlp {
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const values = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < values.length; i++) values[i] = (2 * rng.uniform() - 1) * limit;
    // tidy frees the initial-value tensors, because each variable keeps its own reference to the data.
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(values, [fanIn, fanOut]))));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]))));
  }
  const last = weights.length - 1;
  return {
    variables: weights.flatMap((w, l) => [w, biases[l]]),
    apply(input: tf.Tensor2D): tf.Tensor2D {
      let h = input;
      for (let l = 0; l <= last; l++) {
        h = tf.add(matMul(h, weights[l] as tf.Variable<tf.Rank.R2>), biases[l]);
        if (l < last) h = tf.elu(h);
      }
      return h;
    },
    dispose(): void {
      for (const v of [...weights, ...biases]) v.dispose();
    },
  };
}
