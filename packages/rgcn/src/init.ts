/**
 * Seeded weight initialisation. Values are drawn in JavaScript from
 * `@bml/core`'s {@link Rng}, so one seed gives the same weights on every
 * backend.
 */
import type { Rng } from '@bml/core';
import { tf } from '@bml/core/tensor';

/**
 * Returns a `fanIn x fanOut` Xavier-normal (Glorot & Bengio, 2010) weight
 * matrix: entries N(0, 2 / (fanIn + fanOut)), as PyTorch's `xavier_normal_`
 * with gain 1.
 */
export function xavierNormal(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const sd = Math.sqrt(2 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = sd * rng.normal();
  return out;
}

/** Creates a trainable `fanIn x fanOut` Xavier-normal weight variable. */
export function xavierVariable(rng: Rng, fanIn: number, fanOut: number): tf.Variable<tf.Rank.R2> {
  return variableFrom(tf.tensor2d(xavierNormal(rng, fanIn, fanOut), [fanIn, fanOut]));
}

/** Creates a trainable zero bias variable of length `size`. */
export function zeroBias(size: number): tf.Variable<tf.Rank.R1> {
  return variableFrom(tf.zeros([size]) as tf.Tensor1D);
}

/** Wraps `initial` in a trainable variable and disposes `initial`, whose data the variable keeps. */
export function variableFrom<R extends tf.Rank>(initial: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(initial, true);
  initial.dispose();
  return v;
}
